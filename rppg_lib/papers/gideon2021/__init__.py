"""Gideon & Stent 2021, "The way to my heart is through contrastive learning".

The chapter's home: ``settings`` (profiles), ``experiment`` (what the notebook
computes), ``claims`` (the paper's claims and their rules) and ``numbers.csv``
(the numbers the paper reports). Its networks (PhysNet, the saliency sampler),
losses (MCC, MVTL, IPR), augmentations and training loops are shared, in
:mod:`rppg_lib.models`, :mod:`rppg_lib.losses`, :mod:`rppg_lib.augment` and
:mod:`rppg_lib.train`, because later papers reuse them.
"""
#: The chapter's key: the name of this folder, of its notebook and of its records.
KEY = __name__.rsplit(".", 1)[-1]
TITLE = "Gideon & Stent 2021: contrastive rPPG from unlabelled video"
#: What ``data_root`` accepts: the dataset, its loader and the layout it expects.
DATA_ROOT = ("UBFC-rPPG (DATASET_2) in the layout it ships in, `subject<N>/vid.avi` + `ground_truth.txt`, "
             "read by `rppg_lib.data.ubfc_rppg` (see `data/README.md`)")
