"""Configuration of notebooks/yu2020.ipynb (Yu et al. 2020, AutoHR).

Face videos (Tables I-III, Fig. 4)
    preset, scenarios : the intra-dataset data (``vipl-like``; VIPL-HR's scenarios, one video per subject
        and scenario); preset_table2 : Table II's (``mahnob-like``); preset_table3 : the cross-dataset test
        set of Table III (``mmse-like``, never trained on).
    n_subjects, n_subjects_table2, n_subjects_table3 : subjects per data set (VIPL-HR 107, MAHNOB-HCI 27,
        MMSE-HR 40).
    duration_s, fps, frame_size (width, height), face_px, crop : how each video is rendered and cropped
        (a fixed enlarged face box, as App. B's first-frame box; ``boxes``: from the simulator, "truth",
        or the face detector, "detect").
    bframes : x264's B frames between reference frames (None: x264's default, 3). The picture quality
        follows the frame type, a cadence at fps / (bframes + 1): 6-7.5 Hz at VIPL-HR's 25-30 fps, but
        2.5 Hz (150 bpm) at 10 fps, inside the HR band; below 30 fps the profiles encode without B frames.
    data_overrides : simulator parameters changed in every data set of the tables and Fig. 4 (the
        book renders without the presets' video codecs and with a stronger pulse: at its small frame
        size the codecs remove the pulse, see the learning ladder); ``{}`` = the presets as they are.
Protocol
    folds, test_fold : subject-exclusive folds and the fold tested (the paper: 5 folds, ablations on
        fold 1; the book tests fold 1 of 3).
    test_clip_s : test clips of 10 s, a video's HR the mean over its clips (App. B).
Search (Sec. II-B, App. B)
    search_configs : the searched configurations, (cells, TDC in the space), ``"shared"``/``"varied"``.
    search_width, search_frames, search_batch, search_epochs, search_warmup, search_steps : initial
        channels, clip frames, batch, epochs, epochs with the architecture frozen, steps per epoch
        (None: one pass over the weights' half of the training videos).
Training (App. B)
    pool : the pools after blocks 1-3 of the AutoHR networks, "max" (the paper) or "avg" (the book: on 16 x 16
        crops the derived network with MaxPools did not learn within the budget, with average pools it did).
    train_width : channels of the derived networks (the search width doubled); clip_frames : training
        clip length; epochs, lr, weight_decay, batch_size : Adam; clips_per_video : clips drawn per
        training video and epoch (ours); physnet_width, physnet_epochs : PhysNet's (Fig. 4a, 4b, tables).
    thetas : theta of TDC swept in Fig. 4b (0 = PhysNet's plain convolution).
    ladder_rungs : how many rungs of :data:`~rppg_lib.papers.yu2020.experiment.LADDER` are trained;
        ladder_models : the recipes trained on the rungs other than the chapter's own data ("AutoHR",
        "PhysNet"; the book trains PhysNet only there, AutoHR costing eight times more per clip).
    seeds, threads : training seeds, torch threads.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """One profile's settings of this chapter (the module docstring says what each means)."""

    preset: str
    scenarios: tuple
    preset_table2: str
    preset_table3: str
    n_subjects: int
    n_subjects_table2: int
    n_subjects_table3: int
    duration_s: float
    fps: float
    frame_size: tuple
    face_px: float | None
    crop: int
    boxes: str
    bframes: int | None
    data_overrides: dict
    folds: int
    test_fold: int
    test_clip_s: float
    search_configs: tuple
    search_width: int
    search_frames: int
    search_batch: int
    search_epochs: int
    search_warmup: int
    search_steps: int | None
    pool: str
    train_width: int
    clip_frames: int
    epochs: int
    lr: float
    weight_decay: float
    batch_size: int
    clips_per_video: int
    physnet_width: int
    physnet_epochs: int
    thetas: tuple
    ladder_rungs: int
    ladder_models: tuple
    seeds: tuple
    threads: int


#: The four searches of Fig. 4c: (cells, TDC in the operation space).
_SEARCHES = (("shared", True), ("varied", True), ("shared", False), ("varied", False))
#: The book's rendering keeps the preset's motion and light but drops its codec, its sensor noise
#: and raises the pulse to 2 % (the learning ladder's first rung; see the chapter).
_BOOK_DATA = {"codec": None, "full_well_e": 0.0, "pulse_amplitude": 0.02}

