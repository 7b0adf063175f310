"""The classical methods (GREEN, ICA, CHROM, POS, LGI, PBV) on small real recordings.

``settings`` (profiles), ``experiment`` (windowed evaluation on UW oximetry and
Welltory), ``claims`` (the checks and their rules).
"""
TITLE = "Classical methods on real recordings"
