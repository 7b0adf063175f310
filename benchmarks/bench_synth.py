"""Speed of the simulator on one core: frames per second by resolution and codec.

Run: ``python benchmarks/bench_synth.py [--seconds 10] [--repeat 3]``.
Targets (from the design brief): >= 100 frames/s at 320x240 with x264 and
>= 30 frames/s at 640x480. Reports the per-clip setup time (face maps, time
series, background) separately from the per-frame rendering rate, and the best
of ``--repeat`` runs (the machine may be shared).
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2  # noqa: E402

from rppg_lib.synth import Scene, simulate  # noqa: E402

X264 = dict(codec="libx264", crf=23)
CASES = [
    ("320x240 x264 medium (default)", dict(width=320, height=240, face_px=85, **X264)),
    ("320x240 x264 veryfast", dict(width=320, height=240, face_px=85, x264_preset="veryfast",
                                   **X264)),
    ("320x240 lossless", dict(width=320, height=240, face_px=85)),
    ("640x480 x264 medium (default)", dict(width=640, height=480, face_px=170, **X264)),
    ("640x480 x264 veryfast", dict(width=640, height=480, face_px=170, x264_preset="veryfast",
                                   **X264)),
    ("640x480 lossless", dict(width=640, height=480, face_px=170)),
    ("640x480 talking + rotation, x264", dict(width=640, height=480, face_px=170, talking=0.04,
                                              rotation_deg=20, **X264)),
]


def run(seconds: float, repeat: int) -> list[dict]:
    cv2.setNumThreads(1)
    simulate("ubfc-like", duration_s=0.2, width=160, height=120, face_px=45)  # build caches
    rows = []
    for name, kw in CASES:
        best = None
        for r in range(repeat):
            t0 = time.perf_counter()
            scene = Scene("ubfc-like", seed=r, duration_s=seconds, **kw)
            t1 = time.perf_counter()
            n = sum(1 for _ in scene.iter_frames())
            t2 = time.perf_counter()
            row = {"case": name, "frames": n, "setup_s": t1 - t0, "fps": n / (t2 - t1)}
            if best is None or row["fps"] > best["fps"]:
                best = row
        rows.append(best)
        print(f"{name:36s} {best['fps']:7.1f} frames/s   setup {best['setup_s']:.2f} s "
              f"({best['frames']} frames)", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"one thread, {args.seconds:g} s clips, best of {args.repeat}; load average "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    run(args.seconds, args.repeat)


if __name__ == "__main__":
    main()
