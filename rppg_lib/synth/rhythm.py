"""Synthetic rhythm maps of Niu et al. (2018, SynRhythm, Sec. III-B): pretraining data for a map regressor.

Each synthetic signal is (Sec. III-B)::

    S(t) = M1 sin(w1 t + phi) + 0.5 M1 sin(2 w1 t + phi)     # pulse and its second harmonic
         + M2 sin(w2 t + theta)                               # respiration
         + P1 Step(t - t1) + P2 Step(t - t2)                  # sudden shifts (motion, light)
         + N(t)                                               # Gaussian noise

with the heart rate w1 / 2 pi uniform in [0.7, 4] Hz (42-240 bpm), the
respiration w2 / 2 pi uniform in [5, 20] per minute, M1, M2 uniform in
[0, 1], phi and theta uniform in [0, 2 pi], t1 and t2 uniform in the clip and
P1, P2 in {0, 1} from a Bernoulli distribution. The signal is turned into a map
"following the algorithm in Section III-A": every one of the n = 200 blocks
and 3 channels gets S(t), and the map goes through the same per-block,
per-channel min-max scaling as the face maps
(:func:`~rppg_lib.video.roi.st_map_normalise`).

Choices the paper leaves open (ours, named below):

- How S fills the 200 x 3 rows: the rhythm (w1, w2, M1, M2, phi, theta,
  steps) is one per map, as one face has one heart rate; the noise N(t) is
  drawn independently for every row, as each block of a face has its own
  sensor noise. Without that, all rows of a map would be identical.
- The Bernoulli probability of a step (:data:`STEP_PROBABILITY` = 0.5) and the
  noise standard deviation (:data:`NOISE_SD` = 0.2, in units of the magnitudes
  M1, M2 <= 1).

Maps are drawn one by one from ``numpy.random.default_rng([seed, i])``: map
``i`` is the same whatever ``n`` is, so the first k maps of a large set equal a
set of k maps, and ``rhythm_signal(numpy.random.default_rng([seed, i]), T, fs)`` gives map
``i``'s rhythm and parameters. :func:`cached_synthetic_rhythm_maps` stores a set under the
library's cache folder (:func:`rppg_lib.storage.cache_dir`).
"""
from __future__ import annotations

import numpy as np

from ..storage import cached
from ..video.roi import st_map_normalise

__all__ = ["HR_RANGE_HZ", "RESP_RANGE_PER_MIN", "MAGNITUDE_RANGE", "STEP_PROBABILITY", "NOISE_SD",
           "N_BLOCKS", "RHYTHM_VERSION", "rhythm_signal", "synthetic_rhythm_maps",
           "cached_synthetic_rhythm_maps"]

#: Heart-rate range of the pulse term, Hz (Sec. III-B: [0.7, 4] Hz = 42-240 bpm).
HR_RANGE_HZ: tuple[float, float] = (0.7, 4.0)
#: Respiration range, breaths per minute (Sec. III-B: 5-20).
RESP_RANGE_PER_MIN: tuple[float, float] = (5.0, 20.0)
#: Range of the magnitudes M1 and M2 (Sec. III-B: [0, 1]).
MAGNITUDE_RANGE: tuple[float, float] = (0.0, 1.0)
#: Probability that each of the two steps is present (the paper: "a Bernoulli distribution"; ours: 0.5).
STEP_PROBABILITY = 0.5
#: Standard deviation of N(t) (the paper gives none; ours: 0.2 of the largest magnitude).
NOISE_SD = 0.2
#: Rows of a map: 10 x 20 blocks (Sec. IV-A).
N_BLOCKS = 200
#: Part of every cache key: bump it when the generator changes.
RHYTHM_VERSION = 1


