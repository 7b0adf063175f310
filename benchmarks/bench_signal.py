"""Throughput of HR estimation and of the classical rPPG methods (prints a table).

Run:  python benchmarks/bench_signal.py [--repeats 5]

1. ``rppg_lib.signal.estimate_hr`` on 1,000 ten-second windows at 30 fps, as one
   batched ``(1000, 300)`` call and as a Python loop over the windows.
2. Every method of ``rppg_lib.methods`` on one 60 s trace at 30 fps: time per
   call and how many times faster than real time.

Times are medians over ``--repeats`` runs after one warm-up run. The traces
come from the skin reflection model of ``tests/conftest.py``. Numbers depend on
the machine; nothing here is asserted.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

import numpy as np

from rppg_lib import signal as sig
from rppg_lib.methods import METHODS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _timing import median_time  # noqa: E402  (benchmarks/ is on sys.path)
from conftest import skin_trace  # noqa: E402

FS = 30.0




def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per row (median)")
    args = parser.parse_args(argv)

    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs, {platform.machine()}")

    # 1. estimate_hr on 1,000 ten-second windows
    rng = np.random.default_rng(0)
    n_win, win = 1000, int(10 * FS)
    hr_true = rng.uniform(50, 150, n_win)
    t = np.arange(win) / FS
    windows = np.sin(2 * np.pi * hr_true[:, None] / 60.0 * t) + 0.5 * rng.standard_normal((n_win, win))
    batched = median_time(lambda: sig.estimate_hr(windows, FS), args.repeats)
    looped = median_time(lambda: [sig.estimate_hr(w, FS) for w in windows], args.repeats)
    err = np.abs(sig.estimate_hr(windows, FS) - hr_true)
    print(f"\nestimate_hr, {n_win} windows of 10 s at {FS:g} fps "
          f"(median |error| {np.median(err):.3f} bpm on noisy sinusoids)")
    print(f"{'mode':<12}{'total (s)':>12}{'per window (ms)':>18}{'windows/s':>12}")
    for mode, seconds in [("batched", batched), ("loop", looped)]:
        print(f"{mode:<12}{seconds:>12.3f}{1e3 * seconds / n_win:>18.3f}{n_win / seconds:>12.0f}")

    # 2. classical methods on a 60 s trace
    duration = 60.0
    rgb = skin_trace(hr_bpm=72.0, fs=FS, duration_s=duration, drift=0.02, seed=0)
    print(f"\nclassical methods, one {duration:g} s trace at {FS:g} fps ({len(rgb)} frames)")
    print(f"{'method':<12}{'per call (ms)':>15}{'x real time':>14}{'HR (bpm)':>10}")
    for name, method in METHODS.items():
        seconds = median_time(lambda: method(rgb, FS), args.repeats)
        hr = sig.estimate_hr(method(rgb, FS), FS)
        print(f"{name:<12}{1e3 * seconds:>15.2f}{duration / seconds:>14.0f}{hr:>10.2f}")


if __name__ == "__main__":
    main()
