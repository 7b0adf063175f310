"""Everything the benchmark chapter (``notebooks/benchmark.ipynb``) computes.

- :func:`protocol_text`: the one protocol, written from the settings.
- :func:`network_models`: the stored networks (:mod:`rppg_lib.model_store`) the benchmark can run, and
  which chapter run writes each one that is missing.
- :func:`benchmark_table`: HR per window of every method on every session of every look-alike, with the
  session's factors (motion, compression, resolution, skin type) from the simulator's parameters.
- :func:`video_errors`, :func:`summary_table`, :func:`factor_table`: per-video errors, the metrics per
  look-alike and method with bootstrap intervals, the error against each factor.
- :func:`friedman_test`, :func:`holm`: the ranking test across videos and its post-hoc comparisons.
- :func:`cost_table`: parameters, latency per 10-s clip and real-time factor of every method.
- :func:`real_table`, :func:`authors_table`: the real bias-eval-rppg clips and the authors' own numbers.
- :func:`video_throughput`, :func:`simulator_speed`: the performance measurements (the repository's
  ``benchmarks/`` scripts, imported).
- :func:`record_metrics`, :func:`data_source`: the run record's numbers and where they came from.
"""
from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass

import numpy as np

from ... import methods, signal

__all__ = ["CLASSICAL", "FACTORS", "NetworkModel", "protocol_text", "network_models", "session_factors",
           "video_rows", "benchmark_table", "video_errors", "summary_table", "factor_table", "friedman_test",
           "holm", "cost_table", "real_table", "authors_table", "video_throughput", "simulator_speed",
           "record_metrics", "data_source"]

#: The classical methods, as the tables name them (:data:`rppg_lib.methods.METHODS`).
CLASSICAL = {name.upper(): fn for name, fn in methods.METHODS.items()}
#: The session factors the error is shown against (columns of :func:`benchmark_table`).
FACTORS = ("motion", "compression", "face size (px)", "skin type")
#: Seconds of the clip the latency is measured on.
LATENCY_CLIP_S = 10.0
#: Frame rate of the latency clip of the classical methods (a webcam).
LATENCY_FPS = 30.0
#: The main table's mark for a network on the look-alike it was trained on (not scored there).
NOT_SCORED = "–"
#: Clips per optimiser step of the training-throughput measurement (the book profile's batch of the
#: face-crop chapters).
TRAIN_BATCH = 4


def protocol_text(cfg) -> str:
    """The benchmark's protocol in words, from the settings ``cfg``."""
    lo, hi = cfg.band_bpm
    return (f"Windows of {cfg.window_s:g} s every {cfg.step_s:g} s over each video. Every window's HR is the "
            f"spectral peak in {lo:g}-{hi:g} bpm (zero-padded Hann periodogram, parabolic refinement, harmonic "
            "check: `rppg_lib.signal.estimate_hr`). The reference HR is the same estimator on the simulator's face "
            "PPG over the same window (band-passed to the same band). The classical methods read the mean colour "
            "of the first-frame Haar face box enlarged 1.5x (the rPPG-Toolbox's unsupervised protocol), at the "
            "look-alike's native frame rate, one window at a time; a network reads the sticky face crops it was "
            "trained on (resized to its input size and averaged down to its frame rate), its pulse joined over "
            "the whole video and cut into the same windows. A video's error is the mean absolute error of its "
            "windows; intervals are 95 % bootstrap intervals over videos.")


@dataclass
class NetworkModel:
    """A stored network the benchmark runs: its ``name``, the rebuilt ``net`` and its ``stored`` record
    (:class:`rppg_lib.model_store.StoredModel`)."""

    name: str
    net: object
    stored: object

    @property
    def spec(self) -> dict:
        return self.stored.input_spec

    @property
    def trained_on(self) -> str | None:
        """The look-alike the network was trained on (from its run record's data source, e.g. "simulated:
        mahnob-like look-alike"), or None (real data, or a source that names none)."""
        found = re.search(r"\b([a-z0-9]+-like) look-alike", str(self.stored.spec.get("data") or ""))
        return found.group(1) if found else None

    @property
    def parameters(self) -> int:
        return int(self.stored.spec.get("parameters") or sum(p.numel() for p in self.net.parameters()))


