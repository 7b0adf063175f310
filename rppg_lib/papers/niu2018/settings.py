"""Configuration of notebooks/niu2018.ipynb (Niu et al. 2018, SynRhythm).

Face videos (Tables I, III, IV; Fig. 5-7)
    preset : the look-alike of Tables I, III, IV (``mahnob-like``); preset_table2 : Table II's (``mmse-like``).
        The videos are the profile's look-alikes (:func:`rppg_lib.lookalike.lookalike`): subjects, sessions,
        length, face size in pixels, frame rate, codec, noise, pulse, motion and light are the look-alike's,
        never this chapter's (MAHNOB-HCI: 61 fps, 780 x 580 H.264, a 150-px face; MMSE-HR: 25 fps JPEG
        frames, a 420-px face). Every session is rendered once for all chapters
        (:func:`rppg_lib.clips.render_session`).
    crop : side (px) of the stored face crops the maps are cut from (the sticky face box with a 50 %
        margin, area-resized after decoding): 64, the size the other chapters' sessions are stored at,
        so the sessions are shared. The face box then spans about 32 px and a 10 x 20 block of the cheek
        about one crop pixel, which is the area mean of about 20 native pixels (MAHNOB-HCI: 150-px face)
        or 170 (MMSE-HR: 420-px face), about what a native block averages (28 and 220 pixels).
    fps : the frame rate of the maps: every ``round(native / fps)`` decoded frames are averaged (a block
        mean; 61 -> 15.25 fps on ``mahnob-like``, 25 -> 12.5 fps on ``mmse-like``).
    table2_subjects : at least this many ``mmse-like`` subjects (the smoke look-alike has 2, too few for
        3 folds; None: the look-alike's).
    cheek : the cheek region from the face box (``"box"``) or placed from the eyes (``"eyes"``); the
        paper uses 81 landmarks (no landmark model ships offline; see :mod:`rppg_lib.video.stmap`). On
        the look-alikes the face box is the simulator's (the crop's sticky box is too), mapped into the
        crop: the stand-in for the paper's per-frame landmarks. The eye detector needs a face of 60 px or
        more: at ``crop`` 64 it finds no eyes and the box rule is used (recorded in ``regions``). On real
        data (``data_root``) the boxes come from the Haar detector.
Maps and clips (Sec. III-A, IV-A)
    grid : blocks (rows, columns), 10 x 20; clip_frames : T = 300 at the maps' rate (Table II's clips
        span the same seconds at its own rate); clips_per_video : 100.
    input_size : (h, w) maps are resized to before the network (None: 200 x T as in the paper).
Training (Sec. III-C, IV-A)
    scale_target : True: the network's head answers in units of the training HR's SD around its
        mean (ours, a conditioning choice; the loss stays L1 in bpm); False: in bpm around the mean.
        Measured: after the book's synthetic pretraining the network scored far better on face clips
        with the scale than without (the synthetic HR spans 42-240 bpm, and at scale 1 Adam's small
        steps do not move the head's output that far); on face videos alone it made no clear difference.
    folds : 3-fold cross-validation; epochs : at most 30; lr : 0.001 (Adam, ours: the paper names no
    optimiser); batch_size : ours (not given); L1 loss.
    finetune_lr : the learning rate of a pretrained network's training on face videos (None: ``lr``, the
        paper's one rate).
    synthetic_maps, synthetic_epochs : synthetic maps drawn anew for every epoch of the pretraining
        (the paper: "a large scale"; no number) and its epochs (not given); its learning rate decays
        on a cosine (ours, see :func:`~rppg_lib.papers.niu2018.experiment.pretrain_synthetic`).
    synthetic_noise : the SD of each map row's Gaussian noise, in units of the rhythm's largest magnitude
        (the paper gives none; the generator's default is 0.2), or ``(low, high)``: each map draws its own,
        log-uniform in that range.
    synthetic_colour : the maps of :mod:`~rppg_lib.papers.niu2018.colour_maps` (the pulse with a colour of its
        own and a common-mode term in all channels, ours) instead of the paper's (one rhythm in every row
        and channel).
    fractions : shares of the training clips of Fig. 6 (1, 1/2, 1/4).
    ladder_rungs : the easy rungs of :data:`rppg_lib.ladder.RUNGS` the learning ladder trains (its
        top rung, the look-alike itself, is the run of Table III); each is a further render of the
        look-alike's sessions.
    imagenet_weights : a local torchvision ResNet-18 state dict for stages II and III; None = not run.
    seeds : training seeds; threads : torch threads; render_workers : processes that render the look-alike
        sessions not yet cached (:func:`rppg_lib.clips.render_sessions`; one per core).
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """One profile's settings of this chapter (the module docstring says what each means)."""

    preset: str
    preset_table2: str
    crop: int
    fps: float
    table2_subjects: int | None
    cheek: str
    grid: tuple
    clip_frames: int
    clips_per_video: int
    input_size: tuple | None
    scale_target: bool
    folds: int
    epochs: int
    lr: float
    finetune_lr: float | None
    batch_size: int
    synthetic_maps: int
    synthetic_epochs: int
    synthetic_noise: float | tuple
    synthetic_colour: bool
    fractions: tuple
    ladder_rungs: tuple
    imagenet_weights: str | None
    seeds: tuple
    threads: int
    render_workers: int


