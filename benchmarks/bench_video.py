"""Throughput and memory of the video front end (rppg_lib.video).

Prints frames per second for
  - decoding alone (PyAV, H.264 640x480),
  - decoding + Haar face detection on every frame / every 10th frame
    (full resolution and downscaled to 320 px wide) + the six ROI traces,
  - ROI averaging alone on decoded frames (integral images) against the
    obvious per-frame, per-ROI slicing loop,
and the peak resident memory (resource.getrusage) of processing a 60 s
640x480 video in chunks, in a fresh process, next to reading it whole.

Run:  python benchmarks/bench_video.py [--frames 150] [--seconds 60] [--no-whole]
Numbers depend on the machine and its load; the script prints both.
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np

from rppg_lib import video as V

FPS = 30.0
SIZE = (480, 640)


def make_video(path, n_frames, repeat=1, preset="veryfast"):
    """A 640x480 moving astronaut face: ``repeat`` copies of ``n_frames`` frames, streamed
    to the encoder (the long video is never held in memory)."""
    t = np.arange(n_frames) / FPS
    off = np.column_stack([40 * np.sin(2 * np.pi * t / 6), 15 * np.sin(2 * np.pi * t / 4)])
    demo = V.astronaut_face_video(n_frames, fps=FPS, size=SIZE, scale=1.2, offsets=off)
    stream = (frame for _ in range(repeat) for frame in demo.frames)
    return V.write_video(path, stream, FPS, options={"crf": "20", "preset": preset})


def rate(fn, n_frames, repeats=1):
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return n_frames / best


def pipeline(path, n_frames, every, detect_width=None):
    tracker = V.FaceTracker(every=every, smoothing="mean20", detect_width=detect_width)
    for chunk in V.iter_video_chunks(path, 64, max_frames=n_frames):
        track = tracker.update(chunk.frames)
        V.roi_traces(chunk.frames, track.boxes)


def naive_roi_means(frames, boxes):
    rects, valid = V.roi_rects(boxes, "six_regions", frames.shape[1:])
    out = np.full(rects.shape[:2] + (3,), np.nan)
    for t in range(len(frames)):
        for r, (x0, y0, x1, y1) in enumerate(rects[t]):
            if valid[t, r]:
                out[t, r] = frames[t, y0:y1, x0:x1].mean(axis=(0, 1))
    return out


MEMORY_CHILD = textwrap.dedent("""
    import resource, sys, time
    import numpy as np
    from rppg_lib import video as V
    def hwm():  # high-water mark of this process's own address space (MiB)
        with open("/proc/self/status") as fh:
            return next(int(l.split()[1]) for l in fh if l.startswith("VmHWM")) / 1024
    mode, path = sys.argv[1], sys.argv[2]
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    if mode == "chunked":
        out = V.preprocess_video(path, ("roi_traces", "skin_trace", "st_map"), every=10,
                                 chunk_frames=128, detect_width=320)
        n = len(out["timestamps"])
    else:
        frames, ts, fps = V.read_video(path)
        n = len(frames)
    dt = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(n, base / 1024, peak / 1024, dt, hwm())
""")


def peak_memory(mode, path):
    out = subprocess.run([sys.executable, "-c", MEMORY_CHILD, mode, str(path)], check=True,
                         capture_output=True, text=True).stdout.split()
    return int(out[0]), *(float(v) for v in out[1:])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--frames", type=int, default=150, help="frames for the throughput runs")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the memory-test video")
    ap.add_argument("--no-whole", action="store_true", help="skip reading the long video whole")
    ap.add_argument("--write-long", metavar="PATH", help=argparse.SUPPRESS)  # child mode
    args = ap.parse_args(argv)
    n = args.frames
    n_long = int(round(args.seconds * FPS))
    if args.write_long:
        make_video(args.write_long, 300, repeat=max(1, n_long // 300), preset="ultrafast")
        return
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}; python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        # Memory first, while this process is still small: on Linux a child started by
        # subprocess inherits its parent's ru_maxrss high-water mark, so the long video
        # is written by another child and this process holds no frames yet.
        long_path = os.path.join(tmp, "long640.mp4")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--write-long", long_path,
                        "--seconds", str(args.seconds)], check=True)
        print(f"\npeak memory, {n_long} frames = {args.seconds:g} s of 640x480 at {FPS:g} fps "
              f"(RGB size {n_long * 640 * 480 * 3 / 2**30:.2f} GiB; written in "
              f"{time.perf_counter() - t0:.0f} s), fresh process each:")
        labels = {"chunked": "preprocess_video, chunks of 128, ROIs+skin+st_map",
                  "whole": "read_video (all frames in memory)"}
        for mode in ["chunked"] + ([] if args.no_whole else ["whole"]):
            done, base, peak, dt, hwm = peak_memory(mode, long_path)
            print(f"  {labels[mode]:<50s} ru_maxrss {peak:6.0f} MiB (after imports {base:4.0f}, "
                  f"VmHWM {hwm:6.0f}); {done} frames in {dt:.1f} s = {done / dt:.0f} frames/s")
        os.remove(long_path)

        path = os.path.join(tmp, "face640.mp4")
        make_video(path, n)
        print(f"\nthroughput on {n} frames of 640x480 H.264 (frames/s, best of 2):")
        rows = [
            ("decode only", lambda: [None for _ in V.iter_video_chunks(path, 64)], 2),
            ("decode + detect every frame + 6 ROIs", lambda: pipeline(path, n, 1), 1),
            ("decode + detect every frame @320 px + 6 ROIs", lambda: pipeline(path, n, 1, 320), 1),
            ("decode + detect every 10th + 6 ROIs", lambda: pipeline(path, n, 10), 2),
            ("decode + detect every 10th @320 px + 6 ROIs", lambda: pipeline(path, n, 10, 320), 2),
        ]
        for name, fn, reps in rows:
            print(f"  {name:<48s} {rate(fn, n, reps):8.1f}")

        frames, _, _ = V.read_video(path)
        boxes = V.detect_faces(frames, every=10, detect_width=320).boxes
        print("\nROI averaging alone on decoded frames (frames/s, best of 3):")
        for name, fn in [
            ("6 Kopeliovich ROIs, integral images", lambda: V.roi_traces(frames, boxes)),
            ("6 ROIs, per-frame per-ROI slicing loop", lambda: naive_roi_means(frames, boxes)),
            ("skin pixels in the face box (YCrCb)", lambda: V.roi_traces(frames, boxes, "face",
                                                                         skin=True)),
            ("st_map 200 blocks, integral images", lambda: V.st_map(frames, boxes)),
            ("st_map 200 blocks, resize + pooling", lambda: V.st_map(frames, boxes,
                                                                     method="resize")),
            ("face crops 64x64", lambda: V.face_crops(frames, boxes)),
            ("whole-frame mean (cv2.mean)", lambda: V.frame_means(frames)),
        ]:
            print(f"  {name:<48s} {rate(fn, n, 3):8.1f}")
        assert np.allclose(V.roi_traces(frames, boxes), naive_roi_means(frames, boxes),
                           equal_nan=True)


if __name__ == "__main__":
    main()