def network_models(results_dir=None):
    """``(models, status)``: the stored networks that read face crops, rebuilt
    (:class:`NetworkModel` list), and a DataFrame with one row per model the chapters' runs write
    (:data:`rppg_lib.model_store.PRODUCED_BY`) or the store holds: ``chapter``, ``status`` (used, or why
    not), ``written by`` (the command), ``test MAE`` from its run record."""
    import pandas as pd

    from ... import model_store

    stored = {m.name: m for m in model_store.list_models(results_dir)}
    names = list(dict.fromkeys([*model_store.PRODUCED_BY, *stored]))
    models, rows = [], []
    for name in names:
        chapter = model_store.PRODUCED_BY.get(name) or stored[name].chapter
        row = {"model": name, "chapter": chapter, "written by": model_store.produced_by(name),
               "profile": None, "test MAE": None}
        if name not in stored:
            row["status"] = "not stored: its chapter's run has not written it on this machine"
        else:
            m = stored[name]
            row["profile"] = m.spec.get("profile")
            mae = (m.spec.get("metrics") or {}).get("test_mae")
            row["test MAE"] = None if mae is None else round(float(mae), 1)
            kind = m.input_spec.get("kind")
            if kind != "face_crops":
                row["status"] = f"stored, not run here: it reads {kind!r} input, which its own chapter builds"
            else:
                try:
                    net = model_store.load_model(name, results_dir)
                except (model_store.MissingModelError, model_store.IncompatibleModelError) as exc:
                    row["status"] = f"stored, does not load: {exc}"
                else:
                    models.append(NetworkModel(name, net, m))
                    row["status"] = "used"
        rows.append(row)
    return models, pd.DataFrame(rows).set_index("model")


def _motion(p: dict) -> str:
    if p["motion_level"] > 0 and p["translation_speed"] > 0:
        return "translation"
    if p["motion_level"] > 0 and (p["rotation_deg"] > 0 or p["pitch_deg"] > 0):
        return "rotation"
    if p["motion_level"] > 0 and p["talking"] >= 0.03:
        return "talking"
    return "still"


def _compression(p: dict) -> str:
    codec = p["codec"]
    if codec is None:
        return "lossless"
    if codec in ("libx264", "libx265"):
        return f"{codec} crf {p['crf']:g}"
    return f"{codec} q {p['qscale']:g}"


def session_factors(preset: str, overrides: dict, session: dict) -> dict:
    """The factors of one rendered session from the simulator's parameters: ``motion`` (the task's head
    motion: translation, rotation, talking or still), ``compression`` (codec and its setting),
    ``face size (px)``, ``skin type`` (Fitzpatrick) and the encoded ``bitrate (kbps)``."""
    from ...synth.presets import resolve

    p = resolve(preset, overrides)
    return {"motion": _motion(p), "compression": _compression(p), "face size (px)": float(session["face_px"]),
            "skin type": int(session["skin_type"]), "bitrate (kbps)": float(session["bitrate_kbps"])}


def _window_hr(x, fs: float, starts_s, window_s: float, band_bpm) -> np.ndarray:
    """HR of ``x`` in windows of ``window_s`` starting at ``starts_s`` (seconds): each window band-passed
    to ``band_bpm`` and its spectral peak taken."""
    win = int(round(window_s * fs))
    idx = np.rint(np.asarray(starts_s) * fs).astype(int)[:, None] + np.arange(win)[None, :]
    idx = np.minimum(idx, len(x) - 1)
    windows = signal.bandpass(np.asarray(x, float)[idx], fs, band_bpm[0] / 60.0, band_bpm[1] / 60.0)
    return np.atleast_1d(signal.estimate_hr(windows, fs, band_bpm))


def _network_pulse_of(model: NetworkModel, crops, native_fps: float):
    """``(pulse, fs)`` of a stored network on a session's master face crops (T, c, c, 3), made into its input
    as :func:`rppg_lib.predict.predict_video_with_model` makes it."""
    from ...clips import block_mean, resize_crops
    from ...predict import _network_pulse

    spec = model.spec
    step = max(1, int(round(native_fps / float(spec["fps"])))) if spec.get("fps") else 1
    frames = np.rint(block_mean(resize_crops(crops, int(spec["frame_size"])).astype(np.float32), step))
    frames = frames.astype(np.uint8)
    return _network_pulse(model.net, frames, spec.get("clip_frames") or len(frames)), native_fps / step


