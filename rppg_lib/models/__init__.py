"""Network architectures more than one paper uses (paper-only networks live in the paper's home).

- :mod:`.physnet`: ``PhysNetUpsample`` (Gideon & Stent 2021, modified PhysNet-3DCNN)
- :mod:`.saliency`: ``SaliencySampler`` (Gideon & Stent 2021)
- :mod:`.resnet`: ``ResNet18Regressor`` and ``maps_to_input`` (Niu et al. 2018, HR from
  spatial-temporal maps)
- :mod:`.tdc`: ``TDC3d``, temporal difference convolution (Yu et al. 2020, AutoHR; also
  used by their later PhysFormer)
- :mod:`.autohr`: AutoHR search space and networks (Yu et al. 2020): ``AutoHRSearchNet``
  (supernet, partial channels, edge normalisation, shared / varied cells),
  ``AutoHRNet`` (built from a ``Genotype``; ``MANUAL_GENOTYPE`` is the hand-made
  baseline), ``derive_genotype``, ``MixedOp``, ``make_search_optimizers``, ``search_step``
- :mod:`.stven`: ``STVEN`` (Yu et al. 2019, video enhancement of compressed clips, conditioned on
  the compression level; used by Deng & Ramakrishnan)
- :mod:`.rppgnet`: ``RPPGNet`` and its output tuple ``RPPGNetOutput`` (Yu et al. 2019, PPG with
  skin segmentation, skin-guided attention and part outputs; used by Deng & Ramakrishnan)

Names are imported lazily so that ``import rppg_lib.models`` stays cheap.
"""
from importlib import import_module

_EXPORTS = {
    "PhysNetUpsample": "physnet",
    "SaliencySampler": "saliency",
    "ResNet18Regressor": "resnet",
    "maps_to_input": "resnet",
    "TDC3d": "tdc",
    "AutoHRSearchNet": "autohr",
    "AutoHRNet": "autohr",
    "Genotype": "autohr",
    "MANUAL_GENOTYPE": "autohr",
    "PRIMITIVES": "autohr",
    "PRIMITIVES_NO_TDC": "autohr",
    "MixedOp": "autohr",
    "derive_genotype": "autohr",
    "validate_genotype": "autohr",
    "make_search_optimizers": "autohr",
    "search_step": "autohr",
    "STVEN": "stven",
    "RPPGNet": "rppgnet",
    "RPPGNetOutput": "rppgnet",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
