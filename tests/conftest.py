"""Shared test helpers.

:func:`skin_trace` builds RGB traces from the skin reflection model, with a
known heart rate; other test files can call it directly
(``from conftest import skin_trace``) or through the ``make_skin_trace``
fixture.
"""
from __future__ import annotations

import numpy as np
import pytest

#: DC level of the R, G, B skin means (0-255 scale), a light skin tone.
SKIN_DC = np.array([0.55, 0.45, 0.35]) * 200.0

#: Relative pulsatile amplitudes in R, G, B (de Haan & van Leest 2014).
PULSE_SIGNATURE = np.array([0.33, 0.77, 0.53])


def skin_trace(hr_bpm: float = 72.0, fs: float = 30.0, duration_s: float = 20.0,
               drift: float = 0.0, motion: float = 0.0, motion_hz: float = 1.9,
               specular: float = 0.0, specular_hz: float = 1.3, noise: float = 5e-4,
               amplitude: float = 0.008, harmonic: float = 0.3, seed: int = 0,
               dc=SKIN_DC, signature=PULSE_SIGNATURE, return_parts: bool = False):
    """RGB trace ``(T, 3)`` of a skin region with a pulse at ``hr_bpm``.

    Model (dichromatic reflection with a common intensity factor)::

        C_k(t) = DC_k * (1 + a * p(t) * s_k + i(t)) + spec(t) * mean(DC) + noise_k(t)

    - ``p(t) = sin(phi) + harmonic * sin(2 phi + 0.6)``, ``phi = 2 pi HR/60 t + phi0``:
      a pulse at exactly ``hr_bpm`` with its first harmonic;
    - ``a = amplitude`` and ``s = signature`` (blood volume pulse signature);
    - ``i(t)``: intensity change common to the three channels (relative):
      ``drift * (sin(2 pi 0.2 t) + 0.8 * ramp + steps of +0.6 and -0.9)`` (slow
      wobble, ramp over the whole trace, two abrupt steps) plus
      ``motion * sin(2 pi motion_hz t)``, an in-band intensity change such as a
      nodding head under a directional light;
    - ``spec(t) = specular * (1 + sin(2 pi specular_hz t))``: a white
      (specular-like) component that adds the same absolute amount to every
      channel;
    - ``noise_k``: white Gaussian noise, standard deviation ``noise * DC_k``.

    Returns the trace, or ``(trace, parts)`` with ``parts`` a dict of ``t``,
    ``pulse`` (``p(t)``) and ``intensity`` (``i(t)``) when ``return_parts``.
    """
    rng = np.random.default_rng(seed)
    dc = np.asarray(dc, dtype=float)
    s = np.asarray(signature, dtype=float)
    t = np.arange(int(round(duration_s * fs))) / fs
    phi = 2 * np.pi * hr_bpm / 60.0 * t + rng.uniform(0, 2 * np.pi)
    p = np.sin(phi) + harmonic * np.sin(2 * phi + 0.6)
    ramp = t / max(t[-1], 1e-12)
    steps = 0.6 * (t >= 0.35 * duration_s) - 0.9 * (t >= 0.7 * duration_s)
    i = drift * (np.sin(2 * np.pi * 0.2 * t) + 0.8 * ramp + steps)
    i = i + motion * np.sin(2 * np.pi * motion_hz * t + rng.uniform(0, 2 * np.pi))
    spec = specular * (1.0 + np.sin(2 * np.pi * specular_hz * t))
    rgb = dc * (1.0 + amplitude * p[:, None] * s + i[:, None])
    rgb = rgb + spec[:, None] * dc.mean()
    rgb = rgb + noise * dc * rng.standard_normal(rgb.shape)
    if return_parts:
        return rgb, {"t": t, "pulse": p, "intensity": i}
    return rgb


@pytest.fixture
def make_skin_trace():
    """The :func:`skin_trace` builder, as a fixture."""
    return skin_trace


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny tensors: one intra-op torch thread is faster and immune to CPU oversubscription
    (test modules use it with ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``)."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
