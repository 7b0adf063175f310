"""Configuration of notebooks/yu2020.ipynb (Yu et al. 2020, AutoHR).

Face videos (Tables I-III, Fig. 4): the look-alikes (:mod:`rppg_lib.lookalike`)
    preset, scenarios : the intra-dataset data, the ``vipl-like`` look-alike of the profile and the scenarios it
        keeps (None: the look-alike's own, every scenario of it); preset_table2 : Table II's (``mahnob-like``);
        preset_table3 : the cross-dataset test set of Table III (``mmse-like``, never trained on).
    n_subjects, n_subjects_table2, n_subjects_table3 : subjects kept of each look-alike (None: all of the
        look-alike's; a profile may cut subjects, never the difficulty: face pixels, frame rate, codec, noise,
        pulse, motion and light stay the real dataset's).
    fps, crop : what the network sees, made only after decoding (:func:`rppg_lib.clips.lookalike_clips`): a block
        mean of consecutive frames down to about ``fps`` (None: the native 25 fps) and the sticky face crop (the face
        box enlarged by half its size on each side, as App. B's enlarged first-frame box) area-resized to ``crop``.
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
    ladder_rungs : the rungs of :data:`rppg_lib.ladder.RUNGS` trained, easy to hard (the top rung,
        "look-alike", is the chapter's own data and reuses its runs); ladder_scenarios : the look-alike's scenarios
        the easy rungs render (None: all; each easy rung renders its sessions anew); ladder_models : the recipes
        trained on the easy rungs ("AutoHR", "PhysNet").
    seeds : training seeds (offsets from the notebook's ``seed``) of AutoHR and PhysNet in Tables I-III and the
        learning record; the ablations of Fig. 4 train the first only. threads : torch threads.
    render_workers : processes that render the look-alike sessions not yet cached (one core each).
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """One profile's settings of this chapter (the module docstring says what each means)."""

    preset: str
    scenarios: tuple | None
    preset_table2: str
    preset_table3: str
    n_subjects: int | None
    n_subjects_table2: int | None
    n_subjects_table3: int | None
    fps: float | None
    crop: int
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
    ladder_rungs: tuple
    ladder_scenarios: tuple | None
    ladder_models: tuple
    seeds: tuple
    threads: int
    render_workers: int


#: The four searches of Fig. 4c: (cells, TDC in the operation space).
_SEARCHES = (("shared", True), ("varied", True), ("shared", False), ("varied", False))
#: The learning ladder's rungs (:data:`rppg_lib.ladder.RUNGS`), easy to the look-alike.
_RUNGS = ("lossless, 2 % pulse, no noise", "lossless, 2 % pulse", "2 % pulse", "look-alike")

