"""Configuration of notebooks/kopeliovich2019.ipynb (Kopeliovich et al. 2019, colour-signal CNN).

videos : (camera, scenario, subject) of the simulated videos (``kopeliovich`` preset);
    ignored when the notebook is given ``data_root`` (the OSF colour signals).
duration_s : length of each simulated video (the paper: 60-80 s).
resolution_scale : render each camera at this fraction of its preset size (1 = preset).
detect_every, detect_width : Haar detection on every n-th frame, downscaled to this width
    (the paper: every frame, full size); boxes in between are held, then averaged over 20 frames.
render_workers : processes rendering videos in parallel (first run only; then cached).
epochs, batch_size : training of every model (the paper's, Section 5.2 in ``numbers.csv``, at ``paper``).
lr_* : the LR range test (the paper: 1e-7 to 10, 5 epochs per LR, on CL+F).
mse_readings : readings of Eq. 5's MSE trained for CL and CL+F ("logits" = raw outputs as
    printed, "softmax" = probabilities); the headline one is chosen by validation MAE.
transfer_epochs : epochs of each Table 3 model.
seeds : every Table 2 model is trained once per seed (offsets added to the notebook's ``seed``).
ce_reduction : Eq. 3's reduction ("paper": the mean of w_y CE with weights summing to one, as printed;
    only then are Eq. 5's two terms of the same size at alpha = 25, as the paper says they were chosen).
ladder_videos, ladder_seeds, ladder_epochs : the learning ladder: the same recipe trained on these
    (camera, scenario, subject) videos rendered from easy (lossless, strong pulse) to the preset as it is
    (the top rung, ``look-alike`` in :data:`rppg_lib.ladder.RUNGS`).

The chapter decides on its own ``kopeliovich`` preset, each camera rendered at its native size (book and paper
profiles: ``resolution_scale`` 1) and frame rate with its codec and noise; smoke halves the frames to prove the
code paths only. No published classical error exists for the paper's data, so the preset has no fidelity anchor.
curve_sizes, curve_seeds : the data curve: CL+F trained on the first n of the (balanced) videos for each n,
    once per seed.
pulse_check_videos, pulse_check_s : videos (and their length) rendered three times each to measure the pulse
    amplitude in the networks' scaled input against the one the paper's Section 4.1.2 implies.
"""
from dataclasses import dataclass

from ...results import reported
from . import KEY

#: The paper's training recipe (Section 5.2): epochs and batch size of every model.
_PAPER_EPOCHS = int(reported(KEY, "Section 5.2", "hyperparameters", "epochs"))
_PAPER_BATCH = int(reported(KEY, "Section 5.2", "hyperparameters", "batch size"))

_BOOK_VIDEOS = ([(cam, "stationary", s) for cam in ("cam1", "cam2", "cam3") for s in (0, 1, 2, 3)]
                + [(cam, "mixed", s) for cam in ("cam1", "cam2", "cam3") for s in (4, 5)])
