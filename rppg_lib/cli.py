"""The ``rppg`` command.

    rppg run NOTEBOOK [--profile smoke|book|paper] [-p NAME VALUE ...]
    rppg book [--profile book] [-p NAME VALUE ...] [--no-build]
    rppg grid-run CHAPTER --profile P --seed S --record JSON [-p NAME VALUE ...]   (a job of workflow/Snakefile)
    rppg grid-book --profile P --record JSON                                      (its last job: the book)
    rppg predict VIDEO [--method pos | --model NAME] [--roi skin|face|full] [--figure PNG] [--json PATH]
    rppg models
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

    grid_run = sub.add_parser("grid-run", help="one job of the Snakemake workflow: a chapter at a profile and "
                              "seed, then its job record")
    grid_run.add_argument("notebook", metavar="CHAPTER", help="a chapter of the book (e.g. classical_real)")
    add_common(grid_run, "smoke")
    grid_run.add_argument("--seed", type=int, default=0, help="the notebook's seed; 0 is the book's run "
                          "(records in results/), others go to results/replicates/PROFILE/seedS/")
    grid_run.add_argument("--record", required=True, help="job record written last (the workflow's output)")
    grid_book = sub.add_parser("grid-book", help="the Snakemake workflow's last job: the book from the "
                               "chapters' records")
    grid_book.add_argument("--profile", choices=PROFILES, default="smoke", help="profile the chapters ran at")
    grid_book.add_argument("--record", required=True, help="job record written last (the workflow's output)")

    predict = sub.add_parser("predict", help="heart rate over time from a face video (classical method or a "
                             "network the book trained)")
    predict.add_argument("video", help="path of the video file")
    from .methods import METHODS

    how = predict.add_mutually_exclusive_group()
    how.add_argument("--method", default="pos", type=str.lower, choices=sorted(METHODS),
                     help="classical method (default: pos); checked before the video is read")
    how.add_argument("--model", help="a network a chapter's run trained (`rppg models` lists them); checked "
                     "before the video is read")
    predict.add_argument("--roi", choices=("skin", "face", "full"), default="skin",
                         help="skin pixels of the face box, the whole face box, or the whole frame")
    predict.add_argument("--window", type=float, default=10.0, help="HR window in seconds (default: 10; a network "
                         "that gives one HR per clip, e.g. niu2018-resnet18, uses its own clip length)")
    predict.add_argument("--detect-every", type=int, default=10, help="run face detection every N frames")
    predict.add_argument("--figure", help="where to save the figure (default: ./VIDEO-STEM_rppg.png)")
    predict.add_argument("--json", metavar="PATH", help="also write the numbers (median HR, HR over time, SNR, "
                         "status, model and its run record) to this JSON file")

    sub.add_parser("models", help="list the trained networks `rppg predict --model` can use, with their run records")

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

    from .model_store import IncompatibleModelError, MissingModelError
    from .predict import check_model, plot_prediction, predict_video, predict_video_with_model
    from .storage import write_json_atomic
    from .video import NoFaceFoundError, VideoDecodeError

    try:
        if args.model is not None:
            check_model(args.model)  # an unknown or missing model fails before the video is read
            result = predict_video_with_model(args.video, args.model, window_s=args.window,
                                              detect_every=args.detect_every)
        else:
            result = predict_video(args.video, method=args.method, window_s=args.window,
                                   detect_every=args.detect_every, roi=args.roi)
    except (MissingModelError, IncompatibleModelError) as exc:
        print(f"rppg predict: {exc}", file=sys.stderr)
        return 1
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
    if args.json:
        write_json_atomic(args.json, result.to_dict())
        print(f"numbers: {args.json}")
    return 0 if result.status == "ok" else 3


def models_table(models) -> str:
    """The stored models as a plain-text table: name, chapter, input, data, profile, revision, test MAE."""
    rows = [("model", "chapter", "input", "trained on", "profile", "revision", "test MAE (bpm)")]
    for m in models:
        mae = (m.spec.get("metrics") or {}).get("test_mae")
        spec = m.input_spec
        size = (f" {spec['frame_size']}px" if spec.get("frame_size") else
                f" {'x'.join(map(str, spec['grid']))} blocks" if spec.get("grid") else
                f" {len(spec['rois'])} ROIs" if spec.get("rois") else "")
        rows.append((m.name, m.chapter, f"{spec.get('kind')}{size}", str(m.spec.get("data")),
                     str(m.spec.get("profile")), (m.spec.get("revision") or "?")[:12],
                     "–" if mae is None else f"{mae:.2f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _models(args) -> int:
    from .model_store import PRODUCED_BY, list_models, models_dir, produced_by

    stored = list_models()
    if stored:
        print(models_table(stored))
    else:
        print(f"no trained model under {models_dir()}")
    missing = sorted(set(PRODUCED_BY) - {m.name for m in stored})
    if missing:
        print("\nnot trained yet (the chapter's run writes it):")
        for name in missing:
            print(f"  {name}: {produced_by(name)}")
    return 0


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in ("predict", "simulate", "models"):
        try:
            return {"predict": _predict, "simulate": _simulate, "models": _models}[args.command](args)
        except (ValueError, FileNotFoundError, OSError) as exc:
            print(f"rppg {args.command}: error: {exc}", file=sys.stderr)
            return 1
    from .runner import NotebookError, build_book, build_grid_book, run_grid_job, run_notebook

    try:
        if args.command == "run":
            path = run_notebook(args.notebook, args.profile, _parameters(args.parameter))
            print(f"executed: {path}")
        elif args.command == "book":
            build_book(args.profile, _parameters(args.parameter), notebooks=args.only,
                       build=not args.no_build)
        elif args.command == "grid-run":
            run_grid_job(args.notebook, args.profile, args.seed, args.record, _parameters(args.parameter))
        elif args.command == "grid-book":
            build_grid_book(args.profile, args.record)
    except (NotebookError, ValueError, FileNotFoundError) as exc:
        print(f"rppg {args.command}: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
