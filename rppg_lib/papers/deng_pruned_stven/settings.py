"""Configuration of notebooks/deng_pruned_stven.ipynb (Deng & Ramakrishnan, pruned STVEN + rPPGNet).

Data: ``look``, the profile's look-alike of MAHNOB-HCI (:func:`rppg_lib.lookalike.lookalike`: the
``mahnob-like`` preset at its native face size of 150 px, 61 fps, x264 CRF 18 and sensor noise; a profile
cuts only subjects, length down to the 30-s protocol and the field of view), read through the one clip
pipeline (:func:`rppg_lib.clips.lookalike_clips`): sticky face crops (simulator boxes, 50 % margin)
area-resized *after decoding* to ``crop`` x ``crop`` and block-averaged in time to about ``fps`` (61 / 4 =
15.25 fps at ``fps`` 15). A subject-exclusive split with ``n_val`` validation and ``n_test`` test subjects;
HR per test clip of ``test_clip_s`` seconds.

Training: rPPGNet of ``width`` (64 in the paper's source), its loss (negative Pearson on the global,
part and auxiliary PPGs), AdamW at ``lr``, ``batch_size`` clips of ``clip_s`` seconds, ``epochs``,
once dense and once SNIP-pruned to ``keep`` of the conv weights, per seed in ``seeds``. The
learning ladder trains the dense model with the same recipe on the easier rungs named in ``ladder``
(keys of :data:`rppg_lib.ladder.RUNGS`; the look-alike itself is always the top rung): a diagnosis,
never where a claim is decided.

Compression sweep: the trained dense and SNIP models on the test subjects re-rendered with x264 at each
CRF of ``crf_levels`` (None = lossless; the preset's own CRF is the look-alike). Resolution sweep: the
same models on the test subjects re-rendered with the face (and the window around it) times each of
``resolution_scales`` (1 = the look-alike); the crops are resized to ``crop`` after decoding, as always.
Both are overrides on the look-alike, not look-alikes themselves (no fidelity entry). STVEN in front of
rPPGNet: ``stven_base`` channels (64 in the paper's source), ``stven_epochs`` of training (0 = not run)
on the first ``stven_subjects`` training subjects rendered lossless and at the strongest CRF.

Memory and latency table: rPPGNet of ``latency_width`` on a 10-s clip of ``latency_size`` x
``latency_size`` pixels at ``latency_fps``, timed ``latency_repeats`` times after a warm-up on
``threads`` torch threads.

What ``book`` reduces from ``paper``: 16 subjects instead of MAHNOB-HCI's 27, a window of 2.5 face sizes
around the face instead of the whole 780 x 580 frame (the face keeps its 150 px), 32 x 32 network crops at
15.25 fps after decoding (the paper's source: 128 x 128 at the native rate), training clips of 64 frames
(as the source), 100 epochs at lr 1e-3 (ten times the source's 1e-4; 10 training videos in batches of 4,
so 300 optimiser steps), one seed, STVEN of 8 base channels instead of 64 on three training subjects, and no
easier ladder rung (each would re-render all 16 sessions: the ladder runs at ``paper``; smoke runs one rung
to keep the code path tested). rPPGNet keeps the source's width 64.

Measured on the book look-alike (seed 0, one torch thread, two cores shared with other jobs): with 30
epochs neither model learned (MAE 29.2 dense, 26.9 SNIP against the constant answer's 11.9 and POS's 10.7
on the same 12 test clips; the training loss starts falling only after about 35 epochs); with 100 epochs
both learned by the one rule (dense 0.95 bpm, best epoch 84; SNIP 1.51 bpm, best epoch 97, its loss falling
only in the last 20 epochs); 60 epochs in batches of 2 left the dense model at 6.2 bpm. One 100-epoch
run took 547 CPU seconds (about 24 min of wall time on the shared cores). Those runs had the look-alike's
earlier 0.4 % median pulse; after mahnob-like got its own (0.8 %, simulator version 6) the same settings
gave dense 5.12 bpm (ratio 0.43 to the constant's 11.9, but its interval over the 12 clips crosses 0: not
learned by the rule) and SNIP 0.39 (learned), POS 0.97; the chapter took 23.4 min.
"""
from dataclasses import dataclass

from ...lookalike import LookAlike, lookalike


@dataclass(frozen=True)
class Settings:
    """One profile's settings of this chapter (the module docstring says what each means)."""

    look: LookAlike
    n_val: int
    n_test: int
    crop: int
    fps: float
    test_clip_s: float
    width: int
    clip_s: float
    batch_size: int
    lr: float
    epochs: int
    keep: float
    seeds: list
    ladder: tuple
    crf_levels: list
    resolution_scales: list
    stven_base: int
    stven_epochs: int
    stven_subjects: int
    latency_width: int
    latency_size: int
    latency_fps: float
    latency_repeats: int
    threads: int

    @property
    def preset(self) -> str:
        return self.look.preset


_PROFILES = {
    # the smoke look-alike (3 subjects of 8 s) shared with the other chapters' smoke runs
    "smoke": {
        "look": lookalike("mahnob-like", "smoke"), "n_val": 1, "n_test": 1, "crop": 16, "fps": 15.0,
        "test_clip_s": 4.0, "width": 8, "clip_s": 3.0, "batch_size": 2, "lr": 3e-3, "epochs": 1, "keep": 0.1,
        "seeds": [0], "ladder": ("lossless, 2 % pulse, no noise",), "crf_levels": [None, 30],
        "resolution_scales": [1.0, 0.5], "stven_base": 4, "stven_epochs": 1, "stven_subjects": 1,
        "latency_width": 8, "latency_size": 16, "latency_fps": 3.0, "latency_repeats": 1, "threads": 1,
    },
    "book": {
        "look": lookalike("mahnob-like", "book"), "n_val": 2, "n_test": 4, "crop": 32, "fps": 15.0,
        "test_clip_s": 10.0, "width": 64, "clip_s": 64 / 15.25, "batch_size": 4, "lr": 1e-3, "epochs": 100,
        "keep": 0.1, "seeds": [0], "ladder": (), "crf_levels": [None, 18, 30],
        "resolution_scales": [1.0, 0.5, 0.25], "stven_base": 8, "stven_epochs": 8, "stven_subjects": 3,
        "latency_width": 64, "latency_size": 64, "latency_fps": 30.0, "latency_repeats": 3, "threads": 2,
    },
    # MAHNOB-HCI: 27 subjects, 780 x 580 at 61 fps; the STVEN / rPPGNet source crops 128 x 128 faces and
    # trains 64-frame clips; width 64 and STVEN base 64 are the public code's. For a GPU, never run here.
    "paper": {
        "look": lookalike("mahnob-like", "paper"), "n_val": 3, "n_test": 6, "crop": 128, "fps": 61.0,
        "test_clip_s": 10.0, "width": 64, "clip_s": 64 / 61.0, "batch_size": 2, "lr": 1e-4, "epochs": 15,
        "keep": 0.1, "seeds": [0, 1, 2], "ladder": ("lossless, 2 % pulse, no noise", "lossless, 2 % pulse",
                                                   "2 % pulse"),
        "crf_levels": [None, 18, 24, 30], "resolution_scales": [1.0, 0.5, 0.25], "stven_base": 64,
        "stven_epochs": 15, "stven_subjects": 18,
        "latency_width": 64, "latency_size": 128, "latency_fps": 61.0, "latency_repeats": 5, "threads": 2,
    },
}

#: One :class:`Settings` per profile, resolved by :func:`rppg_lib.profiles.resolve`.
SETTINGS = {name: Settings(**values) for name, values in _PROFILES.items()}
