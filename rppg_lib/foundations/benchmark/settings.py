"""Settings of the benchmark chapter (``notebooks/benchmark.ipynb``) per profile.

``presets``: the look-alikes benchmarked, each with the sessions of the profile's look-alike
(:data:`rppg_lib.lookalike.LOOKALIKES`, so the rendered sessions are shared with the other chapters);
``max_subjects``: keep at most this many subjects of each look-alike (None = all of them);
``window_s`` / ``step_s``: length and step of the HR windows; ``band_bpm``: the HR band of the
spectral peak; ``latency_repeats``: timed calls per method for the latency (median after a warm-up);
``sim_seconds``: length of each simulator speed clip; ``video_frames``: frames of the video
throughput clip; ``real_seconds``: seconds of each real clip used (None = all).
"""
from dataclasses import dataclass

_PRESETS = ("ubfc-like", "pure-like", "cohface-like", "mahnob-like", "vipl-like", "mmse-like")


@dataclass(frozen=True)
class Settings:
    """One profile's settings of this chapter (the module docstring says what each means)."""

    presets: tuple
    max_subjects: int | None
    window_s: float
    step_s: float
    band_bpm: tuple
    latency_repeats: int
    sim_seconds: float
    video_frames: int
    real_seconds: float | None


_PROFILES = {
    # smoke look-alikes are 6-10 s long: one 6-s window per video.
    "smoke": {"presets": _PRESETS, "max_subjects": 2, "window_s": 6.0, "step_s": 6.0, "band_bpm": (42.0, 240.0),
              "latency_repeats": 3, "sim_seconds": 0.5, "video_frames": 60, "real_seconds": 20.0},
    "book": {"presets": _PRESETS, "max_subjects": None, "window_s": 30.0, "step_s": 30.0, "band_bpm": (42.0, 240.0),
             "latency_repeats": 10, "sim_seconds": 3.0, "video_frames": 150, "real_seconds": None},
    "paper": {"presets": _PRESETS, "max_subjects": None, "window_s": 30.0, "step_s": 15.0, "band_bpm": (42.0, 240.0),
              "latency_repeats": 20, "sim_seconds": 10.0, "video_frames": 300, "real_seconds": None},
}

#: One :class:`Settings` per profile, resolved by :func:`rppg_lib.profiles.resolve`.
SETTINGS = {name: Settings(**values) for name, values in _PROFILES.items()}
