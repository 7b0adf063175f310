"""Niu et al. 2018, "SynRhythm: learning a deep heart rate estimator from general to specific".

The chapter's home: ``settings`` (profiles), ``experiment`` (what the notebook
computes), ``training`` (the L1 regression trainer of the map regressor),
``real`` (MAHNOB-HCI and MMSE-HR as block means, for ``data_root``),
``hsu2014`` (the Hsu 2014-style hand-crafted features + SVR baseline of Table I),
``claims`` (the paper's claims and their rules) and ``numbers.csv`` (the
numbers the paper reports). The shared pieces live in the core because other
papers reuse them: spatial-temporal maps and clips
(:func:`rppg_lib.video.stmap`, :func:`rppg_lib.video.random_clips`,
:func:`rppg_lib.video.eye_cheek_region`), synthetic rhythm maps
(:func:`rppg_lib.synth.synthetic_rhythm_maps`), the ResNet-18 regressor
(:class:`rppg_lib.models.ResNet18Regressor`), the per-video mean
(:func:`rppg_lib.evaluate.per_video_mean`) and the 3-fold protocols
(:func:`rppg_lib.data.cv_folds`).
"""
#: The chapter's key: the name of this folder, of its notebook and of its records.
KEY = __name__.rsplit(".", 1)[-1]
TITLE = "Niu et al. 2018: SynRhythm, spatial-temporal maps and synthetic rhythms"
#: What ``data_root`` accepts: the dataset, its loader and the layout it expects.
DATA_ROOT = ("MAHNOB-HCI (the HCI Tagging database's `Sessions/<n>/` folders with the video and the BDF with the "
             "ECG), read by `rppg_lib.data.mahnob_hci` through `rppg_lib.papers.niu2018.real` (see `data/README.md`)")
