"""A physically plausible face-video simulator for rPPG (the Data chapter of the book describes and validates it).

``simulate(preset, seed=0, **overrides)`` returns a :class:`~rppg_lib.record.Recording`
of a dataset-like preset; ``write_dataset`` writes many of them to disk in the real
dataset's layout. Modules, one job each:

- :mod:`~rppg_lib.synth.pulse`: heart rate, IPFM beats, beat template, respiration
- :mod:`~rppg_lib.synth.face`: the photo, skin / perfusion / delay maps, subject warps, background
- :mod:`~rppg_lib.synth.motion`: head-pose trajectories and the pose -> image warp
- :mod:`~rppg_lib.synth.optics`: melanin, pulse colour, shading, specular reflection
- :mod:`~rppg_lib.synth.camera`: light, flicker, AE/AWB, sensor noise, gamma, codec, timing
- :mod:`~rppg_lib.synth.nuisance`: occlusions and the flashing block
- :mod:`~rppg_lib.synth.presets`: parameters, presets, sweeps
- :mod:`~rppg_lib.synth.simulate`: the renderer and ``simulate``
- :mod:`~rppg_lib.synth.writer`: ``write_dataset``
- :mod:`~rppg_lib.synth.rhythm`: ``synthetic_rhythm_maps``, the synthetic rhythm maps of
  Niu et al. (2018) for pretraining map regressors (not face videos)
"""
from .presets import PARAMETERS, PRESETS, SIMULATOR_VERSION, SWEEPS
from .rhythm import cached_synthetic_rhythm_maps, synthetic_rhythm_maps
from .simulate import Scene, iter_frames, simulate
from .writer import write_dataset

__all__ = ["PARAMETERS", "PRESETS", "SIMULATOR_VERSION", "SWEEPS", "Scene", "iter_frames", "simulate",
           "write_dataset", "synthetic_rhythm_maps", "cached_synthetic_rhythm_maps"]