def rhythm_signal(rng: np.random.Generator, T: int = 300, fs: float = 30.0) -> tuple[np.ndarray, dict]:
    """One rhythm ``S(t)`` without its noise term, ``T`` samples at ``fs`` Hz, and its parameters.

    Draws w1, w2, M1, M2, phi, theta, t1, t2, P1, P2 from ``rng`` as in
    Sec. III-B (see the module docstring); the noise is added per row by
    :func:`synthetic_rhythm_maps`. The parameters come back as a dict:
    ``hr_bpm``, ``resp_per_min``, ``m1``, ``m2``, ``phi``, ``theta``, ``t1``,
    ``t2`` (s), ``p1``, ``p2`` (0 or 1).
    """
    t = np.arange(T) / fs
    f1 = rng.uniform(*HR_RANGE_HZ)
    f2 = rng.uniform(*RESP_RANGE_PER_MIN) / 60.0
    m1, m2 = rng.uniform(*MAGNITUDE_RANGE, size=2)
    phi, theta = rng.uniform(0.0, 2 * np.pi, size=2)
    t1, t2 = rng.uniform(0.0, T / fs, size=2)
    p1, p2 = (rng.random(2) < STEP_PROBABILITY).astype(float)
    s = (m1 * np.sin(2 * np.pi * f1 * t + phi) + 0.5 * m1 * np.sin(4 * np.pi * f1 * t + phi)
         + m2 * np.sin(2 * np.pi * f2 * t + theta)
         + p1 * (t >= t1) + p2 * (t >= t2))
    params = dict(hr_bpm=60.0 * f1, resp_per_min=60.0 * f2, m1=m1, m2=m2, phi=phi, theta=theta,
                  t1=t1, t2=t2, p1=p1, p2=p2)
    return s, {k: float(v) for k, v in params.items()}


def synthetic_rhythm_maps(n: int, T: int = 300, fs: float = 30.0, seed: int = 0, *,
                          n_blocks: int = N_BLOCKS, noise_sd: float = NOISE_SD,
                          progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``n`` synthetic rhythm maps (Sec. III-B): ``(maps (n, n_blocks, T, 3) uint8, hr (n,) bpm)``.

    Every map holds one rhythm (:func:`rhythm_signal`) in all its rows, each
    row and channel with its own Gaussian noise of ``noise_sd``, scaled per row
    and channel to [0, 255] by the face maps' code. Deterministic for a
    ``seed``; map ``i`` does not depend on ``n``. ``progress`` shows a tqdm bar.
    """
    if n < 0 or T < 2 or fs <= 0:
        raise ValueError(f"need n >= 0, T >= 2 and fs > 0, got n={n}, T={T}, fs={fs}")
    maps = np.empty((n, n_blocks, T, 3), np.uint8)
    hr = np.empty(n)
    indices = range(n)
    if progress:
        from tqdm import tqdm  # plain text bars: no ipywidgets needed in notebooks

        indices = tqdm(indices, desc="synthetic rhythm maps", unit="map")
    for i in indices:  # one vectorised map per step
        rng = np.random.default_rng([seed, i])
        s, params = rhythm_signal(rng, T, fs)
        hr[i] = params["hr_bpm"]
        rows = s[:, None, None] + noise_sd * rng.standard_normal((T, n_blocks, 3))
        maps[i] = st_map_normalise(rows)
    return maps, hr


def cached_synthetic_rhythm_maps(n: int, T: int = 300, fs: float = 30.0, seed: int = 0, *,
                                 n_blocks: int = N_BLOCKS, noise_sd: float = NOISE_SD,
                                 progress: bool = True, cache: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """:func:`synthetic_rhythm_maps`, stored under ``cache_dir("synthetic_rhythm")`` and read back on reuse.

    The file is keyed by every argument that changes the maps and by
    :data:`RHYTHM_VERSION`; ``cache=False`` computes without storing.
    """
    params = dict(n=int(n), T=int(T), fs=float(fs), seed=int(seed), n_blocks=int(n_blocks), noise_sd=float(noise_sd))

    def compute():
        maps, hr = synthetic_rhythm_maps(n, T, fs, seed, n_blocks=n_blocks, noise_sd=noise_sd, progress=progress)
        return {"maps": maps, "hr": hr}

    data, _ = cached("synthetic_rhythm", params, compute, version=RHYTHM_VERSION, simulator=False, layout="flat",
                     prefix="maps-", length=24, use_cache=cache)
    return data["maps"], data["hr"]
