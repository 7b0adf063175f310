"""Dataset loaders, writers, the registry of small real recordings, and splits.

Every loader returns :class:`rppg_lib.record.Recording` objects whose
reference signals are aligned to the frames by time. One module per dataset:

============================  ==============================================
module                        reads
============================  ==============================================
:mod:`.registry`              the small public recordings (pooch registry)
:mod:`.welltory`              Welltory finger PPG + chest-strap RR
:mod:`.uw_oximetry`           UW smartphone oximetry + 1 Hz oximeters
:mod:`.bias_eval`             bias-eval-rppg face-skin clips
:mod:`.ubfc_rppg`             UBFC-rPPG (DATASET_2, and DATASET_1)
:mod:`.pure`                  PURE
:mod:`.cohface`               COHFACE (needs h5py)
:mod:`.mahnob_hci`            MAHNOB-HCI (needs pyedflib)
:mod:`.vipl_hr`               VIPL-HR
:mod:`.mmse_hr`               MMSE-HR (layout uncertain)
:mod:`.mr_nirp_car`           MR-NIRP Car (best-documented variant)
:mod:`.kopeliovich_osf`       colour signals of Kopeliovich et al. 2019 (expected layout)
:mod:`.splits`                subject-exclusive / random folds, clip windows
============================  ==============================================

Each paper dataset has ``list_<name>(root)`` (checks the layout),
``load_<name>_session(path)``, ``load_<name>(root)`` (a lazy iterator) and
``write_<name>_recording(root, recording)`` (writes the exact layout; the
simulator uses it). See ``data/README.md`` for where to get each dataset.
"""
from ._common import DatasetLayoutError
from ._video import VideoDecodeError, read_video, write_video
from .bias_eval import bias_eval_author_results, bias_eval_ground_truth, list_bias_eval_clips, load_bias_eval_clip
from .cohface import list_cohface, load_cohface, load_cohface_session, write_cohface_recording
from .kopeliovich_osf import (
                        list_kopeliovich_osf,
                        load_kopeliovich_osf,
                        load_kopeliovich_osf_video,
                        write_kopeliovich_osf_recording,
)
from .mahnob_hci import (
                        ecg_r_peaks,
                        list_mahnob_hci,
                        load_mahnob_hci,
                        load_mahnob_hci_session,
                        write_mahnob_hci_recording,
)
from .mmse_hr import list_mmse_hr, load_mmse_hr, load_mmse_hr_session, write_mmse_hr_recording
from .mr_nirp_car import list_mr_nirp_car, load_mr_nirp_car, load_mr_nirp_car_session, write_mr_nirp_car_recording
from .pure import list_pure, load_pure, load_pure_session, write_pure_recording
from .registry import ChecksumError, load_registry, real_data_path
from .splits import CV_PROTOCOLS, clip_windows, cv_folds, random_clip_windows, random_kfold, subject_kfold
from .ubfc_rppg import list_ubfc_rppg, load_ubfc_rppg, load_ubfc_rppg_session, write_ubfc_rppg_recording
from .uw_oximetry import load_uw_oximetry, read_uw_reference
from .vipl_hr import list_vipl_hr, load_vipl_hr, load_vipl_hr_session, write_vipl_hr_recording
from .welltory import list_welltory_subjects, load_welltory, trim_saturated

__all__ = [
    "DatasetLayoutError", "VideoDecodeError", "ChecksumError", "read_video", "write_video",
    "real_data_path", "load_registry",
    "load_welltory", "list_welltory_subjects", "trim_saturated",
    "load_uw_oximetry", "read_uw_reference",
    "list_bias_eval_clips", "load_bias_eval_clip", "bias_eval_ground_truth", "bias_eval_author_results",
    "list_ubfc_rppg", "load_ubfc_rppg_session", "load_ubfc_rppg", "write_ubfc_rppg_recording",
    "list_pure", "load_pure_session", "load_pure", "write_pure_recording",
    "list_cohface", "load_cohface_session", "load_cohface", "write_cohface_recording",
    "list_mahnob_hci", "load_mahnob_hci_session", "load_mahnob_hci", "write_mahnob_hci_recording", "ecg_r_peaks",
    "list_vipl_hr", "load_vipl_hr_session", "load_vipl_hr", "write_vipl_hr_recording",
    "list_mmse_hr", "load_mmse_hr_session", "load_mmse_hr", "write_mmse_hr_recording",
    "list_mr_nirp_car", "load_mr_nirp_car_session", "load_mr_nirp_car", "write_mr_nirp_car_recording",
    "list_kopeliovich_osf", "load_kopeliovich_osf_video", "load_kopeliovich_osf", "write_kopeliovich_osf_recording",
    "subject_kfold", "random_kfold", "cv_folds", "CV_PROTOCOLS", "clip_windows", "random_clip_windows",
]
