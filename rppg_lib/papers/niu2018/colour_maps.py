"""Synthetic rhythm maps with a pulse colour and a common-mode term (ours, a variant of Sec. III-B).

On the look-alike's face maps the pulse is a small part of each block's series: most of it is an
intensity change common to all blocks and nearly the same in the three channels (motion, light, the
codec), which POS removes through the pulse's colour (measured on the book's ``mahnob-like`` cheek:
pulse 0.4 / 0.6 / 0.6 x 1e-3 of the mean in R / G / B, residual 1.7 / 2.1 / 2.5 x 1e-3 with
channel correlations 0.95-0.96). The paper's synthetic maps copy one rhythm into every row and channel,
so a network pretrained on them never meets a term that only the colour tells apart. These maps keep
the paper's rhythm (:func:`rppg_lib.synth.rhythm.rhythm_signal`) and its Gaussian noise per row, but
put its pulse terms in the channels with a pulse colour and its other terms (respiration, steps) plus a
common-mode noise in all channels with a colour of their own:

    row[b, c](t) = p_c pulse(t) + k_c (rest(t) + A n(t)) + sd N_bc(t)

with k_c = 1 + N(0, 0.15) and p_c = k_c + N(0, 0.4) per map (so the pulse's colour differs from the
common term's by a random amount), A log-uniform in :data:`COMMON_RANGE` times the pulse magnitude and
n(t) white Gaussian noise, and sd the row noise (log-uniform over a range when given one).
"""
from __future__ import annotations

import numpy as np

__all__ = ["COMMON_RANGE", "COMMON_COLOUR_SD", "PULSE_COLOUR_SD", "colour_rhythm_maps"]

#: Range of the common-mode noise's SD, in units of the pulse magnitude M1 (log-uniform per map): on the
#: look-alike's cheek the residual is 3-4x the pulse.
COMMON_RANGE = (0.3, 6.0)
#: SD of the common term's colour around grey (k_c = 1 + N(0, this)).
COMMON_COLOUR_SD = 0.15
#: SD of the pulse colour around the common term's (p_c = k_c + N(0, this)).
PULSE_COLOUR_SD = 0.4


def colour_rhythm_maps(n: int, T: int, fs: float, seed: int = 0, *, n_blocks: int = 200, noise_sd=0.2):
    """``n`` maps ``(n, n_blocks, T, 3)`` uint8 and their HR ``(n,)`` (the module docstring says how).

    ``noise_sd``: the rows' noise SD, or ``(low, high)`` for one log-uniform draw per map. Map ``i`` comes
    from ``numpy.random.default_rng([seed, i])``, its rhythm from :func:`rppg_lib.synth.rhythm.rhythm_signal`.
    """
    from ...synth.rhythm import rhythm_signal
    from ...video.roi import st_map_normalise

    maps = np.empty((n, n_blocks, T, 3), np.uint8)
    hr = np.empty(n)
    t = np.arange(T) / fs
    for i in range(n):
        rng = np.random.default_rng([seed, i])
        s, p = rhythm_signal(rng, T, fs)
        w1 = 2 * np.pi * p["hr_bpm"] / 60.0
        pulse = p["m1"] * (np.sin(w1 * t + p["phi"]) + 0.5 * np.sin(2 * w1 * t + p["phi"]))
        rest = s - pulse  # respiration and steps
        sd = float(np.exp(rng.uniform(*np.log(noise_sd)))) if np.ndim(noise_sd) else float(noise_sd)
        amp = float(np.exp(rng.uniform(*np.log(COMMON_RANGE)))) * max(p["m1"], 0.05)
        k = 1.0 + COMMON_COLOUR_SD * rng.standard_normal(3)
        colour = k + PULSE_COLOUR_SD * rng.standard_normal(3)
        common = rest + amp * rng.standard_normal(T)
        rows = (pulse[:, None, None] * colour + common[:, None, None] * k
                + sd * rng.standard_normal((T, n_blocks, 3)))
        maps[i] = st_map_normalise(rows)
        hr[i] = p["hr_bpm"]
    return maps, hr
