"""Deng & Ramakrishnan, "Remote photoplethysmography from low resolution videos: an end to end
solution using efficient ConvNets": STVEN + rPPGNet, pruned to one weight in ten by SNIP.

The chapter's home: ``settings`` (profiles), ``experiment`` (what the notebook computes: the memory
and latency table, data rendering and the learning ladder, rPPGNet training dense and SNIP-pruned,
Table I, the compression sweep, Fig. 2), ``claims`` (the paper's claims and their rules) and
``numbers.csv`` (Table I and the pruning figures the paper states). The networks (STVEN, rPPGNet),
their losses and the pruning functions are shared (:mod:`rppg_lib.models`, :mod:`rppg_lib.losses`,
:mod:`rppg_lib.train.pruning`).
"""
#: The chapter's key: the name of this folder, of its notebook and of its records.
KEY = __name__.rsplit(".", 1)[-1]
TITLE = "Deng & Ramakrishnan 2022: pruned STVEN + rPPGNet for low-resolution video"
#: What ``data_root`` accepts: the dataset, its loader and the layout it expects.
DATA_ROOT = ("MAHNOB-HCI in the layout it ships in, `Sessions/<id>/*C1 trigger*.avi` + `Part_<subject>_*.bdf`, "
             "read by `rppg_lib.data.mahnob_hci` (needs pyedflib; see `data/README.md`)")
