"""Cost of the Niu et al. (2018, SynRhythm) pieces on this CPU.

Measures:

- :func:`rppg_lib.video.stmap`: ms per 300-frame clip at 640x480 (30 fps, a
  190-px face, known boxes: face detection is not included), both methods;
- :func:`rppg_lib.synth.synthetic_rhythm_maps`: maps per second (200 x 300 x 3);
- :class:`rppg_lib.models.ResNet18Regressor`: training clips per second (L1
  loss, Adam, batch 16, forward + backward + step) and inference latency per
  clip (batch 1, no grad) at several input sizes, with the real-time factor
  (10 s of video per 300-frame clip / latency);
- the paper profile's training cost extrapolated to this CPU: 52,700 MAHNOB-HCI
  maps, 3 folds, 2/3 of the maps in training, 30 epochs, 200 x 300 input.

Usage::

    python benchmarks/bench_niu2018.py            # 1 torch thread, prints a table
    python benchmarks/bench_niu2018.py --threads 2 --json out.json

Numbers depend on whatever else runs on the machine; the 1-minute load
average is printed next to them.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
import warnings

import torch
from _timing import median_time

from rppg_lib import video as V
from rppg_lib.models import ResNet18Regressor
from rppg_lib.synth import synthetic_rhythm_maps

SIZES = [(200, 300), (100, 150), (64, 150), (32, 150), (16, 300)]  # (16, 300): the book profile
PAPER_TRAIN_CLIP_STEPS = 52_700 * 2 / 3 * 3 * 30  # maps x training share x folds x epochs


def bench_stmap(repeats: int = 3) -> dict:
    demo = V.astronaut_face_video(300, fps=30.0, size=(480, 640), scale=2.0, noise=2.0)
    return {m: 1000 * median_time(lambda m=m: V.stmap(demo.frames, demo.face_boxes, method=m), repeats)
            for m in ("integral", "resize")}


def bench_rhythm(n: int = 100) -> float:
    synthetic_rhythm_maps(2)
    start = time.perf_counter()
    synthetic_rhythm_maps(n, seed=1)
    return n / (time.perf_counter() - start)


def bench_resnet(size, batch: int = 16, steps: int = 3) -> dict:
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # random initialisation is fine for timing
        model = ResNet18Regressor(input_size=size)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(batch, 3, *size)
    y = 40 + 100 * torch.rand(batch)

    def step():
        opt.zero_grad()
        torch.nn.functional.l1_loss(model(x), y).backward()
        opt.step()

    model.train()
    train_s = median_time(step, steps)
    model.eval()
    one = torch.rand(1, 3, *size)
    with torch.no_grad():
        infer_s = median_time(lambda: model(one), 5)
    return {"train_clips_per_s": batch / train_s, "infer_ms_per_clip": 1000 * infer_s,
            "real_time_factor": 10.0 / infer_s}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = {"threads": args.threads, "cpu": platform.processor() or platform.machine(),
           "load_1min": os.getloadavg()[0], "stmap_ms_per_clip": bench_stmap(),
           "rhythm_maps_per_s": bench_rhythm(), "resnet": {}}
    print(f"load average (1 min): {out['load_1min']:.2f}; torch threads: {args.threads}")
    for m, ms in out["stmap_ms_per_clip"].items():
        print(f"stmap ({m:8s}) 300 frames at 640x480: {ms:7.1f} ms")
    print(f"synthetic rhythm maps: {out['rhythm_maps_per_s']:.0f} maps/s")
    for size in SIZES:
        r = bench_resnet(size)
        out["resnet"][f"{size[0]}x{size[1]}"] = r
        print(f"ResNet-18 {size[0]:3d}x{size[1]:3d}: train {r['train_clips_per_s']:6.1f} clips/s, "
              f"inference {r['infer_ms_per_clip']:6.1f} ms/clip (x{r['real_time_factor']:.0f} real time)")
    paper = out["resnet"]["200x300"]["train_clips_per_s"]
    out["paper_training_hours"] = PAPER_TRAIN_CLIP_STEPS / paper / 3600
    print(f"paper profile training (52,700 maps, 3 folds, 30 epochs, 200x300): "
          f"~{out['paper_training_hours']:.0f} h on this CPU")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