_PROFILES = {
    "smoke": {
        "preset": "mahnob-like", "preset_table2": "mmse-like", "crop": 64, "fps": 15.0, "table2_subjects": 3,
        "cheek": "box", "grid": (10, 20), "clip_frames": 60, "clips_per_video": 4, "input_size": (16, 30),
        "scale_target": True,
        "folds": 3, "epochs": 1, "lr": 1e-3, "finetune_lr": None, "batch_size": 8,
        "synthetic_maps": 32, "synthetic_epochs": 1,
        "synthetic_noise": 0.2, "synthetic_colour": False,
        "fractions": (1.0, 0.5), "ladder_rungs": (), "imagenet_weights": None, "seeds": (0,), "threads": 1,
        "render_workers": 1,
    },
    # Measured on the book's mahnob-like look-alike (16 videos of 30 s at 15.25 fps; constant answer 10.4 bpm
    # per video, POS under the published protocol 20.0, POS on the cheek blocks' mean 6.2; one idle core):
    # - clips of 150 frames (10 s): POS on the cheek mean, one HR per clip and their mean per video as the
    #   network is scored, errs 8.4 bpm per video; at 300 frames (20 s, the paper's T) 5.7. The book cuts
    #   300-frame clips and feeds them unresized in time (16 x 300).
    # - the paper's synthetic maps with the generator's noise (SD 0.2) did not transfer: the pretrained
    #   network's answers on face clips correlated 0.02 with the truth (150 frames); with a noise SD per map
    #   log-uniform in 0.2-5 (the face maps' blocks have a pulse 0.1x their noise) 0.17, and 0.40 with
    #   300-frame clips; the colour maps (synthetic_colour) 0.04, their pretraining itself reaching 21 bpm.
    # - fine-tuning at the paper's rate (0.001) lost what the pretraining had (per-video MAE 16.8, recentred
    #   pretrained network alone 9.7); at 0.0001 10.8. Stage I: 11.4 (300 frames), 12.6 (150 frames).
    # - cost: the pretraining of 3000 maps x 6 epochs took 592 s of CPU, one cross-validation run with 30
    #   clips per video 150 s. The book cuts both (2000 maps x 5 epochs, 20 clips per video) to stay near the
    #   chapter's budget; the renders of the two look-alikes (shared with other chapters) come on top.
    # The profile is single-threaded because two torch threads ran 4x slower than one (16.7 vs 65.6 clips/s)
    # as soon as another job held a core (threads spin).
    # The measurements above had mahnob-like's earlier 0.4 % median pulse. At its own 0.8 % (simulator version 6)
    # these settings gave per-video MAE: Stage I 9.7, synthetic -> face 10.8, constant 10.4, POS 8.8 (no network
    # learned; 16 videos in 3 folds, about 10 training videos a fold); the chapter took 13.7 min with the
    # look-alikes cached.
    "book": {
        "preset": "mahnob-like", "preset_table2": "mmse-like", "crop": 64, "fps": 15.0, "table2_subjects": None,
        "cheek": "box", "grid": (10, 20), "clip_frames": 300, "clips_per_video": 20, "input_size": (16, 300),
        "scale_target": True,
        "folds": 3, "epochs": 6, "lr": 1e-3, "finetune_lr": 1e-4, "batch_size": 32,
        "synthetic_maps": 2000, "synthetic_epochs": 5,
        "synthetic_noise": (0.2, 5.0), "synthetic_colour": False,
        "fractions": (1.0, 0.5), "ladder_rungs": (), "imagenet_weights": None, "seeds": (0,), "threads": 1,
        "render_workers": 2,
    },
    "paper": {
        "preset": "mahnob-like", "preset_table2": "mmse-like", "crop": 128, "fps": 61.0, "table2_subjects": None,
        "cheek": "eyes", "grid": (10, 20), "clip_frames": 300, "clips_per_video": 100, "input_size": None,
        "scale_target": True,
        "folds": 3, "epochs": 30, "lr": 1e-3, "finetune_lr": None, "batch_size": 64,
        "synthetic_maps": 50000, "synthetic_epochs": 10,
        "synthetic_noise": 0.2, "synthetic_colour": False,
        "fractions": (1.0, 0.5, 0.25),
        "ladder_rungs": ("lossless, 2 % pulse, no noise", "lossless, 2 % pulse", "2 % pulse"),
        "imagenet_weights": None, "seeds": (0,), "threads": 2,
        "render_workers": 2,
    },
}

#: One :class:`Settings` per profile, resolved by :func:`rppg_lib.profiles.resolve`.
SETTINGS = {name: Settings(**values) for name, values in _PROFILES.items()}
