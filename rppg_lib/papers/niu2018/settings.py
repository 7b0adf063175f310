"""Configuration of notebooks/niu2018.ipynb (Niu et al. 2018, SynRhythm).

Face videos (Tables I, III, IV; Fig. 5-7)
    preset : simulated dataset (``mahnob-like``); preset_table2 : the one of Table II (``mmse-like``).
    n_subjects, videos_per_subject : MAHNOB-HCI has 27 subjects and 527 usable 30-s videos.
    duration_s, fps, frame_size (width, height), face_px : how each video is rendered.
    bframes : x264's B frames between reference frames (None: x264's default, 3). The picture quality
        follows the frame type, a cadence at fps / (bframes + 1): 15 Hz at MAHNOB-HCI's 61 fps, but
        3.75 Hz (225 bpm) at 15 fps, inside the HR band, where POS on still simulated faces peaked on
        every video. Below 30 fps the profiles therefore encode without B frames.
    table2_subjects, table2_videos_per_subject, table2_frame_size, table2_face_px : the same for Table II's
        videos (MMSE-HR: 40 subjects, 102 videos, 1040 x 1392 portrait frames at 25 fps); their duration
        and frame rate are Table I's, so the synthetic pretraining serves both tables.
    boxes : face boxes from the simulator (``"truth"``) or the Haar detector (``"detect"``).
    cheek : the cheek region from the face box (``"box"``) or placed from the eyes (``"eyes"``); the
        paper uses 81 landmarks (no landmark model ships offline; see :mod:`rppg_lib.video.stmap`).
Maps and clips (Sec. III-A, IV-A)
    grid : blocks (rows, columns), 10 x 20; clip_frames : T = 300; clips_per_video : 100.
    input_size : (h, w) maps are resized to before the network (None: 200 x T as in the paper).
Training (Sec. III-C, IV-A)
    scale_target : True: the network's head answers in units of the training HR's SD around its
        mean (ours, a conditioning choice; the loss stays L1 in bpm); False: in bpm around the mean.
        Measured: after the book's synthetic pretraining the network scored far better on face clips
        with the scale than without (the synthetic HR spans 42-240 bpm, and at scale 1 Adam's small
        steps do not move the head's output that far); on face videos alone it made no clear difference.
    folds : 3-fold cross-validation; epochs : at most 30; lr : 0.001 (Adam, ours: the paper names no
    optimiser); batch_size : ours (not given); L1 loss.
    synthetic_maps, synthetic_epochs : synthetic maps drawn anew for every epoch of the pretraining
        (the paper: "a large scale"; no number) and its epochs (not given); its learning rate decays
        on a cosine (ours, see :func:`~rppg_lib.papers.niu2018.experiment.pretrain_synthetic`).
    fractions : shares of the training clips of Fig. 6 (1, 1/2, 1/4).
    ladder_rungs : how many of the easy rungs of :data:`~rppg_lib.papers.niu2018.experiment.LADDER`
        are trained (its last rung, the preset as it is, is the stage-I run of Table III).
    imagenet_weights : a local torchvision ResNet-18 state dict for stages II and III; None = not run.
    seeds : training seeds; threads : torch threads.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """One profile's settings of this chapter (the module docstring says what each means)."""

    preset: str
    preset_table2: str
    n_subjects: int
    videos_per_subject: int
    duration_s: float
    fps: float
    frame_size: tuple
    face_px: float | None
    bframes: int | None
    table2_subjects: int
    table2_videos_per_subject: int
    table2_frame_size: tuple
    table2_face_px: float | None
    boxes: str
    cheek: str
    grid: tuple
    clip_frames: int
    clips_per_video: int
    input_size: tuple | None
    scale_target: bool
    folds: int
    epochs: int
    lr: float
    batch_size: int
    synthetic_maps: int
    synthetic_epochs: int
    fractions: tuple
    ladder_rungs: int
    imagenet_weights: str | None
    seeds: tuple
    threads: int


