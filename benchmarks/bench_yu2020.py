"""Throughput of the AutoHR networks (Yu et al. 2020) on CPU: training, search step, inference.

Measures, with the library's own pieces (:mod:`rppg_lib.models.autohr`,
:func:`rppg_lib.losses.hybrid_loss`):

- training clips per second of a derived network (``AutoHRNet``; the manual
  baseline genotype and the genotype of a freshly initialised supernet) with
  the hybrid loss and Adam, default width 16 on 32 x 32 x 160 clips (160
  frames = 10 s at 16 fps), batch 4;
- with ``--search``: search clips per second of the supernet (width 8,
  shared cells, batch 2 as in the paper), one first-order ``search_step`` = one
  validation batch + one training batch (slow: every edge runs all nine
  operations: 0.29 clips/s on one busy core at 32 x 32 x 160, half the
  derived network's rate);
- inference time per 10 s clip (batch 1, eval mode, no grad) and the real-time
  factor (clip duration / inference time; > 1 is faster than real time);
  ``--paper-size`` adds the paper's clip (112 x 112, 300 frames at 30 fps);
- the paper profile's cost on this CPU, extrapolated from the measured rates (see
  :func:`paper_cost`): the rates scaled by the ratio of voxels per clip, times the clips
  the paper's search and one training run read.

Usage::

    python benchmarks/bench_yu2020.py                 # 1 thread, prints a table (about a minute)
    python benchmarks/bench_yu2020.py --search        # also the supernet search step
    python benchmarks/bench_yu2020.py --json out.json

Numbers depend on the machine and on whatever else runs on it; the script
prints the 1-minute load average next to them.
"""
from __future__ import annotations

import argparse
import json
import os
import platform

import numpy as np
import torch
from _timing import median_time

from rppg_lib.losses import hybrid_loss
from rppg_lib.models import MANUAL_GENOTYPE, AutoHRNet, AutoHRSearchNet, make_search_optimizers, search_step


def _batch(batch, frames, size, fs, seed=0):
    rng = np.random.default_rng(seed)
    hr = rng.uniform(60, 120, size=batch)
    t = np.arange(frames) / fs
    ppg = np.sin(2 * np.pi * hr[:, None] / 60.0 * t)
    video = 0.5 + 0.02 * ppg[:, None, :, None, None] + 0.02 * rng.standard_normal((batch, 3, frames, size, size))
    return (torch.tensor(video, dtype=torch.float32), torch.tensor(ppg, dtype=torch.float32),
            torch.tensor(hr, dtype=torch.float32))


#: VIPL-HR's RGB videos, its training share in one of five folds, and App. B's clip sizes and epochs.
VIPL_VIDEOS, TRAIN_SHARE = 2378, 0.8
PAPER_TRAIN_VOXELS, PAPER_SEARCH_VOXELS = 160 * 112 * 112, 128 * 112 * 112


def paper_cost(train_rate: float, search_rate: float | None, frames: int, size: int) -> dict:
    """Hours on this CPU for one training run (15 epochs, one 160 x 112 x 112 clip per training video and
    epoch) and, with a search rate, for one search (12 epochs, one 128 x 112 x 112 clip per training
    video and epoch), extrapolated from the measured clips/s at ``size`` x ``size`` x ``frames`` by the
    ratio of voxels per clip (an assumption: convolution cost grows with the voxels; it ignores that
    larger clips use the cores better)."""
    videos = round(TRAIN_SHARE * VIPL_VIDEOS)
    here = frames * size * size
    out = {"train_hours": 15 * videos / (train_rate * here / PAPER_TRAIN_VOXELS) / 3600}
    if search_rate:
        out["search_hours"] = 12 * videos / (search_rate * here / PAPER_SEARCH_VOXELS) / 3600
    return out


def bench_training(model, batch, fs, repeats):
    opt = torch.optim.Adam(model.parameters(), lr=1e-4, weight_decay=5e-5)
    x, ppg, hr = batch
    model.train()

    def step():
        opt.zero_grad()
        loss = hybrid_loss(model(x), hr, fs, ppg=ppg)
        loss.backward()
        opt.step()

    return x.shape[0] / median_time(step, repeats)


def bench_search(width, batch, fs, repeats):
    """Clips per second of one search step (a validation and a training batch like ``batch``)."""
    torch.manual_seed(0)
    net = AutoHRSearchNet(width=width)
    w_opt, a_opt = make_search_optimizers(net)
    loss_fn = lambda pred, y, hr: hybrid_loss(pred, hr, fs, ppg=y)
    val = _batch(batch[0].shape[0], batch[0].shape[2], batch[0].shape[3], fs, seed=1)
    # one step reads a validation batch and a training batch: 2 x batch clips
    return 2 * batch[0].shape[0] / median_time(lambda: search_step(net, w_opt, a_opt, batch, val, loss_fn), repeats)


