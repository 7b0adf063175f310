"""Homes of the chapters about the compendium's own foundations (see :mod:`rppg_lib.homes`):
the simulator and its validation (``simulated_data``), the classical methods on
real recordings (``classical_real``)."""