def video_rows(session: dict, window_s: float, step_s: float, band_bpm, models=()) -> list[dict]:
    """HR per window of the six classical methods and of ``models`` on one rendered session
    (:func:`rppg_lib.clips.render_session`), against the reference HR of the face PPG: rows
    ``method, window, t_s, hr_est, hr_ref`` (``hr_est`` NaN where a method cannot run on the trace)."""
    from ...evaluate import window_starts

    fs = float(session["fps"])
    rgb = np.asarray(session["toolbox"], float)
    ppg = np.asarray(session["ppg"], float)
    n = min(len(rgb), len(ppg))
    starts = window_starts(n, fs, window_s, step_s)
    starts_s = starts / fs
    ref = _window_hr(ppg[:n], fs, starts_s, window_s, band_bpm)
    win = int(round(window_s * fs))
    windows = rgb[starts[:, None] + np.arange(win)[None, :]]
    estimates = {}
    for name, method in CLASSICAL.items():
        try:
            pulse = method(windows, fs)
            estimates[name] = np.atleast_1d(signal.estimate_hr(pulse, fs, band_bpm))
        except ValueError:  # a trace the method cannot run on (a channel at zero): no estimate
            estimates[name] = np.full(len(starts), np.nan)
    for model in models:
        pulse, fs_m = _network_pulse_of(model, session["crops"], fs)
        estimates[model.name] = _window_hr(pulse, fs_m, starts_s, window_s, band_bpm)
    return [{"method": name, "window": k, "t_s": float(starts_s[k] + window_s / 2), "hr_est": float(est[k]),
             "hr_ref": float(ref[k])} for name, est in estimates.items() for k in range(len(starts))]


def benchmark_table(cfg, profile: str, models=(), progress: bool = True):
    """HR per window of every method on every session of the look-alikes of ``cfg.presets`` at ``profile``
    (at most ``cfg.max_subjects`` subjects each; sessions come from the shared ``clips`` cache and are
    rendered when missing). A network is not scored on the look-alike it was trained on
    (:attr:`NetworkModel.trained_on`): its training videos are among that look-alike's sessions. Columns:
    ``preset, video, scenario``, the :data:`FACTORS`, ``bitrate (kbps)``, then :func:`video_rows`' ``method,
    window, t_s, hr_est, hr_ref``."""
    import pandas as pd
    from tqdm import tqdm

    from ...clips import render_session
    from ...lookalike import lookalike

    rows = []
    for preset in cfg.presets:
        scored = [m for m in models if m.trained_on != preset]
        look = lookalike(preset, profile)
        if cfg.max_subjects is not None:
            look = lookalike(preset, profile, n_subjects=min(look.n_subjects, int(cfg.max_subjects)))
        for subject, scenario, seed in tqdm(look.sessions(), desc=preset, unit="video", disable=not progress):
            overrides = look.overrides(scenario)
            session = render_session(preset, subject, seed, overrides)
            head = {"preset": preset, "video": f"{preset}/s{subject:02d}/{scenario or 'default'}",
                    "scenario": scenario or "default", **session_factors(preset, overrides, session)}
            rows += [{**head, **r} for r in video_rows(session, cfg.window_s, cfg.step_s, cfg.band_bpm, scored)]
    return pd.DataFrame(rows)


def mae_table(summary, presets):
    """MAE (bpm) per look-alike (rows, in ``presets``' order) and method (columns), rounded to 0.1 bpm, for the
    page: a cell a method was not scored on (a network on the look-alike it was trained on) is a dash."""
    wide = summary["MAE"].unstack("method").reindex(index=list(presets))
    order = list(dict.fromkeys(summary.index.get_level_values("method")))
    return wide[order].round(1).astype(object).where(wide[order].notna(), NOT_SCORED)


