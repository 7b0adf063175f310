"""rppg_lib: the importable half of the rPPG reproducibility compendium.

Modules (one job each):

- :mod:`rppg_lib.signal`: filters, spectra, heart-rate estimation, quality indices
- :mod:`rppg_lib.methods`: classical rPPG methods (GREEN, ICA, CHROM, POS, LGI, PBV)
- :mod:`rppg_lib.metrics`: HR and PPG agreement metrics, Bland-Altman
- :mod:`rppg_lib.data`: dataset loaders and the registry of small public recordings
- :mod:`rppg_lib.profiles`: smoke / book / paper configurations of every notebook
- :mod:`rppg_lib.results`: run records and claims records
- :mod:`rppg_lib.runner` and :mod:`rppg_lib.cli`: papermill runner and the ``rppg`` command
"""
__version__ = "0.1.0"
