"""What pruning buys rPPGNet (Deng & Ramakrishnan 2020) on a CPU: size on disk, training throughput,
inference latency and real-time factor of the dense, SNIP-masked, sparse-format and structurally
pruned models.

Models (random weights: timing and storage do not depend on training):

- dense: ``RPPGNet()`` (width 64, 550,331 parameters);
- masked-dense: the same after ``snip_prune(keep=0.1)``: 10 % of the conv weights nonzero, stored and
  run as dense tensors (with the mask hooks of :func:`rppg_lib.train.pruning.apply_masks`);
- sparse-format: the masked model with every pruned Conv3d run as a CSR matrix times an im2col copy
  (:class:`rppg_lib.train.pruning.SparseConv3d`), the weights stored as CSR with int32 indices;
- structured: ``structured_prune(keep=0.1)``: whole channels removed (L1 norm) until at most 10 % of the
  conv weights remain.

Measures: training clips per second (``rppgnet_loss``, Adam, batch 2 of 64 frames at 32 x 32 by default),
inference seconds per 10 s clip (batch 1, eval mode, no grad; 300 frames at 64 x 64 = 10 s at 30 fps),
real-time factor = 10 s / latency (above 1: faster than real time), and bytes on disk
(``torch.save`` of the state dict; CSR with int32 and int64 indices; a bitmask estimate).
``--stven`` adds the same inference rows for a narrow STVEN (``base_channels`` 8) in front of
rPPGNet: the default STVEN (37 M parameters, a 512-channel bottleneck) takes minutes per 10 s clip here.

The models and the timing helper are the chapter's
(:func:`rppg_lib.papers.deng_pruned_stven.experiment.pruned_variants`, ``timings``), so the benchmark and the
notebook's memory and latency table measure the same things.

Usage::

    python benchmarks/bench_deng_pruned_stven.py              # 2 threads, about 1.5 minutes
    python benchmarks/bench_deng_pruned_stven.py --size 32 --json out.json
    python benchmarks/bench_deng_pruned_stven.py --paper-cost  # + the paper profile's training cost here

Numbers depend on the machine and on whatever else runs on it; the script prints the 1-minute load
average next to them.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np
import torch

from rppg_lib.models import STVEN
from rppg_lib.papers.deng_pruned_stven.experiment import pruned_variants, random_batch, snip_loss, timings
from rppg_lib.train.pruning import (
    count_nonzero,
    count_parameters,
    storage_report,
    structured_prune,
    to_sparse_inference,
)

KEEP = 0.1


def bench_training(models, batch, steps):
    out = {}
    for name, model in models.items():
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-4, weight_decay=5e-5)

        def step(model=model, opt=opt):
            opt.zero_grad()
            snip_loss(model, batch).backward()
            opt.step()

        out[name] = batch[0].shape[0] / float(np.median(timings(step, steps)))
    return out


@torch.no_grad()
def bench_inference(model, clip, repeats, level=None):
    model.eval()
    return float(np.median(timings(lambda: model(clip) if level is None else model(clip, level), repeats)))


def paper_profile_cost(steps: int = 1) -> dict:
    """One dense rPPGNet training step at the chapter's paper profile (width, crop, clip length, batch), timed
    here, times the clip-steps that profile trains (epochs x training recordings x seeds x (two models + the
    dense one per easier ladder rung)): the profile's training cost on this CPU, in hours (rendering and
    evaluation not included)."""
    from rppg_lib import profiles
    from rppg_lib.models import RPPGNet

    cfg = profiles.resolve("deng_pruned_stven", "paper")
    frames = int(round(cfg.clip_s * cfg.fps))
    batch = random_batch(cfg.batch_size, frames, cfg.crop, cfg.fps)
    torch.manual_seed(0)
    model = RPPGNet(width=cfg.width, normalize_input=True)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr)

    def step():
        opt.zero_grad()
        snip_loss(model, batch).backward()
        opt.step()

    s_per_clip = float(np.median(timings(step, steps))) / cfg.batch_size
    n_train = cfg.look.n_subjects - cfg.n_val - cfg.n_test
    # both models on the look-alike, the dense one on each easier rung of the ladder
    clips = cfg.epochs * n_train * len(cfg.seeds) * (2 + len(cfg.ladder))
    return {"clip": f"{frames} frames x {cfg.crop} x {cfg.crop}, batch {cfg.batch_size}, width {cfg.width}",
            "s_per_training_clip": s_per_clip, "training_clips": clips, "hours": clips * s_per_clip / 3600}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--size", type=int, default=64, help="inference frame size (H = W)")
    ap.add_argument("--frames", type=int, default=300, help="inference clip length")
    ap.add_argument("--fs", type=float, default=30.0, help="frame rate; 300 frames at 30 fps = 10 s")
    ap.add_argument("--train-size", type=int, default=32)
    ap.add_argument("--train-frames", type=int, default=64)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--steps", type=int, default=3, help="timed training steps (after one warm-up)")
    ap.add_argument("--repeats", type=int, default=3, help="timed inference runs (after one warm-up)")
    ap.add_argument("--stven", action="store_true", help="also time a narrow STVEN + rPPGNet")
    ap.add_argument("--paper-cost", action="store_true",
                    help="also time one training step at the paper profile's clip size and extrapolate its cost")
    ap.add_argument("--json", default=None, help="also write the results to this file")
    args = ap.parse_args(argv)

    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    train_batch = random_batch(args.batch, args.train_frames, args.train_size, args.fs)
    # the same construction as the chapter's memory and latency table
    models = pruned_variants(64, KEEP, batch=train_batch, example=torch.rand(1, 3, 4, args.train_size, args.train_size))
    sparse = to_sparse_inference(models["masked-dense"])
    clip_seconds = args.frames / args.fs
    clip = torch.rand(1, 3, args.frames, args.size, args.size)

    result = {
        "machine": {"cpu_threads": args.threads, "torch": torch.__version__, "python": platform.python_version(),
                    "processor": platform.processor() or platform.machine()},
        "setup": {"keep": KEEP, "train_clip": f"{args.train_size}x{args.train_size}x{args.train_frames}",
                  "batch": args.batch, "inference_clip": f"{args.size}x{args.size}x{args.frames}",
                  "clip_seconds": clip_seconds},
        "storage": {},
        "train_clips_per_s": bench_training(models, train_batch, args.steps),
        "inference_s_per_clip": {},
    }
    for name, model in models.items():
        rep = storage_report(model)
        rep["nonzero_all"] = count_nonzero(model)
        result["storage"][name] = rep
    timed = {**models, "sparse-format": sparse}
    for name in ("dense", "masked-dense", "sparse-format", "structured"):
        reps = 1 if name == "sparse-format" else args.repeats
        result["inference_s_per_clip"][name] = bench_inference(timed[name], clip, reps)
    if args.stven:
        torch.manual_seed(0)
        stven = STVEN(base_channels=8)
        stven_small = structured_prune(stven, torch.rand(1, 3, 4, 16, 16), keep=KEEP)
        result["inference_s_per_clip"]["STVEN(base 8) dense"] = bench_inference(stven, clip, 1, level=0)
        result["inference_s_per_clip"]["STVEN(base 8) structured"] = bench_inference(stven_small, clip, 1, level=0)
        result["stven_parameters"] = {"dense": count_parameters(stven), "structured": count_parameters(stven_small)}
    result["real_time_factor"] = {k: clip_seconds / v for k, v in result["inference_s_per_clip"].items()}
    if args.paper_cost:
        result["paper_profile_cost"] = paper_profile_cost()
    result["seconds"] = time.perf_counter() - t0
    result["load_average_1min"] = [load_before, os.getloadavg()[0]]

    print(f"torch {torch.__version__}, {args.threads} threads, load average {load_before:.1f} -> "
          f"{result['load_average_1min'][1]:.1f}; SNIP keep = {KEEP}")
    print("storage (parameters; conv weights nonzero / total; bytes on disk):")
    for name, r in result["storage"].items():
        print(f"  {name:<13s} {r['parameters']:>8,d} params, {r['nonzero_prunable']:>7,d}/{r['prunable']:,d} nonzero;"
              f" dense {r['dense_bytes'] / 1e3:7.1f} kB, CSR int32 {r['csr32_bytes'] / 1e3:7.1f} kB,"
              f" CSR int64 {r['csr64_bytes'] / 1e3:7.1f} kB, bitmask {r['bitmask_bytes'] / 1e3:7.1f} kB")
    print(f"training, rPPGNet, clips {result['setup']['train_clip']}, batch {args.batch}:")
    for k, v in result["train_clips_per_s"].items():
        print(f"  {k:<13s} {v:7.2f} clips/s")
    print(f"inference per {clip_seconds:g} s clip ({result['setup']['inference_clip']}, batch 1):")
    for k, v in result["inference_s_per_clip"].items():
        print(f"  {k:<26s} {1000 * v:9.1f} ms   real-time factor {result['real_time_factor'][k]:6.2f}")
    if args.paper_cost:
        c = result["paper_profile_cost"]
        print(f"paper profile: {c['s_per_training_clip']:.2f} s per training clip ({c['clip']}) x "
              f"{c['training_clips']:,} clips = {c['hours']:.1f} h of training on this CPU")
    print(f"total {result['seconds']:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == "__main__":
    main()
