"""Yu et al. 2020, "AutoHR: a strong end-to-end baseline for remote heart rate measurement with neural searching".

The chapter's home: ``settings`` (profiles), ``experiment`` (what the notebook
computes), ``training`` (training with the hybrid loss and DA1/DA2, the
architecture search, prediction), ``claims`` (the paper's claims and their
rules) and ``numbers.csv`` (the numbers the paper reports). The shared pieces
live in the core because other papers reuse them: temporal difference
convolution (:class:`rppg_lib.models.TDC3d`), the AutoHR search space and
networks (:mod:`rppg_lib.models.autohr`), PhysNet with an optional TDC theta
(:class:`rppg_lib.models.PhysNetUpsample`), the hybrid loss
(:func:`rppg_lib.losses.hybrid_loss`), DA1 and DA2
(:mod:`rppg_lib.augment`), the training loop (:mod:`rppg_lib.train`) and the
subject-exclusive folds (:func:`rppg_lib.data.cv_folds`). Face crops come from
the core clip pipeline (:func:`rppg_lib.clips.lookalike_clips`) on the look-alikes of
VIPL-HR, MAHNOB-HCI and MMSE-HR (:mod:`rppg_lib.lookalike`).
"""
#: The chapter's key: the name of this folder, of its notebook and of its records.
KEY = __name__.rsplit(".", 1)[-1]
TITLE = "Yu et al. 2020: AutoHR, temporal difference convolution and architecture search"
#: What ``data_root`` accepts: the dataset, its loader and the layout it expects.
DATA_ROOT = ("VIPL-HR in the layout it ships in, `data/p<N>/v<M>/source<K>/` with `video.avi`, `wave.csv` and "
             "`gt_HR.csv`, read by `rppg_lib.data.vipl_hr` through `rppg_lib.papers.yu2020.experiment.prepare_real` "
             "(see `data/README.md`)")
