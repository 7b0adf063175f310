"""One home per paper: ``rppg_lib/papers/<key>/`` (see :mod:`rppg_lib.homes`)."""
