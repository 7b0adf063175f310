"""Settings of the Data chapter (``notebooks/simulated_data.ipynb``) per profile.

Sizes: ``sim_size`` is the (width, height) every validation clip is rendered at,
except the UBFC-like error clips of V4 (``ubfc_size``, ``ubfc_face_px``: the
preset's own 640x480 and 170-px face outside smoke); face sizes scale with it
(UBFC-like 170 px and PURE-like 105 px at 640x480 in the presets); ``sweep_face_px``
is the UBFC-like face of the sweeps at ``sim_size``. ``pure_face_px`` keeps PURE's native
face size inside a smaller frame (a crop of the field of view) where the profile allows, because the Haar cascade
loses faces below ~50 px. The fewest subjects a claim needs is a threshold of the
claims (:mod:`rppg_lib.foundations.simulated_data.claims`), not a setting.
"""
from dataclasses import dataclass

_ALL_TASKS = ["steady", "talking", "slow_translation", "fast_translation", "small_rotation",
              "medium_rotation"]
_CRF = [0, 12, 18, 23, 28, 33, 38, 45]

@dataclass(frozen=True)
class Settings:
    """One profile's settings of this chapter (the module docstring says what each means)."""

    sim_size: tuple
    ubfc_size: tuple
    ubfc_face_px: float
    sweep_face_px: float
    pure_face_px: float
    ubfc_subjects: int
    ubfc_seconds: float
    pure_subjects: int
    pure_tasks: list
    pure_seconds: float
    crf_values: list
    crf_subjects: int
    skin_subjects: int
    flash_subjects: int
    sweep_seconds: float
    desync_offsets_s: list
    haar_ubfc_subjects: int
    haar_pure_subjects: int
    haar_seconds: float
    haar_every: int
    gt_ubfc_subjects: int
    gt_pure_subjects: int
    gt_cohface_subjects: int
    gt_cohface_scenarios: list
    gt_seconds: float
    detect_every: int
    workers: int
    gallery_scale: float


_PROFILES = {
    "smoke": {
        "sim_size": (160, 120), "ubfc_size": (160, 120), "ubfc_face_px": 42.0, "sweep_face_px": 42.0,
        "pure_face_px": 52.0,
        "ubfc_subjects": 2, "ubfc_seconds": 12.0,
        "pure_subjects": 1, "pure_tasks": _ALL_TASKS, "pure_seconds": 10.0,
        "crf_values": [0, 28, 45], "crf_subjects": 1, "skin_subjects": 1, "flash_subjects": 1,
        "sweep_seconds": 10.0, "desync_offsets_s": [0, 2, 8],
        "haar_ubfc_subjects": 2, "haar_pure_subjects": 1, "haar_seconds": 1.0, "haar_every": 3,
        "gt_ubfc_subjects": 6, "gt_pure_subjects": 3, "gt_cohface_subjects": 6,
        "gt_cohface_scenarios": ["studio"], "gt_seconds": 60.0,
        "detect_every": 30, "workers": 1, "gallery_scale": 0.25,
    },
    "book": {
        "sim_size": (320, 240), "ubfc_size": (640, 480), "ubfc_face_px": 170.0, "sweep_face_px": 85.0,
        "pure_face_px": 105.0,
        "ubfc_subjects": 10, "ubfc_seconds": 60.0,
        "pure_subjects": 3, "pure_tasks": _ALL_TASKS, "pure_seconds": 30.0,
        "crf_values": _CRF, "crf_subjects": 2, "skin_subjects": 2, "flash_subjects": 3,
        "sweep_seconds": 15.0, "desync_offsets_s": [0, 1, 2, 4, 8, 16],
        "haar_ubfc_subjects": 10, "haar_pure_subjects": 3, "haar_seconds": 3.0, "haar_every": 3,
        "gt_ubfc_subjects": 42, "gt_pure_subjects": 10, "gt_cohface_subjects": 40,
        "gt_cohface_scenarios": ["studio", "natural"], "gt_seconds": 60.0,
        "detect_every": 30, "workers": 2, "gallery_scale": 0.5,
    },
    "paper": {
        "sim_size": (640, 480), "ubfc_size": (640, 480), "ubfc_face_px": 170.0, "sweep_face_px": 170.0,
        "pure_face_px": 105.0,
        "ubfc_subjects": 42, "ubfc_seconds": 60.0,
        "pure_subjects": 10, "pure_tasks": _ALL_TASKS, "pure_seconds": 60.0,
        "crf_values": _CRF, "crf_subjects": 10, "skin_subjects": 10, "flash_subjects": 10,
        "sweep_seconds": 60.0, "desync_offsets_s": [0, 1, 2, 4, 8, 16],
        "haar_ubfc_subjects": 42, "haar_pure_subjects": 10, "haar_seconds": 60.0, "haar_every": 1,
        "gt_ubfc_subjects": 42, "gt_pure_subjects": 10, "gt_cohface_subjects": 40,
        "gt_cohface_scenarios": ["studio", "natural"], "gt_seconds": 60.0,
        "detect_every": 1, "workers": 2, "gallery_scale": 1.0,
    },
}

#: One :class:`Settings` per profile, resolved by :func:`rppg_lib.profiles.resolve`.
SETTINGS = {name: Settings(**values) for name, values in _PROFILES.items()}