_PROFILES = {
    "smoke": {
        "preset": "vipl-like", "scenarios": ("stable",), "preset_table2": "mahnob-like",
        "preset_table3": "mmse-like", "n_subjects": 6, "n_subjects_table2": 3, "n_subjects_table3": 2,
        "duration_s": 8.0, "fps": 10.0, "frame_size": (64, 48), "face_px": 32.0, "crop": 16, "boxes": "truth",
        "bframes": 0, "data_overrides": _BOOK_DATA, "folds": 3, "test_fold": 0, "test_clip_s": 3.2,
        "search_configs": _SEARCHES[:2], "search_width": 4, "search_frames": 32, "search_batch": 2,
        "search_epochs": 2, "search_warmup": 1, "search_steps": 1, "pool": "avg", "train_width": 8, "clip_frames": 32,
        "epochs": 1, "lr": 1e-3, "weight_decay": 5e-5, "batch_size": 2, "clips_per_video": 1,
        "physnet_width": 8, "physnet_epochs": 1, "thetas": (0.0, 1.0), "ladder_rungs": 2,
        "ladder_models": ("AutoHR", "PhysNet"), "seeds": (0,),
        "threads": 1,
    },
    # Measured on this machine (one thread, benchmarks/bench_yu2020.py sizes scaled down): on 16 x 16 x 64
    # clips a derived AutoHR network trains at about 13 clips/s, PhysNet of width 16 at about 100 and one
    # search step (width 4) at about 4 clips/s; two threads were many times slower on the shared cores.
    # At 128 x 96 the presets' H.264 / MJPEG codecs remove the pulse (POS errs more than the constant
    # answer), and with the subjects' own pulse neither network learned within the budget, so the tables
    # and Fig. 4 run on the ladder's first rung (lossless, 2 % pulse); the ladder shows the harder rungs.
    # The widths are the paper's (search 8, training 16): at 16 x 16 x 64 a derived network trains at the
    # same rate at width 8 and 16 (12.6 vs 13.0 clips/s, overhead-bound), and with the hybrid loss the
    # manual cell learned the 2 % pulse in 10 epochs of 64 clips at width 16 (clip MAE 0.2 bpm) but not in
    # 11 at width 8 (loss flat at 5.14).
    "book": {
        "preset": "vipl-like", "scenarios": ("stable", "large_motion"), "preset_table2": "mahnob-like",
        "preset_table3": "mmse-like", "n_subjects": 18, "n_subjects_table2": 15, "n_subjects_table3": 12,
        "duration_s": 20.0, "fps": 10.0, "frame_size": (128, 96), "face_px": 60.0, "crop": 16, "boxes": "truth",
        "bframes": 0, "data_overrides": _BOOK_DATA, "folds": 3, "test_fold": 0, "test_clip_s": 10.0,
        "search_configs": _SEARCHES[:3], "search_width": 8, "search_frames": 48, "search_batch": 2,
        "search_epochs": 4, "search_warmup": 2, "search_steps": 8, "pool": "avg", "train_width": 16,
        "clip_frames": 64, "epochs": 10, "lr": 1e-3, "weight_decay": 5e-5, "batch_size": 4, "clips_per_video": 3,
        "physnet_width": 16, "physnet_epochs": 15, "thetas": (0.0, 0.2, 0.5, 1.0), "ladder_rungs": 3,
        "ladder_models": ("PhysNet",), "seeds": (0,), "threads": 1,
    },
    "paper": {
        "preset": "vipl-like", "scenarios": ("stable", "large_motion", "talking", "dark", "bright", "far", "exercise",
                                             "phone_stable", "phone_moving"),
        "preset_table2": "mahnob-like", "preset_table3": "mmse-like", "n_subjects": 107, "n_subjects_table2": 27,
        "n_subjects_table3": 40, "duration_s": 30.0, "fps": 30.0, "frame_size": (960, 720), "face_px": 190.0,
        "crop": 112, "boxes": "detect", "bframes": None, "data_overrides": {},
        "folds": 5, "test_fold": 0, "test_clip_s": 10.0,
        "search_configs": _SEARCHES, "search_width": 8, "search_frames": 128, "search_batch": 2,
        "search_epochs": 12, "search_warmup": 5, "search_steps": None, "pool": "max", "train_width": 16,
        "clip_frames": 160,
        "epochs": 15, "lr": 1e-4, "weight_decay": 5e-5, "batch_size": 4, "clips_per_video": 1,
        "physnet_width": 64, "physnet_epochs": 15, "thetas": (0.0, 0.2, 0.4, 0.6, 0.8, 1.0), "ladder_rungs": 3,
        "ladder_models": ("AutoHR", "PhysNet"), "seeds": (0,), "threads": 2,
    },
}

#: One :class:`Settings` per profile, resolved by :func:`rppg_lib.profiles.resolve`.
SETTINGS = {name: Settings(**values) for name, values in _PROFILES.items()}
