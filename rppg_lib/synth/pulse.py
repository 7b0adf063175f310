"""Physiology of the simulator: heart rate, beat times, pulse waveform, respiration.

Model (pulse waveform and heart rate):

- **Heart rate** ``HR(t) = HR0 + trend(t) + RSA(t) + Mayer(t) + ramp(t)`` in bpm
  (the simulator's design writes ``HR0 (1 + m)``; adding in bpm is the same with ``m = sum / HR0``).

  * trend: Ornstein-Uhlenbeck process, sigma ~5 bpm (6 in the presets), tau ~30 s. The median
    change over 10 s is then ``0.674 sqrt(2 sigma^2 (1 - exp(-10/tau)))`` ~ 2.5 bpm,
    the value Gideon & Stent (2021, Fig. 6) report for PURE, UBFC, COHFACE, MR-NIRP.
  * RSA: ``rsa_frac * HR0 * r(t)`` with r the respiration (IBI modulated by 2-8 %).
  * Mayer waves: narrow-band noise around 0.1 Hz (std 0.01 Hz, random phases) whose
    power is ``lf_hf`` (0.5) times the RSA power, the ECGSYN defaults (NeuroKit2
    ``ecg_simulate``).
  * ramp: a smooth step of ``ramp_bpm`` (math stress in UBFC, recovery after exercise
    in VIPL-HR) [design].

- **Beat times** by integral pulse frequency modulation (IPFM): beat k fires when
  ``phi0 + integral HR/60 dt`` crosses the integer k.
- **Beat template**: two Gaussians in beat phase (Tang et al. 2020, Table 1):
  amplitudes (1, 0.20), centres (-1.52, 0.82) rad, widths (0.63, 1.02) rad, the
  beat onset at -pi. In fractions of the inter-beat interval (IBI) the systolic peak
  is at 0.26, the dicrotic notch at 0.535 and the diastolic peak at 0.62; NeuroKit2's
  ``ppg_simulate`` puts them at 0.175 / 0.40 / 0.45 (same order, notch/systole ratio
  2.1 here vs 2.3 there). Each beat's Gaussians are evaluated in absolute time
  (neighbouring beats overlap), so the waveform is continuous; per-beat jitter of
  +-5 % on amplitudes and widths [design].
- **Respiration** ``r(t)`` in [-1, 1]: 0.15-0.35 Hz with slow rate and depth wander
  and a small second harmonic (inhalation shorter than exhalation) [design].

The waveform ``p(t)`` is a blood-volume pulse: systolic peak up, zero mean, peak-to-peak
about 1. The optics module makes the skin *darker* when ``p`` rises.

:func:`synrhythm_signal` is the synthetic rhythm of Niu et al. (2018), kept for the
SynRhythm notebook and as an ablation of the waveform.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.signal

__all__ = [
    "TEMPLATE",
    "Physiology",
    "sample_hr0",
    "ou_process",
    "narrowband_noise",
    "respiration",
    "simulate_physiology",
    "hr_changes",
    "synrhythm_signal",
]

#: Beat template of Tang et al. 2020 (Table 1) in beat-phase radians, onset at -pi.
TEMPLATE = {
    "amplitude": (1.0, 0.20),
    "centre_rad": (-1.52, 0.82),
    "width_rad": (0.63, 1.02),
}

_CENTRE = (np.asarray(TEMPLATE["centre_rad"]) + np.pi) / (2 * np.pi)  # fraction of the IBI
_WIDTH = np.asarray(TEMPLATE["width_rad"]) / (2 * np.pi)
_AMP = np.asarray(TEMPLATE["amplitude"])


def _template_stats() -> tuple[float, float]:
    """Mean and peak-to-peak of a periodic train of nominal beats (for normalisation)."""
    x = np.linspace(0.0, 1.0, 2000, endpoint=False)
    y = np.zeros_like(x)
    for shift in (-1, 0, 1):
        for a, c, w in zip(_AMP, _CENTRE, _WIDTH):
            y += a * np.exp(-0.5 * ((x - c - shift) / w) ** 2)
    return float(y.mean()), float(y.max() - y.min())


_TEMPLATE_MEAN, _TEMPLATE_PTP = _template_stats()


def sample_hr0(rng: np.random.Generator, median_bpm: float = 75.0, sigma_log: float = 0.2,
               low_bpm: float = 40.0, high_bpm: float = 250.0, tail_p: float = 0.05,
               tail_bpm: tuple[float, float] = (100.0, 250.0)) -> float:
    """Resting heart rate of a session (bpm).

    Lognormal with ``median_bpm`` and ``sigma_log`` (0.17-0.28 tuned per preset so
    the spread of HR across clips matches the mean-predictor RMSE of Gideon & Stent
    2021, Table 3), truncated to ``[low_bpm, high_bpm]``; with probability ``tail_p``
    uniform on ``tail_bpm`` instead (the 40-250 bpm band of GS21) [design].
    """
    if rng.random() < tail_p:
        return float(rng.uniform(*tail_bpm))
    for _ in range(100):
        hr = median_bpm * np.exp(sigma_log * rng.standard_normal())
        if low_bpm <= hr <= high_bpm:
            return float(hr)
    return float(np.clip(median_bpm, low_bpm, high_bpm))


def ou_process(n: int, dt: float, sigma: float, tau: float, rng: np.random.Generator) -> np.ndarray:
    """Stationary Ornstein-Uhlenbeck samples (exact AR(1) discretisation).

    ``x[i+1] = a x[i] + sigma sqrt(1 - a^2) e[i]`` with ``a = exp(-dt / tau)``; the
    first sample is drawn from the stationary law N(0, sigma^2).
    """
    if n <= 0:
        return np.zeros(0)
    if sigma == 0:
        return np.zeros(n)
    a = np.exp(-dt / tau)
    e = rng.standard_normal(n)
    e[0] = 0.0
    x0 = sigma * rng.standard_normal()
    y, _ = scipy.signal.lfilter([sigma * np.sqrt(1 - a * a)], [1.0, -a], e, zi=[a * x0])
    y[0] = x0
    return y


def narrowband_noise(t: np.ndarray, centre_hz: float, std_hz: float, rms: float,
                     rng: np.random.Generator, n_components: int = 16) -> np.ndarray:
    """Sum of sinusoids with Gaussian-distributed frequencies and random phases.

    The spectral shape of ECGSYN's Mayer-wave peak (centre 0.1 Hz, std 0.01 Hz);
    scaled to the requested RMS.
    """
    if rms == 0:
        return np.zeros_like(t)
    f = centre_hz + std_hz * rng.standard_normal(n_components)
    ph = rng.uniform(0, 2 * np.pi, n_components)
    x = np.cos(2 * np.pi * f[:, None] * t[None, :] + ph[:, None]).sum(axis=0)
    return x * rms / np.sqrt(n_components / 2.0)


def respiration(t: np.ndarray, rate_hz: float, rng: np.random.Generator,
                rate_wander: float = 0.05, depth_wander: float = 0.1) -> np.ndarray:
    """Respiration signal in about [-1, 1] (positive = inhalation) [design].

    Instantaneous rate ``rate_hz (1 + OU)`` with relative std ``rate_wander``
    (tau 20 s); depth ``1 + OU`` with std ``depth_wander``; a 0.25 second harmonic
    makes inhalation shorter than exhalation.
    """
    dt = t[1] - t[0] if len(t) > 1 else 1.0
    rate = rate_hz * (1 + ou_process(len(t), dt, rate_wander, 20.0, rng))
    phase = 2 * np.pi * np.cumsum(rate) * dt + rng.uniform(0, 2 * np.pi)
    depth = 1 + ou_process(len(t), dt, depth_wander, 20.0, rng)
    r = np.sin(phase) + 0.25 * np.sin(2 * phase - np.pi / 2)
    return depth * r / 1.2


@dataclass
class Physiology:
    """The simulated physiology of one session, as a function of time.

    Attributes
    ----------
    t, hr, resp : model grid (s), instantaneous heart rate (bpm, 60 x IPFM rate)
        and respiration on that grid.
    beat_times : (K,) beat onsets (s); the first lies before 0 and the last after
        the end, so every time in the clip has its neighbours.
    beat_amp, beat_width : (K, 2) per-beat amplitudes and widths (fractions of the
        IBI) of the two Gaussians, jitter included.
    """

    t: np.ndarray
    hr: np.ndarray
    resp: np.ndarray
    beat_times: np.ndarray
    beat_amp: np.ndarray
    beat_width: np.ndarray

    def hr_at(self, times) -> np.ndarray:
        """Instantaneous heart rate (bpm) at ``times``."""
        return np.interp(times, self.t, self.hr)

    def resp_at(self, times) -> np.ndarray:
        """Respiration at ``times``."""
        return np.interp(times, self.t, self.resp)

    def ppg(self, times) -> np.ndarray:
        """Blood-volume pulse at ``times`` (s): zero mean, peak-to-peak ~1."""
        times = np.asarray(times, dtype=float)
        bt = self.beat_times
        ibi = np.diff(bt)
        k = np.clip(np.searchsorted(bt, times, side="right") - 1, 1, len(ibi) - 2)
        out = np.zeros_like(times)
        for shift in (-1, 0, 1):  # the beat containing t and its neighbours
            j = k + shift
            x = (times - bt[j]) / ibi[j]
            for g in range(2):
                out += self.beat_amp[j, g] * np.exp(
                    -0.5 * ((x - _CENTRE[g]) / self.beat_width[j, g]) ** 2)
        return (out - _TEMPLATE_MEAN) / _TEMPLATE_PTP

    def hr_10s(self, times) -> np.ndarray:
        """Heart rate averaged over the 10 s centred on each time (bpm)."""
        dt = self.t[1] - self.t[0]
        n = max(1, int(round(10.0 / dt)))
        smooth = _moving_mean(self.hr, n)
        return np.interp(times, self.t, smooth)


def _moving_mean(x: np.ndarray, n: int) -> np.ndarray:
    """Centred moving average with edge samples repeated."""
    pad = np.pad(x, (n // 2, n - 1 - n // 2), mode="edge")
    c = np.concatenate([[0.0], np.cumsum(pad)])
    return (c[n:] - c[:-n]) / n


def simulate_physiology(duration_s: float, rng: np.random.Generator, *, hr0_bpm: float = 75.0,
                        hr_ou_sigma_bpm: float = 5.0, hr_ou_tau_s: float = 30.0,
                        resp_hz: float = 0.25, rsa_frac: float = 0.04, lf_hf: float = 0.5,
                        mayer_hz: float = 0.1, ramp_bpm: float = 0.0, ramp_start_s: float = 0.0,
                        ramp_duration_s: float = 20.0, beat_jitter: float = 0.05,
                        hr_limits_bpm: tuple[float, float] = (40.0, 250.0),
                        fs: float = 100.0, margin_s: float = 3.0) -> Physiology:
    """Simulate heart rate, respiration and beats over ``[-margin_s, duration_s + margin_s]``.

    Parameters (sources in the module docstring)
    ----------
    hr0_bpm : resting rate; ``hr_ou_sigma_bpm``/``hr_ou_tau_s``: OU trend (5 bpm, 30 s);
    resp_hz : breathing rate (0.15-0.35 Hz); ``rsa_frac``: RSA depth (0.02-0.08);
    lf_hf : Mayer / RSA power ratio (0.5); ``mayer_hz``: Mayer-wave centre (0.1 Hz);
    ramp_bpm, ramp_start_s, ramp_duration_s : raised-cosine HR step [design];
    beat_jitter : relative per-beat jitter of template amplitudes and widths (0.05);
    hr_limits_bpm : HR(t) is clipped to this range; fs : model grid rate (Hz).
    """
    if duration_s <= 0:
        raise ValueError(f"duration_s must be positive, got {duration_s}")
    t = np.arange(-margin_s, duration_s + margin_s, 1.0 / fs)
    resp = respiration(t, resp_hz, rng)
    trend = ou_process(len(t), 1.0 / fs, hr_ou_sigma_bpm, hr_ou_tau_s, rng)
    rsa = rsa_frac * hr0_bpm * resp
    rsa_rms = rsa_frac * hr0_bpm / np.sqrt(2)
    mayer = narrowband_noise(t, mayer_hz, 0.01, np.sqrt(lf_hf) * rsa_rms, rng)
    x = np.clip((t - ramp_start_s) / max(ramp_duration_s, 1e-6), 0.0, 1.0)
    ramp = ramp_bpm * 0.5 * (1 - np.cos(np.pi * x))
    hr = np.clip(hr0_bpm + trend + rsa + mayer + ramp, *hr_limits_bpm)

    phase = rng.uniform() + np.concatenate([[0.0], np.cumsum(0.5 * (hr[1:] + hr[:-1]) / 60.0 / fs)])
    ks = np.arange(np.ceil(phase[0]), np.floor(phase[-1]) + 1)
    beats = np.interp(ks, phase, t)
    # Pad one nominal beat on each side so every sample has neighbours.
    ibi0 = 60.0 / hr[0]
    ibi1 = 60.0 / hr[-1]
    beats = np.concatenate([[beats[0] - 2 * ibi0, beats[0] - ibi0], beats,
                            [beats[-1] + ibi1, beats[-1] + 2 * ibi1]])
    k = len(beats)
    amp = _AMP * (1 + beat_jitter * rng.uniform(-1, 1, (k, 2)))
    width = _WIDTH * (1 + beat_jitter * rng.uniform(-1, 1, (k, 2)))
    return Physiology(t=t, hr=hr, resp=resp, beat_times=beats, beat_amp=amp, beat_width=width)


def hr_changes(times, hr_bpm, window_s: float = 10.0) -> np.ndarray:
    """Absolute HR changes between consecutive, non-overlapping ``window_s`` windows.

    HR per window is the mean of the instantaneous HR inside it (as a reference
    device or a 10-s spectral estimate would report); GS21 Fig. 6 statistic.
    """
    times = np.asarray(times, dtype=float)
    hr_bpm = np.asarray(hr_bpm, dtype=float)
    idx = np.floor((times - times[0]) / window_s).astype(int)
    n = idx.max()  # drop the last, incomplete window
    means = np.array([hr_bpm[idx == i].mean() for i in range(n)])
    return np.abs(np.diff(means))


def synrhythm_signal(t, rng: np.random.Generator, hr_hz_range=(0.7, 4.0),
                     resp_per_min_range=(5.0, 20.0), m2_ratio_range=(0.0, 0.5),
                     step_range=(-0.5, 0.5), noise_std: float = 0.05) -> tuple[np.ndarray, float]:
    """Synthetic rhythm of Niu et al. 2018 (SynRhythm, Eq. 1).

    ``S = M1 sin(w1 t + phi) + 0.5 M1 sin(2 w1 t + phi) + M2 sin(w2 t + theta)
    + P1 Step(t - t1) + P2 Step(t - t2) + N(t)`` with the HR ``w1/2pi`` uniform in
    0.7-4 Hz and respiration 5-20 per minute (paper); amplitude ratios, step sizes
    and noise level are not given in the paper [design]. Returns ``(S, hr_bpm)``.
    """
    t = np.asarray(t, dtype=float)
    f1 = rng.uniform(*hr_hz_range)
    f2 = rng.uniform(*resp_per_min_range) / 60.0
    m1 = 1.0
    m2 = rng.uniform(*m2_ratio_range) * m1
    phi, theta = rng.uniform(0, 2 * np.pi, 2)
    t1, t2 = np.sort(rng.uniform(t[0], t[-1], 2))
    p1, p2 = rng.uniform(*step_range, 2)
    s = (m1 * np.sin(2 * np.pi * f1 * t + phi) + 0.5 * m1 * np.sin(4 * np.pi * f1 * t + phi)
         + m2 * np.sin(2 * np.pi * f2 * t + theta)
         + p1 * (t >= t1) + p2 * (t >= t2) + noise_std * rng.standard_normal(len(t)))
    return s, 60.0 * f1