def video_errors(table):
    """One row per (video, method): the factors, ``mae`` (mean |error| over its windows), ``se`` (mean
    squared error), ``windows``; a video where a method gave no estimate in some window is dropped for every
    method (``attrs["dropped_videos"]`` names them), so every method is scored on the same videos."""
    t = table.assign(err=table.hr_est - table.hr_ref)
    bad = sorted(t.loc[~np.isfinite(t.err), "video"].unique())
    t = t[~t.video.isin(bad)]
    keys = ["preset", "video", "scenario", *FACTORS, "bitrate (kbps)", "method"]
    out = (t.assign(abs_err=t.err.abs(), sq_err=t.err ** 2)
           .groupby(keys, sort=False, dropna=False)
           .agg(mae=("abs_err", "mean"), se=("sq_err", "mean"), windows=("err", "size"))
           .reset_index())
    out.attrs["dropped_videos"] = bad
    return out


def summary_table(table, per_video=None):
    """Metrics per look-alike and method: ``videos``, ``windows``, ``MAE`` with its bootstrap interval over
    videos (``MAE low``, ``MAE high``), ``RMSE``, Pearson ``r`` and ``within 5 bpm`` (share of windows), over
    the windows of the videos every method could run on (:func:`video_errors`)."""
    import pandas as pd

    from ...claims import bootstrap_mean
    from ...metrics import hr_metrics

    per_video = video_errors(table) if per_video is None else per_video
    kept = table[table.video.isin(set(per_video.video))]
    rows = []
    for (preset, method), g in kept.groupby(["preset", "method"], sort=False):
        m = hr_metrics(g.hr_est, g.hr_ref)
        v = per_video[(per_video.preset == preset) & (per_video.method == method)]
        iv = bootstrap_mean(v.mae.to_numpy(float))
        rows.append({"preset": preset, "method": method, "videos": len(v), "windows": m["n"], "MAE": m["mae"],
                     "MAE low": iv.low, "MAE high": iv.high, "RMSE": m["rmse"], "r": m["pearson"],
                     "within 5 bpm": m["within5"]})
    return pd.DataFrame(rows).set_index(["preset", "method"])


def factor_table(per_video, factor: str):
    """Mean per-video MAE of every method (columns) at each level of ``factor`` (rows) over every look-alike,
    with the number of videos at that level."""
    t = per_video.pivot_table(index=factor, columns="method", values="mae", aggfunc="mean", sort=True)
    t = t[list(dict.fromkeys(per_video.method))]
    t.insert(0, "videos", per_video.groupby(factor)["video"].nunique())
    return t


def holm(pvalues) -> np.ndarray:
    """Holm's step-down adjustment of ``pvalues`` (in their order): the k-th smallest p-value times the
    number of hypotheses not yet rejected, made monotone and capped at 1."""
    p = np.asarray(pvalues, float)
    m = len(p)
    order = np.argsort(p)
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return adjusted


def friedman_test(per_video, methods_=None, alpha: float = 0.05) -> dict:
    """Friedman test of the methods' per-video errors (blocks: videos; lower error = better rank), the mean
    rank of each method and pairwise Wilcoxon signed-rank tests with Holm's correction.

    Returns ``statistic``, ``p``, ``videos``, ``methods``, ``mean_ranks`` (Series, best first) and ``pairs``
    (DataFrame: ``a, b, median difference``, ``p``, ``p (Holm)``, ``differs`` at ``alpha``). Fewer than two
    videos or methods give NaN statistics."""
    import itertools

    import pandas as pd
    from scipy import stats

    wide = per_video.pivot_table(index="video", columns="method", values="mae", sort=False)
    if methods_ is not None:
        wide = wide[[m for m in methods_ if m in wide.columns]]
    wide = wide.dropna()
    names = list(wide.columns)
    out = {"videos": len(wide), "methods": names, "statistic": float("nan"), "p": float("nan"),
           "mean_ranks": pd.Series(dtype=float), "pairs": pd.DataFrame()}
    if len(wide) < 2 or len(names) < 2:
        return out
    ranks = wide.rank(axis=1, method="average")
    out["mean_ranks"] = ranks.mean().sort_values()
    if len(names) >= 3:
        stat, p = stats.friedmanchisquare(*[wide[m].to_numpy() for m in names])
        out["statistic"], out["p"] = float(stat), float(p)
    rows = []
    for a, b in itertools.combinations(names, 2):
        d = wide[a] - wide[b]
        try:
            p = float(stats.wilcoxon(wide[a], wide[b]).pvalue) if np.any(d != 0) else 1.0
        except ValueError:
            p = 1.0
        rows.append({"a": a, "b": b, "median difference (a - b)": float(d.median()), "p": p})
    pairs = pd.DataFrame(rows)
    pairs["p (Holm)"] = holm(pairs["p"])
    pairs["differs"] = pairs["p (Holm)"] < alpha
    out["pairs"] = pairs
    return out


