"""Timing helper shared by the benchmark scripts."""
import time

import numpy as np


def median_time(func, repeats: int) -> float:
    """Median wall time (s) of ``repeats`` calls of ``func`` after one warm-up call."""
    func()  # warm-up (imports, FFT plans, caches, thread pools)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return float(np.median(times))
