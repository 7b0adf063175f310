"""Configuration of notebooks/deng_pruned_stven.ipynb (Deng & Ramakrishnan, pruned STVEN + rPPGNet).

Data: ``preset`` rendered for ``n_subjects`` subjects of ``duration_s`` at ``fps`` and
``frame_size`` (width, height) with a face of ``face_px``; face crops of ``crop`` x ``crop``
(simulator boxes, sticky 50 % margin); a subject-exclusive split with ``n_val`` validation and
``n_test`` test subjects; test clips of 10 s. ``pulse_amplitude`` None = the simulator's own.
``bframes``: x264's B frames between reference frames (None = x264's default, 3). The picture
quality follows the frame type, a cadence at fps / (bframes + 1): 15 Hz at MAHNOB-HCI's 61 fps,
but 3.75 Hz (225 bpm) at 15 fps, inside the HR band, where POS on still simulated faces peaked on
every video. Below 30 fps the profiles therefore encode without B frames.

Training: rPPGNet of ``width`` (64 in the paper's source), its loss (negative Pearson on the global,
part and auxiliary PPGs), AdamW at ``lr``, ``batch_size`` clips of ``clip_s`` seconds, ``epochs``,
once dense and once SNIP-pruned to ``keep`` of the conv weights, per seed in ``seeds``. The
learning ladder (``ladder``) trains the same recipe on easier data first.

Compression sweep: the trained dense and SNIP models on test subjects re-rendered with x264 at each
CRF of ``crf_levels`` (None = lossless). Resolution sweep: the same models on the test subjects
re-rendered (with their rung's codec) at the frame and face size times each of ``resolution_scales``.
STVEN in front of rPPGNet: ``stven_base`` channels (64 in
the paper's source), ``stven_epochs`` of joint training (0 = not run).

Memory and latency table: rPPGNet of ``latency_width`` on a 10-s clip of ``latency_size`` x
``latency_size`` pixels at ``latency_fps``, timed ``latency_repeats`` times after a warm-up on
``threads`` torch threads.

What ``book`` reduces from ``paper``: 16 subjects instead of MAHNOB-HCI's 27, 30-s recordings at
15 fps and 192 x 144 (MAHNOB: 780 x 580 at 61 fps), 32 x 32 crops (the paper's source: 128 x 128),
training clips of 64 frames (as the source) at 15 fps, 30 epochs at lr 1e-3 (ten times the source's
1e-4, so that about 90 optimiser steps can converge), one seed, STVEN of 8 base channels instead of
64 trained 8 epochs in front of the frozen rPPGNet on one compression level. rPPGNet keeps the
source's width 64. Measured: 31-43 s per rPPGNet training run when the cores were free, up to
449 s when another job shared them (two torch threads spin); STVEN 20 s for 8 epochs on free cores
(518 s for 20 epochs on shared ones, hence 8). The whole chapter warm (data cached) on two idle cores:
397 s; cold, about 100 videos of 30 s are rendered first (a few seconds each). On cores shared with
other book runs the same chapter took 26-55 min: run the book alone.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """One profile's settings of this chapter (the module docstring says what each means)."""

    preset: str
    n_subjects: int
    n_val: int
    n_test: int
    duration_s: float
    fps: float
    frame_size: tuple
    face_px: float
    crop: int
    pulse_amplitude: float | None
    bframes: int | None
    width: int
    clip_s: float
    batch_size: int
    lr: float
    epochs: int
    keep: float
    seeds: list
    ladder: bool
    crf_levels: list
    resolution_scales: list
    stven_base: int
    stven_epochs: int
    latency_width: int
    latency_size: int
    latency_fps: float
    latency_repeats: int
    threads: int


_PROFILES = {
    "smoke": {
        "preset": "mahnob-like", "n_subjects": 4, "n_val": 1, "n_test": 1, "duration_s": 12.0, "fps": 10.0,
        "frame_size": (96, 72), "face_px": 40.0, "crop": 16, "pulse_amplitude": None, "bframes": 0,
        "width": 8, "clip_s": 6.0, "batch_size": 2, "lr": 3e-3, "epochs": 1, "keep": 0.1, "seeds": [0],
        "ladder": True, "crf_levels": [None, 30], "resolution_scales": [1.0, 0.5],
        "stven_base": 4, "stven_epochs": 1,
        "latency_width": 8, "latency_size": 16, "latency_fps": 3.0, "latency_repeats": 1, "threads": 1,
    },
    "book": {
        "preset": "mahnob-like", "n_subjects": 16, "n_val": 2, "n_test": 4, "duration_s": 30.0, "fps": 15.0,
        "frame_size": (192, 144), "face_px": 72.0, "crop": 32, "pulse_amplitude": None, "bframes": 0,
        "width": 64, "clip_s": 64 / 15.0, "batch_size": 4, "lr": 1e-3, "epochs": 30, "keep": 0.1, "seeds": [0],
        "ladder": True, "crf_levels": [None, 18, 30], "resolution_scales": [1.0, 0.5, 0.25],
        "stven_base": 8, "stven_epochs": 8,
        "latency_width": 64, "latency_size": 64, "latency_fps": 30.0, "latency_repeats": 3, "threads": 2,
    },
    # MAHNOB-HCI: 27 subjects, 780 x 580 at 61 fps; the STVEN / rPPGNet source crops 128 x 128 faces and
    # trains 64-frame clips; width 64 and STVEN base 64 are the public code's. For a GPU, never run here.
    "paper": {
        "preset": "mahnob-like", "n_subjects": 27, "n_val": 3, "n_test": 6, "duration_s": 60.0, "fps": 61.0,
        "frame_size": (780, 580), "face_px": 150.0, "crop": 128, "pulse_amplitude": None, "bframes": None,
        "width": 64, "clip_s": 64 / 61.0, "batch_size": 2, "lr": 1e-4, "epochs": 15, "keep": 0.1,
        "seeds": [0, 1, 2], "ladder": True, "crf_levels": [None, 18, 24, 30], "resolution_scales": [1.0, 0.5, 0.25],
        "stven_base": 64, "stven_epochs": 15,
        "latency_width": 64, "latency_size": 128, "latency_fps": 61.0, "latency_repeats": 5, "threads": 2,
    },
}

#: One :class:`Settings` per profile, resolved by :func:`rppg_lib.profiles.resolve`.
SETTINGS = {name: Settings(**values) for name, values in _PROFILES.items()}
