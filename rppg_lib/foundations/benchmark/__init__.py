"""Which method should I use? Every classical method and every stored network on every look-alike.

``settings`` (profiles), ``experiment`` (the benchmark under one protocol, the error against
motion, compression, resolution and skin type, the Friedman test, the costs, the real-skin
check and the performance measurements), ``claims`` (the checks and their rules),
``numbers.csv`` (the rPPG-Toolbox's synthetic-to-real figures the real-skin check is set beside).
"""
#: The chapter's key: the name of this folder, of its notebook and of its records.
KEY = __name__.rsplit(".", 1)[-1]
TITLE = "Which method should I use? A benchmark under one protocol"
#: What ``data_root`` accepts: the real face-skin clips of the sim-to-real section.
DATA_ROOT = ("a folder holding the bias-eval-rppg repository in its upstream layout "
             "(`Data/<Country>/videoN_<region>.avi`, `Ground_Truth/`, `Results_Final_Main.csv`; by default the "
             "data registry finds it: `$RPPG_DATA_MIRROR`, `../shared/data/real/bias_eval_rppg`, or a "
             "hash-checked download)")
