"""Generic rPPG losses (paper-only losses live in the paper's home).

- :mod:`.contrastive`: ``neg_mcc``, ``neg_pearson``, ``snr_loss``, ``psd_mse``, ``mvtl`` (Gideon & Stent 2021)
- :mod:`.hybrid`: ``hybrid_loss`` (lambda x (1 - Pearson) + cross-entropy of the PSD over
  1-bpm HR classes 40-179), ``frequency_ce_loss``, ``hr_class_psd``, ``hr_to_class``,
  ``predict_hr_class`` (Yu et al. 2020, AutoHR)
- :mod:`.stven`: ``rppgnet_loss``, ``stven_reconstruction_loss``, ``stven_cycle_loss``, ``stven_loss``,
  ``perceptual_loss``, ``joint_loss`` (STVEN + rPPGNet, Yu et al. 2019; used by Deng & Ramakrishnan),
  with the public code's PSNR sign bug fixed

Names are imported lazily so that ``import rppg_lib.losses`` stays cheap.
"""
from importlib import import_module

_EXPORTS = {
    "neg_mcc": "contrastive",
    "neg_pearson": "contrastive",
    "snr_loss": "contrastive",
    "psd_mse": "contrastive",
    "mvtl": "contrastive",
    "irrelevant_power_ratio": "contrastive",
    "max_cross_correlation": "contrastive",
    "hybrid_loss": "hybrid",
    "frequency_ce_loss": "hybrid",
    "hr_class_psd": "hybrid",
    "hr_to_class": "hybrid",
    "predict_hr_class": "hybrid",
    "rppgnet_loss": "stven",
    "stven_reconstruction_loss": "stven",
    "stven_cycle_loss": "stven",
    "stven_loss": "stven",
    "perceptual_loss": "stven",
    "joint_loss": "stven",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
