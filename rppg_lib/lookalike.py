"""Look-alike datasets: a simulator preset rendered as hard as the real dataset it stands for.

A look-alike keeps what decides how hard the pulse is to read at the real dataset's values:
the pixel scale of the face (face size in pixels), the frame rate, the codec and its settings,
the sensor noise, the pulse-amplitude distribution, motion and lighting (all from the preset,
:data:`rppg_lib.synth.PRESETS`). A profile may cut only what does not change difficulty:

- the number of subjects and scenarios (sessions);
- the length of a video, down to what the published protocol evaluates (:data:`PROTOCOLS`);
- the field of view: a window of :data:`WINDOW_FACES` face sizes around the face, rendered at
  the native pixel scale, instead of the whole frame (the face keeps its codec macroblocks and
  its pixel count; the background it loses is what the face crop throws away anyway).

Networks get smaller inputs only *after* decoding, the way real pipelines crop and resize
(:func:`rppg_lib.clips.lookalike_clips`). :data:`LOOKALIKES` holds one look-alike per preset
and profile, shared by every chapter (the rendered sessions are cached once for all of them).

:data:`PROTOCOLS` says how each real dataset's published classical error was measured, and
:func:`fidelity_rows` puts our POS / CHROM error on a look-alike beside it; the claims engine
decides accuracy claims only on data whose ratio lies in
:data:`rppg_lib.claims.FIDELITY_RATIO_RANGE` (:func:`rppg_lib.claims.fidelity_precondition`).
:data:`DATASETS` says which real dataset each preset stands for (the only place this is written);
the published numbers about those datasets (:func:`anchors`, :func:`anchor`) live beside this module
in ``lookalike_anchors.csv``.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["WINDOW_FACES", "DATASETS", "Protocol", "PROTOCOLS", "LookAlike", "LOOKALIKES", "lookalike",
           "window_size", "protocol_hr", "protocol_error", "anchors", "anchor", "fidelity_rows", "ANCHORS_PATH",
           "ANCHOR_TABLE", "HR_CHANGE_TOLERANCE_BPM"]

#: Side of the rendered window around the face, in face sizes (the face box is a third of it): room for
#: the 50 % margin crops of the 3-D CNN chapters, the rPPG-Toolbox's 1.5x box and the preset's motion.
WINDOW_FACES = 2.5

#: The real dataset each look-alike preset stands for: the one place this map is written.
DATASETS: dict[str, str] = {"ubfc-like": "UBFC-rPPG", "pure-like": "PURE", "cohface-like": "COHFACE",
                            "mahnob-like": "MAHNOB-HCI", "vipl-like": "VIPL-HR", "mmse-like": "MMSE-HR"}

#: The published numbers about the real datasets (same columns as a chapter's ``numbers.csv``, ``column`` the
#: dataset): tables ``fidelity anchors`` (classical errors), ``mean predictor`` (the error of always answering
#: the mean HR) and ``HR changes`` (how far the HR moves in 10 s), each row with its source.
ANCHORS_PATH = Path(__file__).with_name("lookalike_anchors.csv")
#: The table of the published classical errors (:func:`anchors`, :func:`fidelity_rows`).
ANCHOR_TABLE = "fidelity anchors"
#: "About the real datasets' median 10-s HR change": within this many bpm of it (table ``HR changes``).
HR_CHANGE_TOLERANCE_BPM = 1.0


@dataclass(frozen=True)
class Protocol:
    """How a real dataset's published classical error was measured.

    dataset : the real dataset; clip_s : seconds of each video evaluated (one HR per video);
    band_hz : HR band of the spectral peak; spectrum : ``"periodogram"`` (the rPPG-Toolbox's FFT) or
    ``"welch"``; roi : the mean colour of the fixed first-frame Haar box enlarged 1.5x (the rPPG-Toolbox's
    unsupervised protocol; the other sources give no ROI, and we use the same one).
    """

    dataset: str
    clip_s: float
    band_hz: tuple = (0.75, 2.5)
    spectrum: str = "periodogram"
    roi: str = "toolbox"


PROTOCOLS: dict[str, Protocol] = {
    # rPPG-Toolbox (Liu et al. 2023): one FFT HR per whole video, 0.75-2.5 Hz; UBFC-rPPG videos are 1-2 min
    "ubfc-like": Protocol(DATASETS["ubfc-like"], 60.0),
    # same source; PURE's videos are 1 min per task
    "pure-like": Protocol(DATASETS["pure-like"], 60.0),
    # PhysBench: whole 1-min video, Welch spectrum
    "cohface-like": Protocol(DATASETS["cohface-like"], 60.0, spectrum="welch"),
    # Yu et al. 2020 Table II: the 30-s clips (frames 306-2135) of MAHNOB-HCI, one HR per video
    "mahnob-like": Protocol(DATASETS["mahnob-like"], 30.0, band_hz=(0.7, 4.0)),
    # Yu et al. 2020 Table I: VIPL-HR videos (about 30 s), one HR per video
    "vipl-like": Protocol(DATASETS["vipl-like"], 30.0, band_hz=(0.7, 4.0)),
    # Yu et al. 2020 Table III: MMSE-HR videos (about 30 s), one HR per video
    "mmse-like": Protocol(DATASETS["mmse-like"], 30.0, band_hz=(0.7, 4.0)),
}


@dataclass(frozen=True)
class LookAlike:
    """One look-alike of a preset at one profile: which sessions, how long, which field of view.

    preset : a key of :data:`rppg_lib.synth.PRESETS`; n_subjects : subjects 0 .. n-1;
    scenarios : the preset's scenarios each subject is recorded in (``(None,)`` = the preset's first);
    duration_s : seconds per video (never below the protocol's ``clip_s``); window_faces : the field of
    view in face sizes (None = the preset's whole frame); seed : the session seed of the first scenario
    (scenario ``k`` is its own session, seed ``seed + k``).
    """

    preset: str
    n_subjects: int
    duration_s: float
    scenarios: tuple = (None,)
    window_faces: float | None = WINDOW_FACES
    seed: int = 0

    def __post_init__(self):
        from .synth import PRESETS

        if self.preset not in PRESETS:
            raise ValueError(f"unknown preset {self.preset!r}; valid presets: {list(PRESETS)}")
        if self.n_subjects < 1:
            raise ValueError(f"n_subjects must be at least 1, got {self.n_subjects}")
        if not self.duration_s > 0:
            raise ValueError(f"duration_s must be positive, got {self.duration_s}")

    @property
    def protocol(self) -> Protocol | None:
        """The published protocol of the real dataset (None for a preset without an anchor)."""
        return PROTOCOLS.get(self.preset)

    def overrides(self, scenario=None) -> dict:
        """Simulator overrides of one scenario: only the window (width, height) and the duration; face
        size, frame rate, codec, noise, pulse, motion and light stay the preset's."""
        out = {"duration_s": float(self.duration_s)}
        if scenario is not None:
            out["scenario"] = scenario
        if self.window_faces is not None:
            out["width"], out["height"] = window_size(self.preset, self.window_faces, scenario)
        return out

    def sessions(self) -> list[tuple[int, object, int]]:
        """``(subject, scenario, session seed)`` of every video, scenario by scenario."""
        return [(s, sc, self.seed + k) for k, sc in enumerate(self.scenarios) for s in range(self.n_subjects)]

    @property
    def name(self) -> str:
        return f"{self.preset} look-alike"


def window_size(preset: str, faces: float = WINDOW_FACES, scenario=None) -> tuple[int, int]:
    """(width, height) of a square window of ``faces`` face sizes at the preset's pixel scale, in
    multiples of 16 (whole codec macroblocks), never larger than the preset's frame."""
    from .synth.presets import resolve

    p = resolve(preset, {} if scenario is None else {"scenario": scenario})
    side = int(math.ceil(faces * float(p["face_px"]) / 16.0) * 16)
    return min(side, int(p["width"]) // 2 * 2), min(side, int(p["height"]) // 2 * 2)


_ALL_PURE = ("steady", "talking", "slow_translation", "fast_translation", "small_rotation", "medium_rotation")
_VIPL = ("stable", "large_motion", "talking", "dark", "bright", "far", "exercise")

#: The look-alike of each preset at each profile. ``book`` cuts subjects, scenarios and the field of view
#: (and lengths to the protocol's), never the difficulty; ``paper`` renders the datasets' sizes, whole frames.
LOOKALIKES: dict[str, dict[str, LookAlike]] = {
    "smoke": {
        "ubfc-like": LookAlike("ubfc-like", 3, 10.0),
        "pure-like": LookAlike("pure-like", 2, 10.0, ("steady", "fast_translation")),
        "cohface-like": LookAlike("cohface-like", 2, 10.0, ("studio", "natural")),
        "mahnob-like": LookAlike("mahnob-like", 3, 8.0),
        "vipl-like": LookAlike("vipl-like", 3, 8.0),
        "mmse-like": LookAlike("mmse-like", 2, 6.0),
    },
    "book": {
        "ubfc-like": LookAlike("ubfc-like", 16, 60.0),
        "pure-like": LookAlike("pure-like", 8, 60.0, ("steady", "talking", "fast_translation", "medium_rotation")),
        "cohface-like": LookAlike("cohface-like", 10, 60.0, ("studio", "natural")),
        "mahnob-like": LookAlike("mahnob-like", 16, 30.0),
        "vipl-like": LookAlike("vipl-like", 4, 30.0, _VIPL),
        "mmse-like": LookAlike("mmse-like", 10, 30.0),
    },
    "paper": {
        "ubfc-like": LookAlike("ubfc-like", 42, 60.0, window_faces=None),
        "pure-like": LookAlike("pure-like", 10, 60.0, _ALL_PURE, window_faces=None),
        "cohface-like": LookAlike("cohface-like", 40, 60.0, ("studio", "natural"), window_faces=None),
        "mahnob-like": LookAlike("mahnob-like", 27, 30.0, window_faces=None),
        "vipl-like": LookAlike("vipl-like", 107, 30.0, _VIPL, window_faces=None),
        "mmse-like": LookAlike("mmse-like", 40, 30.0, window_faces=None),
    },
}


def lookalike(preset: str, profile: str = "book", **changes) -> LookAlike:
    """The look-alike of ``preset`` at ``profile``, with ``changes`` (fields of :class:`LookAlike`)."""
    if profile not in LOOKALIKES:
        raise ValueError(f"unknown profile {profile!r}; valid: {list(LOOKALIKES)}")
    if preset not in LOOKALIKES[profile]:
        raise ValueError(f"no look-alike of {preset!r}; presets with one: {list(LOOKALIKES[profile])}")
    return dataclasses.replace(LOOKALIKES[profile][preset], **changes)


def protocol_hr(pulse, fs: float, protocol: Protocol) -> float:
    """HR (bpm) of one video's pulse (or reference PPG) under ``protocol``: smoothness-priors detrending
    (lambda 100), a first-order zero-phase band-pass over ``band_hz`` and the spectral peak in the band
    (periodogram or Welch)."""
    from . import signal as sig

    x = sig.detrend(np.asarray(pulse, float), 100.0)
    x = sig.bandpass(x, fs, protocol.band_hz[0], protocol.band_hz[1], order=1)
    method = "welch" if protocol.spectrum == "welch" else "psd"
    return sig.estimate_hr(x, fs, (60.0 * protocol.band_hz[0], 60.0 * protocol.band_hz[1]), method=method)


def protocol_error(rgb, ppg, fs: float, protocol: Protocol, method: str) -> tuple[float, float]:
    """``(estimated HR, reference HR)`` of one video: classical ``method`` on its ``rgb`` trace, reference
    from its PPG, both through :func:`protocol_hr` over the protocol's first ``clip_s`` seconds."""
    from . import methods

    n = min(len(rgb), int(round(protocol.clip_s * fs)))
    pulse = methods.apply_method(method, np.asarray(rgb[:n], float), fs)
    return protocol_hr(pulse, fs, protocol), protocol_hr(np.asarray(ppg[:n], float), fs, protocol)


def _anchor_rows(table: str):
    from .results import read_numbers

    rows = read_numbers(ANCHORS_PATH)
    rows = rows[rows["table"] == table].reset_index(drop=True)
    if rows.empty:
        raise KeyError(f"no table {table!r} in {ANCHORS_PATH.name}")
    return rows


def anchors():
    """The published classical errors on the real datasets (a DataFrame: ``dataset, method, metric,
    value, source``), table ``fidelity anchors`` of ``lookalike_anchors.csv``."""
    t = _anchor_rows(ANCHOR_TABLE)
    return t.rename(columns={"column": "dataset", "row": "method", "unit": "metric", "note": "source"})


def anchor(table: str, row: str, dataset: str) -> float:
    """One published number of ``lookalike_anchors.csv``, e.g. ``anchor("mean predictor", "RMSE",
    DATASETS["ubfc-like"])``; ``KeyError`` unless it is there exactly once."""
    rows = _anchor_rows(table)
    hit = rows[(rows["row"] == row) & (rows["column"] == dataset)]
    if len(hit) != 1:
        raise KeyError(f"{len(hit)} numbers for {table!r} / {row!r} / {dataset!r} in {ANCHORS_PATH.name}")
    return float(hit["value"].iloc[0])


def fidelity_rows(preset: str, abs_errors: dict) -> dict:
    """Our classical errors on a look-alike beside the published ones on its real dataset.

    ``abs_errors``: method name (``"POS"``, ``"CHROM"``, ...) -> per-video absolute errors under the
    preset's protocol. Returns ``{method: {"ours", "published", "metric", "source", "ratio"}}`` for the
    methods with a published number (MAE where one is published, else RMSE), the layout of the run records'
    ``metrics["fidelity"][preset]`` and of :func:`rppg_lib.claims.fidelity_precondition`.
    """
    protocol = PROTOCOLS.get(preset)
    if protocol is None:
        return {}
    table = anchors()
    table = table[table.dataset == protocol.dataset]
    out = {}
    for method, errors in abs_errors.items():
        rows = table[table.method == method]
        if rows.empty:
            continue
        e = np.asarray(errors, float)
        for metric in ("MAE", "RMSE"):
            hit = rows[rows.metric.str.upper().str.contains(metric)]
            if not hit.empty:
                row = hit.iloc[0]
                ours = float(np.mean(np.abs(e))) if metric == "MAE" else float(np.sqrt(np.mean(e ** 2)))
                pub = float(row["value"])
                out[method] = {"ours": ours, "published": pub, "metric": metric.lower(),
                               "source": str(row["source"]), "ratio": ours / pub if pub > 0 else math.nan}
                break
    return out
