"""The classical methods (GREEN, ICA, CHROM, POS, LGI, PBV) on small real recordings.

``settings`` (profiles), ``experiment`` (windowed evaluation on UW oximetry and
Welltory), ``claims`` (the checks and their rules).
"""
#: The chapter's key: the name of this folder, of its notebook and of its records.
KEY = __name__.rsplit(".", 1)[-1]
TITLE = "Classical methods on real recordings"
#: What ``data_root`` accepts: a folder with the small open recordings in their upstream layout.
DATA_ROOT = ("a folder holding `uw_oximetry/` and `welltory/` in their upstream layouts (by default the "
             "data registry finds them: `$RPPG_DATA_MIRROR`, `../shared/data/real`, or a hash-checked download)")