_PROFILES = {
    "smoke": {
        "preset": "vipl-like", "scenarios": None, "preset_table2": "mahnob-like", "preset_table3": "mmse-like",
        "n_subjects": None, "n_subjects_table2": None, "n_subjects_table3": None, "fps": 12.5, "crop": 16,
        "folds": 3, "test_fold": 0, "test_clip_s": 3.2,
        "search_configs": _SEARCHES[:2], "search_width": 4, "search_frames": 40, "search_batch": 2,
        "search_epochs": 2, "search_warmup": 1, "search_steps": 1, "pool": "avg", "train_width": 8, "clip_frames": 40,
        "epochs": 1, "lr": 1e-3, "weight_decay": 5e-5, "batch_size": 2, "clips_per_video": 1,
        "physnet_width": 8, "physnet_epochs": 1, "thetas": (0.0, 1.0), "ladder_rungs": (_RUNGS[0], _RUNGS[-1]),
        "ladder_scenarios": None, "ladder_models": ("AutoHR", "PhysNet"), "seeds": (0,), "threads": 1,
        "render_workers": 1,
    },
    # Measured on this machine (one thread, benchmarks/bench_yu2020.py sizes scaled down): on 16 x 16 x 64
    # clips a derived AutoHR network trains at about 13 clips/s, PhysNet of width 16 at about 100 and one
    # search step (width 4) at about 4 clips/s; two threads were many times slower on the shared cores.
    # The widths are the paper's (search 8, training 16): at 16 x 16 x 64 a derived network trains at the
    # same rate at width 8 and 16 (12.6 vs 13.0 clips/s, overhead-bound).
    # The data are the vipl-like look-alike of the book profile (4 subjects x VIPL-HR's 7 scenarios, 30 s at
    # 25 fps, the native face size and codec); the network sees 16 x 16 crops at 12.5 fps (64-frame clips are
    # 5.1 s, the paper's 160 frames at 30 fps 5.3 s). Measured with these settings (fold 1: 14 training and 14
    # test videos, constant answer 31.3 bpm MAE, POS on the crops 19.9): neither AutoHR (DA1 + DA2) nor PhysNet
    # (time loss) learned on the look-alike in any of 3 seeds (training losses at chance); both learned on the
    # ladder's lossless rungs with a 2 % pulse (with and without sensor noise). With four times the clips per
    # epoch (clips_per_video 12, about 4x the training time) PhysNet with the hybrid loss and the searched network
    # without augmentation learned (seed 0), AutoHR with DA1 + DA2 and PhysNet with the time loss did not.
    # The easy rungs render the 28 sessions anew (lossless: about 9 s of CPU each; the look-alike's x264 about 37).
    # Re-measured after vipl-like got its own median pulse (0.55 %, simulator version 6; the chapter took 31.5 min
    # cold): constant 31.3, POS 16.2 on the test videos; AutoHR 48.3 / 53.9 / 48.4 and PhysNet 60.0 / 52.1 / 54.8
    # (3 seeds, none learned); on the lossless rungs PhysNet learned (10.1, 10.1) and AutoHR did not (27.1, 33.8);
    # PhysNet with TDC (hybrid loss, Fig. 4b) learned at theta 0.2 / 0.5 / 1 (23.0, 14.3, 13.4), not at 0 (55.3).
    "book": {
        "preset": "vipl-like", "scenarios": None, "preset_table2": "mahnob-like", "preset_table3": "mmse-like",
        "n_subjects": None, "n_subjects_table2": None, "n_subjects_table3": None, "fps": 12.5, "crop": 16,
        "folds": 3, "test_fold": 0, "test_clip_s": 10.0,
        "search_configs": _SEARCHES[:3], "search_width": 8, "search_frames": 48, "search_batch": 2,
        "search_epochs": 4, "search_warmup": 2, "search_steps": 8, "pool": "avg", "train_width": 16,
        "clip_frames": 64, "epochs": 10, "lr": 1e-3, "weight_decay": 5e-5, "batch_size": 4, "clips_per_video": 3,
        "physnet_width": 16, "physnet_epochs": 15, "thetas": (0.0, 0.2, 0.5, 1.0),
        "ladder_rungs": (_RUNGS[0], _RUNGS[1], _RUNGS[-1]), "ladder_scenarios": None,
        "ladder_models": ("AutoHR", "PhysNet"), "seeds": (0, 1, 2), "threads": 1, "render_workers": 2,
    },
    "paper": {
        "preset": "vipl-like", "scenarios": None, "preset_table2": "mahnob-like", "preset_table3": "mmse-like",
        "n_subjects": None, "n_subjects_table2": None, "n_subjects_table3": None, "fps": None, "crop": 112,
        "folds": 5, "test_fold": 0, "test_clip_s": 10.0,
        "search_configs": _SEARCHES, "search_width": 8, "search_frames": 128, "search_batch": 2,
        "search_epochs": 12, "search_warmup": 5, "search_steps": None, "pool": "max", "train_width": 16,
        "clip_frames": 160,
        "epochs": 15, "lr": 1e-4, "weight_decay": 5e-5, "batch_size": 4, "clips_per_video": 1,
        "physnet_width": 64, "physnet_epochs": 15, "thetas": (0.0, 0.2, 0.4, 0.6, 0.8, 1.0), "ladder_rungs": _RUNGS,
        "ladder_scenarios": None, "ladder_models": ("AutoHR", "PhysNet"), "seeds": (0,), "threads": 2,
        "render_workers": 8,
    },
}

#: One :class:`Settings` per profile, resolved by :func:`rppg_lib.profiles.resolve`.
SETTINGS = {name: Settings(**values) for name, values in _PROFILES.items()}