@torch.no_grad()
def bench_inference(model, frames, size, repeats):
    model.eval()
    x = torch.rand(1, 3, frames, size, size)
    return median_time(lambda: model(x), repeats)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1,
                    help="intra-op threads; on a busy machine 2 threads can be 50x slower than 1 (OpenMP waits)")
    ap.add_argument("--width", type=int, default=16, help="derived-network width (paper: 16)")
    ap.add_argument("--search-width", type=int, default=8, help="supernet width (paper: 8)")
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--frames", type=int, default=160)
    ap.add_argument("--fs", type=float, default=16.0, help="frame rate; 160 frames at 16 fps = 10 s")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--search-batch", type=int, default=2, help="supernet batch (paper: 2)")
    ap.add_argument("--repeats", type=int, default=2, help="timed calls after one warm-up; the median is kept")
    ap.add_argument("--search", action="store_true", help="also time the supernet search step (slow)")
    ap.add_argument("--paper-size", action="store_true", help="also time inference on 112x112x300 (slow on CPU)")
    ap.add_argument("--json", default=None, help="also write the results to this file")
    args = ap.parse_args(argv)

    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()[0]
    torch.manual_seed(0)
    searched = AutoHRSearchNet(width=args.search_width).genotype()
    nets = {"manual": lambda: AutoHRNet(MANUAL_GENOTYPE, width=args.width),
            "searched (random init)": lambda: AutoHRNet(searched, width=args.width)}
    batch = _batch(args.batch, args.frames, args.size, args.fs)
    seconds = args.frames / args.fs
    result = {
        "machine": {"cpu_threads": args.threads, "torch": torch.__version__, "python": platform.python_version(),
                    "processor": platform.processor() or platform.machine()},
        "setup": {"width": args.width, "search_width": args.search_width,
                  "clip": f"{args.size}x{args.size}x{args.frames}", "fs": args.fs, "batch": args.batch,
                  "searched_genotype": str(searched)},
        "parameters": {k: sum(p.numel() for p in make().parameters()) for k, make in nets.items()},
        "train_clips_per_s": {k: bench_training(make(), batch, args.fs, args.repeats) for k, make in nets.items()},
        "inference_s_per_clip": {},
    }
    if args.search:
        result["search_clips_per_s"] = bench_search(
            args.search_width, _batch(args.search_batch, args.frames, args.size, args.fs), args.fs, args.repeats)
    for k, make in nets.items():
        result["inference_s_per_clip"][f"{k} {args.size}x{args.size}x{args.frames} ({seconds:g} s)"] = (
            bench_inference(make(), args.frames, args.size, args.repeats), seconds)
    if args.paper_size:
        result["inference_s_per_clip"]["manual 112x112x300 (10 s at 30 fps, paper)"] = (
            bench_inference(nets["manual"](), 300, 112, 1), 10.0)
    result["paper_cost"] = paper_cost(result["train_clips_per_s"]["searched (random init)"],
                                      result.get("search_clips_per_s"), args.frames, args.size)
    result["load_average_1min"] = [load_before, os.getloadavg()[0]]

    print(f"torch {torch.__version__}, {args.threads} threads, load average {load_before:.1f} -> "
          f"{result['load_average_1min'][1]:.1f}")
    print(f"searched genotype (supernet at initialisation): {searched}")
    print(f"training, width {args.width}, clips {args.size}x{args.size}x{args.frames}, batch {args.batch}, "
          "hybrid loss:")
    for k, v in result["train_clips_per_s"].items():
        print(f"  {k:<24s} {v:7.2f} clips/s   ({result['parameters'][k]:,} parameters)")
    if args.search:
        print(f"  {'supernet search step':<24s} {result['search_clips_per_s']:7.2f} clips/s   "
              f"(width {args.search_width}, batch {args.search_batch}, val + train batch)")
    print("inference per clip (batch 1):")
    for k, (v, dur) in result["inference_s_per_clip"].items():
        print(f"  {k:<48s} {1000 * v:8.1f} ms   real-time factor {dur / v:6.1f}")
    cost = result["paper_cost"]
    print(f"paper profile on this CPU (extrapolated by voxels per clip): one training run "
          f"{cost['train_hours']:.0f} h" + (f", one search {cost['search_hours']:.0f} h" if "search_hours" in cost else
                                            " (add --search for the search)"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == "__main__":
    main()
