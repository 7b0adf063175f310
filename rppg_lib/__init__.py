"""rppg_lib: the importable half of the rPPG reproducibility compendium.

Modules (one job each):

- :mod:`rppg_lib.signal`: filters, spectra, heart-rate estimation, quality indices
- :mod:`rppg_lib.methods`: classical rPPG methods (GREEN, ICA, CHROM, POS, LGI, PBV)
- :mod:`rppg_lib.metrics`: HR and PPG agreement metrics, Bland-Altman
- :mod:`rppg_lib.evaluate`: the windowed evaluation protocol of the chapters
- :mod:`rppg_lib.record`: ``Recording``, the one record type of every dataset
- :mod:`rppg_lib.video`: decoding, face detection and tracking, ROI traces, crops, ST maps, caching
- :mod:`rppg_lib.predict`: HR over time from a face video (``rppg predict``)
- :mod:`rppg_lib.data`: dataset loaders and the registry of small public recordings
- :mod:`rppg_lib.profiles`: smoke / book / paper configurations of every notebook
- :mod:`rppg_lib.results`: run records and claims records
- :mod:`rppg_lib.runner` and :mod:`rppg_lib.cli`: papermill runner and the ``rppg`` command
- :mod:`rppg_lib.models`, :mod:`rppg_lib.losses`, :mod:`rppg_lib.train`, :mod:`rppg_lib.augment`:
  the papers' networks, losses, training loops and augmentations
"""
__version__ = "0.1.0"
