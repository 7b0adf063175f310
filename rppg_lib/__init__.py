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
- :mod:`rppg_lib.homes` and :mod:`rppg_lib.profiles`: each chapter's home and its smoke / book / paper settings
- :mod:`rppg_lib.papers` and :mod:`rppg_lib.foundations`: one home per chapter (settings, experiment,
  claims, reported numbers, and pieces only that chapter uses)
- :mod:`rppg_lib.claims` and :mod:`rppg_lib.claims_page`: the claims engine; the landing page's scoreboard,
  each chapter's "What this run found" box and the claims page
- :mod:`rppg_lib.chapter`: ``Chapter.start`` / ``chapter.claims`` / ``chapter.finish``, a notebook's
  opening and closing
- :mod:`rppg_lib.results` and :mod:`rppg_lib.storage`: run and claims records; the atomic writer and the cache
- :mod:`rppg_lib.runner`, :mod:`rppg_lib.cli`, :mod:`rppg_lib.bookcheck`, :mod:`rppg_lib.browsercheck`,
  :mod:`rppg_lib.reproduce`, :mod:`rppg_lib.display`: papermill runner, the ``rppg`` command, the checks of
  the built pages (HTML; headless Chromium at two widths), the numbers of the "How to reproduce" page,
  notebook display helpers
- :mod:`rppg_lib.models`, :mod:`rppg_lib.losses`, :mod:`rppg_lib.train`, :mod:`rppg_lib.augment`:
  networks, losses, the one training loop (resumable from its checkpoint folder) and augmentations that
  more than one paper uses
"""
__version__ = "0.1.0"
