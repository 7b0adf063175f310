"""The ``rppg`` command.

    rppg run NOTEBOOK [--profile smoke|book|paper] [-p NAME VALUE ...]
    rppg book [--profile book] [-p NAME VALUE ...] [--no-build]
    rppg predict VIDEO [--method pos] [--roi skin|face|full] [--figure PNG]
    rppg simulate --preset ubfc-like --subjects N --out DIR [--seed S] [-o NAME VALUE ...]

Parameter values are read as YAML (``-p seed 3``, ``-p data_root /data/ubfc``,
``-p data_root null``); ``None`` is accepted for null.
"""
from __future__ import annotations

import argparse
import sys

from .profiles import PROFILES

__all__ = ["main", "build_parser"]


def _parse_value(text: str):
    import yaml

    if text == "None":
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _parameters(pairs) -> dict:
    return {name: _parse_value(value) for name, value in (pairs or [])}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rppg", description="rPPG reproducibility compendium: "
                                     "run the notebooks and build the book.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add_common(p, default_profile):
        p.add_argument("--profile", choices=PROFILES, default=default_profile,
                       help=f"run size (default: {default_profile})")
        p.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
                       help="notebook parameter (repeatable); unknown names are rejected")

    run = sub.add_parser("run", help="execute one notebook into book/executed/")
    run.add_argument("notebook", help="name in notebooks/ (e.g. classical_real) or a path")
    add_common(run, "smoke")

    book = sub.add_parser("book", help="execute every notebook of the book, then build the HTML book")
    add_common(book, "book")
    book.add_argument("--no-build", action="store_true", help="execute the notebooks only")
    book.add_argument("--only", nargs="+", metavar="NOTEBOOK", help="run only these notebooks")

    predict = sub.add_parser("predict", help="heart rate over time from a face video (classical method)")
    predict.add_argument("video", help="path of the video file")
    from .methods import METHODS

    predict.add_argument("--method", default="pos", type=str.lower, choices=sorted(METHODS),
                         help="classical method (default: pos); checked before the video is read")
    predict.add_argument("--roi", choices=("skin", "face", "full"), default="skin",
                         help="skin pixels of the face box, the whole face box, or the whole frame")
    predict.add_argument("--window", type=float, default=10.0, help="HR window in seconds (default: 10)")
    predict.add_argument("--detect-every", type=int, default=10, help="run face detection every N frames")
    predict.add_argument("--figure", help="where to save the figure (default: ./VIDEO-STEM_rppg.png)")

    simulate = sub.add_parser("simulate", help="write a simulated dataset in the real dataset's layout")
    simulate.add_argument("--preset", required=True, help="simulator preset, e.g. ubfc-like or pure-like")
    simulate.add_argument("--subjects", type=int, required=True, help="number of subjects")
    simulate.add_argument("--out", required=True, help="output folder (finished recordings are kept)")
    simulate.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    simulate.add_argument("-o", "--override", nargs=2, action="append", metavar=("NAME", "VALUE"),
                          help="simulator parameter (repeatable), e.g. -o duration_s 30")
    return parser


def _simulate(args) -> int:
    from .synth import write_dataset

    paths = write_dataset(args.preset, args.subjects, args.out, seed=args.seed, progress=True,
                          **_parameters(args.override))
    print(f"{len(paths)} recordings in {args.out}")
    return 0


def _predict(args) -> int:
    from pathlib import Path

    from .predict import plot_prediction, predict_video
    from .video import NoFaceFoundError, VideoDecodeError

    try:
        result = predict_video(args.video, method=args.method, window_s=args.window,
                               detect_every=args.detect_every, roi=args.roi)
    except NoFaceFoundError as exc:
        print(f"rppg predict: no face found: {exc}", file=sys.stderr)
        return 2
    except VideoDecodeError as exc:
        print(f"rppg predict: cannot decode the video: {exc}", file=sys.stderr)
        return 1
    print(result.summary())
    for t, hr, ok in zip(result.hr_time_s, result.hr_bpm, result.reliable):
        print(f"  t = {t:7.1f} s   HR = {hr:6.1f} bpm{'' if ok else '   (unreliable)'}")
    figure = Path(args.figure) if args.figure else Path.cwd() / (Path(args.video).stem + "_rppg.png")
    plot_prediction(result, figure)
    print(f"figure: {figure}")
    return 0 if result.status == "ok" else 3


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in ("predict", "simulate"):
        try:
            return _predict(args) if args.command == "predict" else _simulate(args)
        except (ValueError, FileNotFoundError, OSError) as exc:
            print(f"rppg {args.command}: error: {exc}", file=sys.stderr)
            return 1
    from .runner import NotebookError, build_book, run_notebook

    try:
        if args.command == "run":
            path = run_notebook(args.notebook, args.profile, _parameters(args.parameter))
            print(f"executed: {path}")
        elif args.command == "book":
            build_book(args.profile, _parameters(args.parameter), notebooks=args.only,
                       build=not args.no_build)
    except (NotebookError, ValueError, FileNotFoundError) as exc:
        print(f"rppg {args.command}: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
