"""Kopeliovich et al. 2019, "Architectural tricks for deep learning in rPPG".

The chapter's home: ``settings`` (profiles), ``experiment`` (what the notebook
computes), ``claims`` (the paper's claims and their rules), ``numbers.csv``
(the numbers the paper reports) and the paper-only pieces: ``colour_signals``
(the 18 colour signals and their 64-frame windows), ``model`` (the SE / CE / CL /
CL+F networks), ``losses`` (class weights, weighted CE, the combined loss) and
``training`` (the classifier training recipe, LR range test and 1cycle).
"""
#: The chapter's key: the name of this folder, of its notebook and of its records.
KEY = __name__.rsplit(".", 1)[-1]
TITLE = "Kopeliovich et al. 2019: architectural tricks for a colour-signal CNN"
#: What ``data_root`` accepts: the dataset, its loader and the layout it expects.
DATA_ROOT = ("the authors' colour signals (osf.io/fdrbh), read by `rppg_lib.data.kopeliovich_osf`: "
             "`videos.csv` + `signals/<video_id>.csv` (18 colour signals and the HR per frame); the OSF "
             "files must be converted to that layout (see `data/README.md`)")