# the ladder renders each of its rungs anew: a small grid keeps it within the book's budget
_LADDER_VIDEOS = [(cam, "stationary", s) for cam in ("cam1", "cam2") for s in (0, 1)] + [("cam3", "mixed", 4)]
# one stationary and one Mixed Motion video per camera
_PULSE_CHECK = [(cam, scen, s) for cam in ("cam1", "cam2", "cam3") for scen, s in (("stationary", 0), ("mixed", 4))]
_PAPER_VIDEOS = ([(cam, "stationary", s % 8, s // 8) for cam in ("cam1", "cam2", "cam3") for s in range(12)]
                 + [(cam, "mixed", s) for cam in ("cam1", "cam2", "cam3") for s in (0, 1, 2, 3, 4, 5)])

@dataclass(frozen=True)
class Settings:
    """One profile's settings of this chapter (the module docstring says what each means)."""

    videos: list
    duration_s: float
    resolution_scale: float
    detect_every: int
    detect_width: int | None
    render_workers: int
    epochs: int
    batch_size: int
    lr_min: float
    lr_max: float
    lr_points_per_decade: int
    lr_epochs: int
    lr_criterion: str
    mse_readings: list
    transfer_epochs: int
    seeds: tuple
    ce_reduction: str
    ladder_videos: list
    ladder_seeds: tuple
    ladder_epochs: int
    curve_sizes: tuple
    curve_seeds: tuple
    pulse_check_videos: list
    pulse_check_s: float
    #: CPU threads of the run (the book's machine has two cores)
    threads: int = 2


_PROFILES = {
    "smoke": {
        "videos": [("cam1", "stationary", 0), ("cam2", "mixed", 1), ("cam3", "stationary", 2)],
        "duration_s": 55.0, "resolution_scale": 0.5, "detect_every": 10, "detect_width": None,
        "render_workers": 1,
        "epochs": 1, "batch_size": 64,
        "lr_min": 1e-3, "lr_max": 1e-1, "lr_points_per_decade": 1, "lr_epochs": 1, "lr_criterion": "loss",
        "mse_readings": ["softmax"], "transfer_epochs": 1, "seeds": (0,), "ce_reduction": "paper",
        "ladder_videos": [("cam2", "stationary", 0), ("cam2", "stationary", 1)], "ladder_seeds": (0,),
        "ladder_epochs": 1, "curve_sizes": (2, 3), "curve_seeds": (0,),
        "pulse_check_videos": [("cam2", "stationary", 0)], "pulse_check_s": 5.0,
    },
    "book": {
        "videos": _BOOK_VIDEOS,
        "duration_s": 70.0, "resolution_scale": 1.0, "detect_every": 5, "detect_width": 320,
        "render_workers": 2,
        # The paper's optimiser, schedule and LR test length (5 epochs per LR) at one LR per decade.
        # Batch 64 instead of the paper's 1024: with ~1,200 training windows 1024 gives two steps per
        # epoch; the learning diagnosis measured every rung at 64. 30 epochs x 3 seeds keeps the 12
        # trainings near the chapter's budget on two cores; more epochs did not help on this data.
        "epochs": 30, "batch_size": 64,
        "lr_min": 1e-7, "lr_max": 10.0, "lr_points_per_decade": 1, "lr_epochs": 5, "lr_criterion": "loss",
        "mse_readings": ["softmax"], "transfer_epochs": 30, "seeds": (0, 1, 2), "ce_reduction": "paper",
        "ladder_videos": _LADDER_VIDEOS, "ladder_seeds": (0,), "ladder_epochs": 30,
        "curve_sizes": (6, 12, 18), "curve_seeds": (0, 1, 2),
        "pulse_check_videos": _PULSE_CHECK, "pulse_check_s": 15.0,
    },
    "paper": {
        # 12 stationary + 6 mixed videos per camera over 8 subjects (``take`` 1 = a second session of subjects 0-3).
        "videos": _PAPER_VIDEOS,
        "duration_s": 70.0, "resolution_scale": 1.0, "detect_every": 1, "detect_width": None,
        "render_workers": 2,
        "epochs": _PAPER_EPOCHS, "batch_size": _PAPER_BATCH,
        "lr_min": 1e-7, "lr_max": 10.0, "lr_points_per_decade": 4, "lr_epochs": 5, "lr_criterion": "loss",
        "mse_readings": ["softmax"], "transfer_epochs": _PAPER_EPOCHS, "seeds": (0, 1, 2), "ce_reduction": "paper",
        "ladder_videos": _BOOK_VIDEOS, "ladder_seeds": (0, 1, 2), "ladder_epochs": _PAPER_EPOCHS,
        "curve_sizes": (6, 12, 18, 36, 54), "curve_seeds": (0, 1, 2),
        "pulse_check_videos": _PULSE_CHECK, "pulse_check_s": 30.0,
    },
}

#: One :class:`Settings` per profile, resolved by :func:`rppg_lib.profiles.resolve`.
SETTINGS = {name: Settings(**values) for name, values in _PROFILES.items()}