def _bench_module(name: str):
    """The repository's ``benchmarks/<name>.py``, imported (the scripts are not a package)."""
    from ...homes import REPO_ROOT

    path = REPO_ROOT / "benchmarks" / f"{name}.py"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the benchmark script is not in this checkout")
    spec = importlib.util.spec_from_file_location(f"_rppg_benchmarks_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _median_time(fn, repeats: int) -> float:
    return float(_bench_module("_timing").median_time(fn, repeats))


def cost_table(models=(), repeats: int = 10, seed: int = 0):
    """Per method: trainable ``parameters``, ``latency per 10-s clip (ms)`` (median over ``repeats`` calls after
    a warm-up, on this CPU) and ``real-time factor`` (10 s / latency). A classical method is timed on a
    10-s colour trace at 30 fps (method and HR estimate), a network on a 10-s clip of its input (forward pass
    over its windows, :func:`rppg_lib.predict._network_pulse`). Neither includes decoding and face tracking
    (see :func:`video_throughput`)."""
    import pandas as pd

    from ...predict import _network_pulse

    rng = np.random.default_rng(seed)
    n = int(LATENCY_CLIP_S * LATENCY_FPS)
    t = np.arange(n) / LATENCY_FPS
    rgb = 100 + 0.5 * np.sin(2 * np.pi * 1.2 * t)[:, None] * np.array([0.3, 0.8, 0.5]) + rng.normal(0, 0.2, (n, 3))
    rows = []
    for name, method in CLASSICAL.items():
        latency = _median_time(lambda m=method: signal.estimate_hr(m(rgb, LATENCY_FPS), LATENCY_FPS), repeats)
        rows.append({"method": name, "kind": "classical", "parameters": 0, "latency": latency})
    for model in models:
        spec = model.spec
        fps = float(spec.get("fps") or LATENCY_FPS)
        size = int(spec["frame_size"])
        frames = rng.integers(0, 256, (int(round(LATENCY_CLIP_S * fps)), size, size, 3), dtype=np.uint8)
        clip = spec.get("clip_frames") or len(frames)
        latency = _median_time(lambda n=model.net, x=frames, c=clip: _network_pulse(n, x, c), max(1, repeats // 2))
        rows.append({"method": model.name, "kind": f"network ({model.stored.chapter})",
                     "parameters": model.parameters, "latency": latency})
    df = pd.DataFrame(rows).set_index("method")
    df["latency per 10-s clip (ms)"] = 1000 * df.pop("latency")
    df["real-time factor"] = 1000 * LATENCY_CLIP_S / df["latency per 10-s clip (ms)"]
    return df


def training_throughput(models=(), repeats: int = 10, batch: int = TRAIN_BATCH, seed: int = 0):
    """Per stored network: seconds per optimiser step and training clips per second on this CPU, at the input
    the network was trained on (its ``clip_frames`` at ``frame_size``) and ``batch`` clips per step: forward,
    negative-Pearson loss against a sine, backward and an Adam step, median over ``repeats`` steps
    after a warm-up, on a copy of the network (the stored weights are untouched). Random input: the time of
    a step does not depend on the pixels. The paper's own shapes are timed by ``make paper-check``.
    Columns: ``chapter``, ``batch``, ``input`` (frames x height x width), ``s per step``, ``clips/s``."""
    import copy

    import pandas as pd
    import torch

    from ...losses.contrastive import neg_pearson

    rng = np.random.default_rng(seed)
    rows = []
    for model in models:
        spec = model.spec
        size, clip = int(spec["frame_size"]), int(spec["clip_frames"])
        net = copy.deepcopy(model.net).train()
        optimiser = torch.optim.Adam(net.parameters(), lr=1e-4)
        x = torch.as_tensor(rng.integers(0, 256, (batch, 3, clip, size, size), dtype=np.uint8)).float()

        def step(net=net, optimiser=optimiser, x=x):
            optimiser.zero_grad()
            y = net(x)
            y = (y[0] if isinstance(y, (tuple, list)) else y).reshape(len(x), -1)
            target = torch.sin(torch.arange(y.shape[1]) * 0.5).expand_as(y)  # a pulse-like target
            neg_pearson(y, target).backward()
            optimiser.step()

        seconds = _median_time(step, max(1, repeats // 2))
        rows.append({"method": model.name, "chapter": model.stored.chapter, "batch": batch,
                     "input": f"{clip} x {size} x {size}", "s per step": seconds, "clips/s": batch / seconds})
    columns = ["chapter", "batch", "input", "s per step", "clips/s"]
    return pd.DataFrame(rows, columns=["method", *columns]).set_index("method")


def real_table(models=(), method_names=("POS", "CHROM"), band_bpm=(42.0, 240.0), max_seconds=None, root=None):
    """HR of every bias-eval-rppg clip (:func:`rppg_lib.data.list_bias_eval_clips`) by ``method_names`` and
    ``models``, against the clip's reference HR (one Masimo mean per subject): one spectral HR over the whole
    clip (its first ``max_seconds``). The clips are skin only (a forehead or cheek region upscaled to
    200x200), so the classical methods read the whole frame's mean colour and a network the whole frame
    resized to its input. Columns: ``clip, region, seconds, fps, gt_hr`` and one per method."""
    import pandas as pd

    from ...data import list_bias_eval_clips, load_bias_eval_clip

    rows = []
    for _, row in list_bias_eval_clips(root).iterrows():
        rec = load_bias_eval_clip(row.path)
        frames = rec.frames if max_seconds is None else rec.frames[: int(round(max_seconds * rec.fps))]
        fs = float(rec.fps)
        r = {"clip": f"{row.country}/{row.video}_{row.region}", "region": row.region,
             "seconds": round(len(frames) / fs, 1), "fps": fs, "gt_hr": float(row.gt_hr)}
        trace = frames.reshape(len(frames), -1, 3).mean(axis=1)
        for name in method_names:
            r[name] = signal.estimate_hr(CLASSICAL[name](trace, fs), fs, band_bpm)
        for model in models:
            crops = np.stack([_resize(f, 64) for f in frames])
            pulse, fs_m = _network_pulse_of(model, crops, fs)
            r[model.name] = signal.estimate_hr(signal.bandpass(pulse, fs_m, band_bpm[0] / 60, band_bpm[1] / 60),
                                               fs_m, band_bpm)
        rows.append(r)
    return pd.DataFrame(rows).set_index("clip")


def _resize(frame, size: int):
    import cv2

    return cv2.resize(frame, (size, size), interpolation=cv2.INTER_AREA)


def authors_table(root=None):
    """The bias-eval-rppg authors' own errors (``Results_Final_Main.csv``): MAE and subjects of each of their
    methods against the Masimo reference, per country and over both."""
    from ...data import bias_eval_author_results

    a = bias_eval_author_results(root)
    a = a[a.method != "Masimo"].assign(err=lambda d: (d.hr - d.reference_hr).abs())
    by_country = a.pivot_table(index="method", columns="country", values="err", aggfunc="mean")
    by_country["both"] = a.groupby("method")["err"].mean()
    by_country["subjects"] = a.groupby("method")["err"].size()
    return by_country.rename(columns=lambda c: c if c == "subjects" else f"MAE {c}")


def video_throughput(n_frames: int = 150):
    """Frames per second of the video front end on a 640x480 H.264 clip of ``n_frames`` (written by
    ``benchmarks/bench_video.py``'s ``make_video``): decoding alone, and decoding + Haar face tracking +
    the six ROI traces (detection every frame and every 10th frame at 320 px, the pipeline of
    ``rppg predict``), with each rate as a multiple of the clip's 30 fps."""
    import tempfile
    from pathlib import Path

    import pandas as pd

    from ... import video as V

    bench = _bench_module("bench_video")
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "face640.mp4")
        bench.make_video(path, int(n_frames))
        cases = {
            "decode only": lambda: [None for _ in V.iter_video_chunks(path, 64)],
            "decode + detect every frame + 6 ROIs": lambda: bench.pipeline(path, n_frames, 1),
            "decode + detect every 10th @320 px + 6 ROIs": lambda: bench.pipeline(path, n_frames, 10, 320),
        }
        rates = {name: bench.rate(fn, n_frames, 2) for name, fn in cases.items()}
    df = pd.DataFrame({"frames/s": rates})
    df["x real time (30 fps)"] = df["frames/s"] / bench.FPS
    df.index.name = f"{n_frames} frames, 640x480 H.264"
    return df


def simulator_speed(seconds: float = 3.0):
    """Frames per second of the simulator on one thread (``benchmarks/bench_synth.py``'s cases: resolution,
    codec, motion), best of one run of ``seconds`` per case, with the per-clip setup time. OpenCV's thread
    count is restored afterwards."""
    import contextlib
    import io

    import cv2
    import pandas as pd

    threads = cv2.getNumThreads()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            rows = _bench_module("bench_synth").run(float(seconds), 1)
    finally:
        cv2.setNumThreads(threads)
    df = pd.DataFrame(rows).set_index("case")
    return df.rename(columns={"frames": "frames rendered", "setup_s": "setup (s)", "fps": "frames/s"})


def record_metrics(summary, real, costs, friedman: dict, factors: dict, model_status, training=None) -> dict:
    """The run record's numbers: ``benchmark[preset][method] = {"mae", "rmse", "n" (videos), ...}``,
    ``sim_to_real[method] = {"mae", "n" (clips)}``, ``cost[method] = {"params", "latency_s_per_10s",
    "real_time_factor"}``, ``training[network] = {"batch", "s_per_step", "clips_per_s"}`` (from
    :func:`training_throughput`), the Friedman test, the error per factor level and the models' status."""
    bench: dict = {}
    for (preset, method), r in summary.iterrows():
        bench.setdefault(preset, {})[method] = {
            "mae": float(r["MAE"]), "rmse": float(r["RMSE"]), "n": int(r["videos"]), "windows": int(r["windows"]),
            "mae_low": float(r["MAE low"]), "mae_high": float(r["MAE high"]), "r": float(r["r"]),
            "within5": float(r["within 5 bpm"])}
    methods_real = [c for c in real.columns if c not in ("region", "seconds", "fps", "gt_hr")]
    sim_to_real = {m: {"mae": float((real[m] - real["gt_hr"]).abs().mean()), "n": int(real[m].notna().sum())}
                   for m in methods_real}
    train = {} if training is None else {
        m: {"batch": int(r["batch"]), "s_per_step": float(r["s per step"]), "clips_per_s": float(r["clips/s"])}
        for m, r in training.iterrows()}
    cost = {m: {"params": int(r["parameters"]), "latency_s_per_10s": float(r["latency per 10-s clip (ms)"]) / 1000,
                "real_time_factor": float(r["real-time factor"])} for m, r in costs.iterrows()}
    return {"benchmark": bench, "sim_to_real": sim_to_real, "cost": cost,
            "friedman": {"statistic": friedman["statistic"], "p": friedman["p"], "videos": friedman["videos"],
                         "methods": friedman["methods"], "mean_ranks": friedman["mean_ranks"].to_dict()},
            "by_factor": {f: {str(level): {m: float(v) for m, v in row.drop("videos").items()}
                              for level, row in t.iterrows()} for f, t in factors.items()},
            "training": train,
            "models": model_status["status"].to_dict()}


def data_source(table, real=None) -> str:
    """The data behind the chapter's numbers: the look-alikes' sessions, and the real clips."""
    parts = [f"{p} {g.video.nunique()} videos" for p, g in table.groupby("preset", sort=False)]
    text = "simulated (rppg_lib.synth look-alikes): " + ", ".join(parts)
    if real is not None:
        text += f"; real: bias-eval-rppg ({len(real)} face-skin clips, Masimo mean HR per subject)"
    return text