_PROFILES = {
    "smoke": {
        "preset": "mahnob-like", "preset_table2": "mmse-like", "n_subjects": 3, "videos_per_subject": 2,
        "duration_s": 8.0, "fps": 15.0, "frame_size": (96, 72), "face_px": 40.0, "bframes": 0, "table2_subjects": 3,
        "table2_videos_per_subject": 2, "table2_frame_size": (72, 96), "table2_face_px": 40.0, "boxes": "truth",
        "cheek": "box",
        "grid": (10, 20), "clip_frames": 60, "clips_per_video": 4, "input_size": (16, 30),
        "scale_target": True,
        "folds": 3, "epochs": 1, "lr": 1e-3, "batch_size": 8, "synthetic_maps": 32, "synthetic_epochs": 1,
        "fractions": (1.0, 0.5), "ladder_rungs": 1, "imagenet_weights": None, "seeds": (0,), "threads": 1,
    },
    # Sized on measured runs (bench_niu2018.py: ResNet-18 trains ~45 clips/s at 32 x 150 on one thread
    # of this machine). The learning ladder showed that the number of distinct videos, not clips per
    # video, limits learning (18 videos of 20 s and 60 of 12 s both stayed near the constant answer on
    # the easiest rung), so the book renders many short videos at 15 fps (10-s clips of 150 frames)
    # and few clips per video, and runs one reduced share (1/2) for Fig. 6. Maps are resized to
    # 16 x 300: at 32 x 150 (no temporal resizing) stage I levelled off at 7.5 bpm on the easiest
    # rung (constant answer 10.6, POS 1.2) even at 40 epochs; at 16 x 300 it reached 4.9 in 6 epochs.
    # Cold run of this profile (ladder_rungs 2): 11 min 38 s on two idle cores; the third rung adds
    # about 2.5 min. Table II renders 15 x 2 mmse-like videos (MMSE-HR has about 2.5 per subject) in
    # portrait frames of Table I's height ratio, the face as large as Table I's so that both tables' maps
    # are alike; the Haar cascade finds no face of the preset's skin type 6 at this size (subjects 1, 2
    # and 4 of the first 15), and those videos are dropped and counted. Cold run with Table II and the SVR,
    # videos without B frames: 26 min 31 s wall on two cores shared with other jobs (load 3-7; the run got
    # 64 % of a core, 17 min 12 s of CPU); Table II took 64 s of it, the SVR of Table I about 10 s. So the
    # ladder trains two easy rungs (the third, noise + codec + flicker on a still face, cost ~2.5 min): the
    # profile is single-threaded because two torch threads ran 4x slower than one (16.7 vs 65.6 clips/s)
    # as soon as another job held a core (threads spin).
    "book": {
        "preset": "mahnob-like", "preset_table2": "mmse-like", "n_subjects": 12, "videos_per_subject": 5,
        "duration_s": 12.0, "fps": 15.0, "frame_size": (192, 144), "face_px": 72.0, "bframes": 0,
        "table2_subjects": 15, "table2_videos_per_subject": 2, "table2_frame_size": (144, 192), "table2_face_px": 72.0,
        "boxes": "detect",
        "cheek": "eyes", "grid": (10, 20), "clip_frames": 150, "clips_per_video": 6, "input_size": (16, 300),
        "scale_target": True,
        "folds": 3, "epochs": 6, "lr": 1e-3, "batch_size": 32, "synthetic_maps": 3000, "synthetic_epochs": 6,
        "fractions": (1.0, 0.5), "ladder_rungs": 2, "imagenet_weights": None, "seeds": (0,), "threads": 1,
    },
    "paper": {
        "preset": "mahnob-like", "preset_table2": "mmse-like", "n_subjects": 27, "videos_per_subject": 20,
        "duration_s": 30.0, "fps": 61.0, "frame_size": (780, 580), "face_px": 150.0, "bframes": None,
        "table2_subjects": 40, "table2_videos_per_subject": 3, "table2_frame_size": (1040, 1392),
        "table2_face_px": 420.0, "boxes": "detect",
        "cheek": "eyes", "grid": (10, 20), "clip_frames": 300, "clips_per_video": 100, "input_size": None,
        "scale_target": True,
        "folds": 3, "epochs": 30, "lr": 1e-3, "batch_size": 64, "synthetic_maps": 50000, "synthetic_epochs": 10,
        "fractions": (1.0, 0.5, 0.25), "ladder_rungs": 3, "imagenet_weights": None, "seeds": (0,), "threads": 2,
    },
}

#: One :class:`Settings` per profile, resolved by :func:`rppg_lib.profiles.resolve`.
SETTINGS = {name: Settings(**values) for name, values in _PROFILES.items()}
