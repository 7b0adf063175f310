"""Speed of the Kopeliovich et al. 2019 colour-signal CNN (prints a table).

Run:  python benchmarks/bench_kopeliovich.py [--head clf] [--threads 2] [--repeats 5]

1. Training throughput (windows per second) of one optimisation step of the
   paper's recipe: batch 1024 of (1, 18, 64) windows, noise augmentation,
   forward, loss (CL for "cl"/"clf", CE, or SE), backward, Adam step.
2. Inference latency in eval mode: batch 1 (per window) and batched
   (1024 windows; reported per window and per batch).
3. The same with ``channels_last`` memory format for comparison.

Times are medians over ``--repeats`` runs after one warm-up run, with
``torch.set_num_threads(--threads)``. The CPU may be shared with other jobs:
the load average is printed with the numbers. On a busy 2-core machine two
torch threads can be much slower than one (batch-1 latency went from about
1 ms to 200 ms in our runs), so compare ``--threads 1``. Nothing is asserted.
"""
from __future__ import annotations

import argparse
import os
import platform

import torch
from _timing import median_time  # noqa: E402  (benchmarks/ is on sys.path)

from rppg_lib.papers.kopeliovich2019.colour_signals import add_uniform_noise
from rppg_lib.papers.kopeliovich2019.losses import class_weights, loss_for_head
from rppg_lib.papers.kopeliovich2019.model import ColourSignalCNN


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--head", default="clf", choices=["se", "ce", "cl", "clf"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python {platform.python_version()}, torch {torch.__version__}, {os.cpu_count()} CPUs, "
          f"{args.threads} torch threads, load average {load:.1f}")

    gen = torch.Generator().manual_seed(0)
    x = torch.rand(args.batch, 1, 18, 64, generator=gen) * 2 - 1
    hr = 40 + 85 * torch.rand(args.batch, generator=gen)
    rows = []
    for fmt in ("contiguous", "channels_last"):
        model = ColourSignalCNN(args.head)
        xb = x
        if fmt == "channels_last":
            model = model.to(memory_format=torch.channels_last)
            xb = x.contiguous(memory_format=torch.channels_last)
        weights = None if args.head == "se" else class_weights(torch.randint(0, 128, (4096,)), are_counts=False)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)

        def train_step():
            model.train()
            out = model(add_uniform_noise(xb, generator=gen))
            loss = loss_for_head(args.head, out, hr, weights)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

        t_train = median_time(train_step, args.repeats)
        model.eval()
        one = xb[:1]
        with torch.no_grad():
            t_one = median_time(lambda: model(one), max(args.repeats, 20))
            t_batch = median_time(lambda: model(xb), args.repeats)
        rows.append((fmt, args.batch / t_train, t_one * 1e3, t_batch * 1e3, t_batch / args.batch * 1e3))

    print(f"\nColourSignalCNN(head={args.head!r}), "
          f"{sum(p.numel() for p in ColourSignalCNN(args.head).parameters()):,} parameters, batch {args.batch}")
    print(f"{'memory format':<15}{'train windows/s':>17}{'infer b=1 ms':>14}"
          f"{'infer batch ms':>16}{'ms / window':>13}")
    for fmt, thr, one, batch, per in rows:
        print(f"{fmt:<15}{thr:>17.0f}{one:>14.2f}{batch:>16.1f}{per:>13.3f}")
    n_train, epochs = 4456, 5000  # the paper's training set (Table 1) and epochs (Section 5.2)
    thr = rows[0][1]
    print(f"\nAt {thr:.0f} windows/s one epoch of the paper's 4,456 training windows takes "
          f"{n_train / thr:.1f} s; 5,000 epochs take {n_train * epochs / thr / 3600:.1f} h.")


if __name__ == "__main__":
    main()
