"""Throughput of the Gideon & Stent (2021) training loops and PhysNetUpsample inference on CPU.

Measures, with the library's own training functions:

- training clips per second for: supervised (PhysNetUpsample), supervised +
  saliency sampler, contrastive, contrastive + saliency; default width 16 on
  32 x 32 x 160 clips (160 frames = 10 s at 16 fps), batch 4;
- inference time per 10 s clip (batch 1, eval mode, no grad) for the same
  small model and for the paper's model (width 64, 64 x 64 x 300 at 30 fps).

Usage::

    python benchmarks/bench_physnet.py                 # 2 threads, prints a table
    python benchmarks/bench_physnet.py --json out.json

Numbers depend on the machine and on whatever else runs on it; the script
prints the 1-minute load average next to them.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
import warnings

import numpy as np
import torch

from rppg_lib.models import PhysNetUpsample, SaliencySampler
from rppg_lib.train.contrastive import train_contrastive, train_supervised


def _recordings(n, frames, size, fs, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(frames) / fs
    hr = rng.uniform(60, 120, size=n)
    ppg = np.sin(2 * np.pi * hr[:, None] / 60.0 * t)
    video = 0.5 + 0.02 * ppg[:, None, :, None, None] + 0.02 * rng.standard_normal((n, 3, frames, size, size))
    return video.astype(np.float32), ppg


def _sampler(size):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # random initialisation is fine for timing
        return SaliencySampler(input_size=size)


def bench_training(width, size, frames, fs, batch, n_batches, epochs):
    video, ppg = _recordings(batch * n_batches, frames, size, fs)
    common = dict(fs=fs, epochs=epochs, lr=1e-4, batch_size=batch, clip_seconds=frames / fs,
                  max_hr_decrease=0.0, device="cpu", progress=False)
    configs = {
        "supervised": lambda m: train_supervised(m, video, ppg, **common),
        "supervised+saliency": lambda m: train_supervised(m, video, ppg, sampler=_sampler(size), **common),
        "contrastive": lambda m: train_contrastive(m, video, **common),
        "contrastive+saliency": lambda m: train_contrastive(m, video, sampler=_sampler(size), **common),
    }
    out = {}
    for name, run in configs.items():
        torch.manual_seed(0)
        res = run(PhysNetUpsample(width=width))
        rates = [h["clips_per_s"] for h in res.history[1:]] or [res.history[0]["clips_per_s"]]
        out[name] = statistics.median(rates)    # first epoch excluded: warm-up
    return out


@torch.no_grad()
def bench_inference(width, size, frames, repeats=5, saliency=False):
    model = PhysNetUpsample(width=width).eval()
    sampler = _sampler(size).eval() if saliency else None
    x = torch.rand(1, 3, frames, size, size)

    def run():
        y = x if sampler is None else sampler(x)[0]
        return model(y)

    run()                                        # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--frames", type=int, default=160)
    ap.add_argument("--fs", type=float, default=16.0, help="frame rate; 160 frames at 16 fps = 10 s")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--batches", type=int, default=2, help="batches per epoch")
    ap.add_argument("--epochs", type=int, default=3, help="the first epoch is a warm-up")
    ap.add_argument("--skip-paper-size", action="store_true", help="skip width 64, 64x64x300 inference")
    ap.add_argument("--json", default=None, help="also write the results to this file")
    args = ap.parse_args(argv)

    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()[0]
    result = {
        "machine": {"cpu_threads": args.threads, "torch": torch.__version__, "python": platform.python_version(),
                    "processor": platform.processor() or platform.machine()},
        "setup": {"width": args.width, "clip": f"{args.size}x{args.size}x{args.frames}", "fs": args.fs,
                  "batch": args.batch},
        "train_clips_per_s": bench_training(args.width, args.size, args.frames, args.fs, args.batch,
                                            args.batches, args.epochs),
        "inference_s_per_10s_clip": {
            f"width{args.width} {args.size}x{args.size}x{args.frames}":
                bench_inference(args.width, args.size, args.frames),
            f"width{args.width} {args.size}x{args.size}x{args.frames} +saliency":
                bench_inference(args.width, args.size, args.frames, saliency=True),
        },
    }
    if not args.skip_paper_size:
        result["inference_s_per_10s_clip"]["width64 64x64x300 (paper)"] = bench_inference(64, 64, 300, repeats=3)
    result["load_average_1min"] = [load_before, os.getloadavg()[0]]

    print(f"torch {torch.__version__}, {args.threads} threads, load average {load_before:.1f} -> "
          f"{result['load_average_1min'][1]:.1f}")
    print(f"training, width {args.width}, clips {args.size}x{args.size}x{args.frames}, batch {args.batch}:")
    for k, v in result["train_clips_per_s"].items():
        print(f"  {k:<24s} {v:7.2f} clips/s")
    print("inference per 10 s clip (batch 1):")
    for k, v in result["inference_s_per_10s_clip"].items():
        print(f"  {k:<40s} {1000 * v:8.1f} ms")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == "__main__":
    main()
