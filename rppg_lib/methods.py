"""Classical (training-free) rPPG methods: GREEN, ICA, CHROM, POS, LGI, PBV.

Every method has the signature ``method(rgb, fs, **published_defaults) -> pulse``:

- ``rgb``: ``(T, 3)`` colour traces with channels in the order R, G, B, i.e.
  the raw spatial means of the skin pixels of each frame, DC level included
  (several methods divide by the temporal mean, so the traces must be
  positive), or a batch ``(N, T, 3)``;
- ``fs``: frame rate in Hz;
- ``pulse``: ``(T,)`` or ``(N, T)``, band-passed to ``band_hz``.

Every method ends with the zero-phase Butterworth band-pass of
:func:`rppg_lib.signal.bandpass` over ``band_hz = (0.7, 4.0)`` Hz (42-240 bpm),
the band of Poh et al. (2010, 2011); the other papers do not fix a final band,
so the same one is used for all of them. It needs ``fs > 8`` Hz; pass a
narrower ``band_hz`` for slower cameras.

Window lengths (``window_s``) are converted to ``round(window_s * fs)``
frames (rounded up to an even number where windows overlap by half). A trace
must be at least one window long and at least one period of the lowest band
frequency (``fs / band_hz[0]`` frames), otherwise ``ValueError``.

Polarity of the output. The skin reflection model is
``C_k(t) = DC_k * (1 + i(t) + a * p(t) * s_k)`` with ``s`` the blood volume
pulse signature. GREEN, ICA (sign fixed by the green loading), POS, PBV and LGI
return a signal in phase with ``+p(t)``, i.e. with the green channel's
pulsatile variation. CHROM keeps the paper's ``S = Xf - alpha * Yf``, which
for skin-like signatures is in *antiphase* with the green channel. Camera
traces decrease when blood volume increases, so a contact PPG correlates
negatively with GREEN/POS and positively with CHROM.

References
----------
- Verkruysse, Svaasand & Nelson (2008), Opt. Express 16(26), 21434 (GREEN).
- Poh, McDuff & Picard (2010), Opt. Express 18(10), 10762; Poh, McDuff &
  Picard (2011), IEEE TBME 58(1), 7 (ICA).
- de Haan & Jeanne (2013), IEEE TBME 60(10), 2878 (CHROM).
- de Haan & van Leest (2014), Physiol. Meas. 35, 1913 (PBV).
- Wang, den Brinker, Stuijk & de Haan (2017), IEEE TBME 64(7), 1479 (POS).
- Pilz, Zaunseder, Krajewski & Blazek (2018), CVPR Workshops, 1254 (LGI).
"""
from __future__ import annotations

import warnings

import numpy as np
import scipy.ndimage
import scipy.signal

from . import signal as sig

__all__ = [
    "green",
    "ica",
    "chrom",
    "pos",
    "lgi",
    "pbv",
    "METHODS",
    "apply_method",
    "PULSE_BAND_HZ",
    "PBV_SIGNATURE",
]

#: Final pulse band in Hz (Poh et al. 2010/2011): 42-240 bpm.
PULSE_BAND_HZ: tuple[float, float] = (0.7, 4.0)

#: Blood volume pulse signature of de Haan & van Leest (2014), relative
#: pulsatile amplitudes in R, G, B for their camera (normalised to unit length
#: inside :func:`pbv`).
PBV_SIGNATURE: tuple[float, float, float] = (0.33, 0.77, 0.53)

# Windowed methods process the batch in chunks of at most this many float64
# elements in the (chunk, windows, window length, 3) array (~64 MB).
_MAX_CHUNK_ELEMENTS = 8_000_000


# ----------------------------------------------------------------------------
# input checks and shared machinery
# ----------------------------------------------------------------------------
def _check_band_hz(band_hz, fs: float) -> tuple[float, float]:
    try:
        lo, hi = (float(b) for b in band_hz)
    except (TypeError, ValueError):
        raise ValueError(f"band_hz must be a pair (low, high) in Hz, got {band_hz!r}") from None
    if not (0 < lo < hi < fs / 2.0):
        raise ValueError(
            f"band_hz must satisfy 0 < low < high < Nyquist ({fs / 2.0:g} Hz for fs = {fs:g}), "
            f"got {band_hz!r}"
        )
    return lo, hi


def _as_batch(rgb, fs, band_hz, window: int = 0, name: str = "method"):
    """Validate ``rgb`` and return ``(x, batched, band)`` with ``x`` of shape (N, T, 3)."""
    x = np.asarray(rgb, dtype=float)
    if x.ndim not in (2, 3):
        raise ValueError(f"{name}: rgb must have shape (T, 3) or (N, T, 3), got {x.shape}")
    if x.shape[-1] != 3:
        if x.shape[-2] == 3:
            layout = "(3, T)" if x.ndim == 2 else "(N, 3, T)"
            fix = "rgb.T" if x.ndim == 2 else "np.swapaxes(rgb, 1, 2)"
            raise ValueError(
                f"{name}: rgb has shape {x.shape}, which looks channel-first {layout}; "
                f"time must come first and the last axis must hold R, G, B: pass {fix}"
            )
        raise ValueError(
            f"{name}: the last axis of rgb must hold the 3 channels R, G, B, got shape {x.shape}"
        )
    if not np.isfinite(fs) or fs <= 0:
        raise ValueError(f"{name}: sampling rate fs must be a positive number, got {fs!r}")
    band = _check_band_hz(band_hz, fs)
    if not np.all(np.isfinite(x)):
        bad = int(x.size - np.count_nonzero(np.isfinite(x)))
        raise ValueError(
            f"{name}: rgb holds {bad} NaN or infinite values; interpolate or drop those frames "
            "first (e.g. rppg_lib.signal.resample_uniform over the finite frames)"
        )
    T = x.shape[-2]
    min_len = max(int(window), int(np.ceil(fs / band[0])))
    if T < min_len:
        raise ValueError(
            f"{name}: rgb has {T} frames ({T / fs:.2f} s at {fs:g} Hz); at least {min_len} are "
            f"needed (one window of the method and one period of the lowest band frequency "
            f"{band[0]:g} Hz)"
        )
    batched = x.ndim == 3
    return (x if batched else x[None]), batched, band


def _window_length(window_s: float, fs: float, even: bool = False) -> int:
    if not np.isfinite(fs) or fs <= 0:
        raise ValueError(f"sampling rate fs must be a positive number, got {fs!r}")
    if not np.isfinite(window_s) or window_s <= 0:
        raise ValueError(f"window_s must be a positive number of seconds, got {window_s!r}")
    L = max(2, int(round(window_s * fs)))
    return L + (L % 2) if even else L


def _window_starts(T: int, L: int, step: int) -> np.ndarray:
    """Start indices of windows of length L every ``step`` frames; the last one ends at T."""
    starts = np.arange(0, T - L + 1, step)
    if starts[-1] != T - L:
        starts = np.append(starts, T - L)
    return starts


def _hann_windows(rgb, fs, band_hz, window_s, name):
    """Validated batch and the half-overlapping Hann layout of CHROM and PBV.

    Returns ``(x, batched, band, L, starts, taper)``: ``L`` is the even window
    length in frames, ``starts`` the window starts every ``L // 2`` frames (the
    last one aligned to the end) and ``taper`` the periodic Hann window.
    """
    L = _window_length(window_s, fs, even=True)
    x, batched, band = _as_batch(rgb, fs, band_hz, L, name)
    starts = _window_starts(x.shape[1], L, L // 2)
    return x, batched, band, L, starts, scipy.signal.get_window("hann", L)


def _windows(x: np.ndarray, L: int, starts: np.ndarray) -> np.ndarray:
    """(N, T, 3) -> (N, W, 3, L): the windows starting at ``starts``."""
    view = np.lib.stride_tricks.sliding_window_view(x, L, axis=1)  # (N, T-L+1, 3, L)
    return view if len(starts) == view.shape[1] else view[:, starts]


def _overlap_add(h: np.ndarray, starts: np.ndarray, T: int, taper: np.ndarray) -> np.ndarray:
    """Overlap-add windowed segments and divide by the summed taper.

    ``h`` is ``(N, W, L)``, already multiplied by ``taper``. The division makes
    the result independent of how many windows cover a sample (at the ends of
    the trace, and where the last window is aligned to the end); in the
    interior of a Hann, half-overlap layout the summed taper is 1 and the
    result is the plain overlap-add of the papers.
    """
    N, _, L = h.shape
    out = np.zeros((N, T))
    weight = np.zeros(T)
    for k in range(L):  # starts are distinct, so each fancy-index add is exact
        out[:, starts + k] += h[:, :, k]
        weight[starts + k] += taper[k]
    return np.where(weight > 0, out / np.where(weight > 0, weight, 1.0), 0.0)


def _chunked(core, x: np.ndarray, n_windows: int, L: int) -> np.ndarray:
    """Apply ``core`` ((n, T, 3) -> (n, T)) to chunks of the batch to bound memory."""
    per_item = max(1, n_windows * L * 3)
    size = max(1, _MAX_CHUNK_ELEMENTS // per_item)
    if x.shape[0] <= size:
        return core(x)
    return np.concatenate([core(x[i:i + size]) for i in range(0, x.shape[0], size)])


def _require_dc(w: np.ndarray, name: str, axis: int = -1) -> np.ndarray:
    """Temporal mean of ``w`` along ``axis``; ValueError unless it is clearly positive.

    "Clearly" means above a millionth of the root mean square, so that a
    zero-mean trace whose mean is +1e-15 from rounding is caught too.
    """
    mu = w.mean(axis=axis, keepdims=True)
    rms = np.sqrt(np.mean(w * w, axis=axis, keepdims=True))
    if np.any(mu <= 1e-6 * rms):
        raise ValueError(
            f"{name}: a colour channel has a non-positive mean (in some window); pass raw "
            "spatial means of skin pixels (DC included), not zero-mean or normalised traces"
        )
    return mu


def _normalise_by_mean(w: np.ndarray, name: str) -> np.ndarray:
    """Divide by the temporal mean along the last axis: C_n = C / mean_t(C)."""
    return w / _require_dc(w, name)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, 0 where den is 0 (a flat projection carries no pulse)."""
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def _finish(pulse: np.ndarray, fs: float, band, batched: bool) -> np.ndarray:
    out = sig.bandpass(pulse, fs, band[0], band[1])
    return out if batched else out[0]


# ----------------------------------------------------------------------------
# methods
# ----------------------------------------------------------------------------
def green(rgb, fs: float, band_hz=PULSE_BAND_HZ) -> np.ndarray:
    """GREEN (Verkruysse et al. 2008): the green channel, normalised and band-passed.

    ``pulse = BP(G / mean_t(G) - 1)``. Verkruysse et al. found the green
    channel to carry the strongest plethysmographic signal; dividing by the
    mean makes the output a relative change (dimensionless) and the band-pass
    (``band_hz``, default 0.7-4 Hz) removes the trend. No window.
    """
    x, batched, band = _as_batch(rgb, fs, band_hz, name="green")
    g = _normalise_by_mean(x[:, :, 1], "green") - 1.0
    return _finish(g, fs, band, batched)


def ica(rgb, fs: float, detrend_lambda: float = 10.0, lambda_fs: float = 15.0,
        smooth_frames: int = 5, band_hz=PULSE_BAND_HZ, random_state: int = 0,
        max_iter: int = 1000) -> np.ndarray:
    """ICA (Poh, McDuff & Picard 2010, 2011), on the whole trace.

    Steps (Poh et al. 2011):

    1. each channel detrended with smoothness priors (Tarvainen et al. 2002,
       :func:`rppg_lib.signal.detrend`) with ``lambda = 10`` at the paper's
       15 fps webcam. The cut-off of that filter is fixed in cycles per
       *sample* (half amplitude near ``fs / (2 pi sqrt(lambda))``), so the
       value is rescaled as ``lambda * (fs / lambda_fs)**2`` to keep the
       paper's cut-off in Hz (about 0.76 Hz at half amplitude, 0.95 Hz at
       -3 dB); 40 at 30 fps;
    2. z-normalised: ``(x - mean) / std`` per channel;
    3. three sources from FastICA (scikit-learn; Poh used JADE), with a fixed
       ``random_state`` so results are reproducible;
    4. the source whose normalised power spectrum has the highest peak inside
       ``band_hz`` is the pulse; its sign is chosen so that its loading on
       the green channel is positive (ICA leaves sign and scale arbitrary);
    5. a ``smooth_frames``-point moving average (5 in the paper) and the
       band-pass ``band_hz`` (0.7-4 Hz as in the paper, here a Butterworth
       filter instead of their 128-point Hamming FIR).

    Poh et al. ran this on 30 s windows moved by 1 s; windowing is left to the
    caller. A batch is processed item by item.
    """
    from sklearn.decomposition import FastICA

    x, batched, band = _as_batch(rgb, fs, band_hz, name="ica")
    lam = float(detrend_lambda) * (fs / float(lambda_fs)) ** 2
    detrended = sig.detrend(np.swapaxes(x, 1, 2), lam)  # (N, 3, T)
    sd = detrended.std(axis=-1, keepdims=True)
    if np.any(sd <= 0):
        raise ValueError("ica: a colour channel is constant after detrending; ICA needs "
                         "three varying channels")
    z = (detrended - detrended.mean(axis=-1, keepdims=True)) / sd
    pulses = np.empty((x.shape[0], x.shape[1]))
    for n, channels in enumerate(z):
        model = FastICA(n_components=3, whiten="unit-variance", random_state=random_state,
                        max_iter=max_iter)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*did not converge.*")
            sources = model.fit_transform(channels.T).T  # (3, T)
        freqs, psd = sig.power_spectrum(sources, fs)
        psd = psd / psd.sum(axis=-1, keepdims=True)
        in_band = (freqs >= band[0]) & (freqs <= band[1])
        k = int(np.argmax(psd[:, in_band].max(axis=-1)))
        sign = 1.0 if model.mixing_[1, k] >= 0 else -1.0
        pulses[n] = sign * sources[k]
    if smooth_frames and smooth_frames > 1:
        pulses = scipy.ndimage.uniform_filter1d(pulses, int(smooth_frames), axis=-1,
                                                mode="nearest")
    return _finish(pulses, fs, band, batched)


def chrom(rgb, fs: float, window_s: float = 1.6, band_hz=PULSE_BAND_HZ) -> np.ndarray:
    """CHROM (de Haan & Jeanne 2013), windowed with Hann overlap-add.

    In each window of ``window_s`` seconds (1.6 s: the rPPG-Toolbox
    convention ``WinSec = 1.6``, the same as POS's 32 frames at 20 fps; not
    checked against the CHROM paper's own interval), moved by half a window:

    - ``C_n = C / mean_t(C)`` per channel;
    - ``Xs = 3 R_n - 2 G_n`` and ``Ys = 1.5 R_n + G_n - 1.5 B_n``;
    - ``Xf, Yf`` = ``Xs, Ys`` band-passed to ``band_hz``;
    - ``alpha = std(Xf) / std(Yf)`` and ``S = Xf - alpha * Yf``;

    the windows of ``S`` are multiplied by a (periodic) Hann window and
    overlap-added, then band-passed again. ``S`` is in antiphase with the
    green channel's pulsatile variation for skin-like signatures (the paper's
    sign is kept).

    Two properties favour the second harmonic of a pulse over its fundamental.
    Band-passing each short window on its own weakens the low end of the band
    (a 0.7 Hz high-pass cannot settle within 1.6 s), so a slow pulse loses
    more of its fundamental than of its harmonic. And the alpha tuning assumes
    face skin, whose pulse moves ``Xs`` and ``Ys`` in antiphase. A fingertip
    lit through by a flash pulses in a nearly grey colour: its relative pulse
    amplitude in red is close to 2/3 of that in green or above, where
    ``Xs = 3 R_n - 2 G_n`` carries little of the pulse or carries it in phase
    with ``Ys``, and ``Xf - alpha * Yf`` cancels much of the fundamental.
    Read the heart rate with the harmonic check of
    :func:`rppg_lib.signal.estimate_hr`.
    """
    x, batched, band, L, starts, taper = _hann_windows(rgb, fs, band_hz, window_s, "chrom")
    T = x.shape[1]

    def core(xb):
        cn = _normalise_by_mean(_windows(xb, L, starts), "chrom")  # (n, W, 3, L)
        xs = 3.0 * cn[:, :, 0] - 2.0 * cn[:, :, 1]
        ys = 1.5 * cn[:, :, 0] + cn[:, :, 1] - 1.5 * cn[:, :, 2]
        xf = sig.bandpass(xs, fs, band[0], band[1])
        yf = sig.bandpass(ys, fs, band[0], band[1])
        alpha = _ratio(xf.std(axis=-1, keepdims=True), yf.std(axis=-1, keepdims=True))
        s = xf - alpha * yf
        return _overlap_add(s * taper, starts, T, taper)

    return _finish(_chunked(core, x, len(starts), L), fs, band, batched)


def pos(rgb, fs: float, window_s: float = 1.6, band_hz=PULSE_BAND_HZ) -> np.ndarray:
    """POS, plane-orthogonal-to-skin (Wang et al. 2017, Algorithm 1).

    For every window of ``l = window_s * fs`` frames (1.6 s, the paper's
    32 frames at 20 fps), moved by one frame:

    - ``C_n = C / mean_t(C)`` (temporal normalisation);
    - ``S = P C_n`` with ``P = [[0, 1, -1], [-2, 1, 1]]`` (both rows are
      orthogonal to ``[1, 1, 1]``, so a common intensity change cancels);
    - ``h = S_1 + (std(S_1) / std(S_2)) * S_2`` (alpha tuning);
    - ``H[t:t+l] += h - mean(h)`` (overlap-add).

    The overlap-added sum is divided by the number of windows covering each
    sample (l in the interior, fewer at the ends), then band-passed to
    ``band_hz``. Output in phase with the green channel's pulsatile variation.
    """
    L = _window_length(window_s, fs)
    x, batched, band = _as_batch(rgb, fs, band_hz, L, "pos")
    T = x.shape[1]
    starts = np.arange(T - L + 1)
    taper = np.ones(L)

    def core(xb):
        cn = _normalise_by_mean(_windows(xb, L, starts), "pos")  # (n, W, 3, L)
        s1 = cn[:, :, 1] - cn[:, :, 2]
        s2 = -2.0 * cn[:, :, 0] + cn[:, :, 1] + cn[:, :, 2]
        alpha = _ratio(s1.std(axis=-1, keepdims=True), s2.std(axis=-1, keepdims=True))
        h = s1 + alpha * s2
        h -= h.mean(axis=-1, keepdims=True)
        return _overlap_add(h, starts, T, taper)

    return _finish(_chunked(core, x, len(starts), L), fs, band, batched)


def lgi(rgb, fs: float, band_hz=PULSE_BAND_HZ) -> np.ndarray:
    """LGI, local group invariance (Pilz et al. 2018), on the whole trace.

    With ``X`` the ``(3, T)`` raw colour traces, ``u`` the first left singular
    vector of ``X`` (computed as the top eigenvector of ``X X^T``; it is the
    dominant, skin-tone/intensity direction), the projection
    ``P = I - u u^T`` removes that direction and the pulse is the green row of
    ``P X``, band-passed to ``band_hz``. A change of intensity scales ``X``
    along ``u`` and is removed. Applied to the whole trace, as the
    rPPG-Toolbox does; to track a changing skin tone or illuminant, call it on
    shorter segments.
    """
    x, batched, band = _as_batch(rgb, fs, band_hz, name="lgi")
    _require_dc(x, "lgi", axis=1)  # u must be the skin-tone (DC) direction
    gram = np.einsum("ntc,ntd->ncd", x, x)  # X X^T per item, (N, 3, 3)
    _, vecs = np.linalg.eigh(gram)
    u = vecs[:, :, -1]  # eigenvector of the largest eigenvalue, (N, 3)
    proj = np.eye(3)[None] - u[:, :, None] * u[:, None, :]
    y = np.einsum("ntc,ndc->ntd", x, proj)  # (P X)^T, (N, T, 3)
    return _finish(y[:, :, 1], fs, band, batched)


def pbv(rgb, fs: float, window_s: float = 1.6, signature=PBV_SIGNATURE,
        band_hz=PULSE_BAND_HZ, ridge: float = 1e-3) -> np.ndarray:
    """PBV, blood volume pulse signature (de Haan & van Leest 2014).

    In each window of ``window_s`` seconds (1.6 s and half-window steps, as
    in :func:`chrom`: our choice, the same authors' CHROM set-up):

    - ``C_n`` = colour traces divided by their temporal mean, minus 1, and
      band-passed to ``band_hz`` (3 x l);
    - ``Q = C_n C_n^T`` (3 x 3), plus a diagonal loading
      ``ridge * trace(Q) / 3 * I`` (our addition; ``ridge=0`` is the paper's
      formula). ``W`` below is a minimum-variance beamformer, and with
      little noise any mismatch between ``P_bv`` and the true signature
      (even the one the per-window mean normalisation introduces) makes it
      cancel part of the pulse; the default 0.1 % loading keeps that in check
      while still suppressing distortions far stronger than the pulse;
    - ``W = k P_bv Q^-1`` with ``P_bv`` the unit-length ``signature``
      (default ``[0.33, 0.77, 0.53]``) and ``k = 1 / (P_bv Q^-1 P_bv^T)``,
      so that ``W P_bv^T = 1``: the minimum-variance combination that passes a
      pulse with exactly that signature unchanged;
    - ``S = W C_n``;

    then Hann overlap-add and a final band-pass, as for :func:`chrom`. Output
    in phase with the pulse's variation of the colour traces. As in
    :func:`chrom`, band-passing each window on its own favours the second
    harmonic of a slow pulse over its fundamental.
    """
    sig_vec = np.asarray(signature, dtype=float)
    if sig_vec.shape != (3,) or not np.all(np.isfinite(sig_vec)) or not np.any(sig_vec):
        raise ValueError(f"pbv: signature must be 3 finite numbers (R, G, B), got {signature!r}")
    sig_vec = sig_vec / np.linalg.norm(sig_vec)
    if not np.isfinite(ridge) or ridge < 0:
        raise ValueError(f"pbv: ridge must be a non-negative number, got {ridge!r}")
    x, batched, band, L, starts, taper = _hann_windows(rgb, fs, band_hz, window_s, "pbv")
    T = x.shape[1]

    def core(xb):
        cn = _normalise_by_mean(_windows(xb, L, starts), "pbv") - 1.0  # (n, W, 3, L)
        cn = sig.bandpass(cn, fs, band[0], band[1])
        q = np.einsum("nwcl,nwdl->nwcd", cn, cn)
        power = np.trace(q, axis1=-2, axis2=-1) / 3.0
        load = np.where(power > 0, ridge * power, 1.0)  # an all-zero window: W = P_bv, S = 0
        q = q + load[..., None, None] * np.eye(3)
        w = np.linalg.solve(q, np.broadcast_to(sig_vec, q.shape[:-1])[..., None])[..., 0]
        w = w / np.einsum("nwc,c->nw", w, sig_vec)[..., None]
        s = np.einsum("nwc,nwcl->nwl", w, cn)
        return _overlap_add(s * taper, starts, T, taper)

    return _finish(_chunked(core, x, len(starts), L), fs, band, batched)


# ----------------------------------------------------------------------------
# dispatch
# ----------------------------------------------------------------------------
#: Name -> function, for loops over all classical methods.
METHODS = {
    "green": green,
    "ica": ica,
    "chrom": chrom,
    "pos": pos,
    "lgi": lgi,
    "pbv": pbv,
}


def apply_method(name: str, rgb, fs: float, **kwargs) -> np.ndarray:
    """Run the classical method called ``name`` (case-insensitive) on ``rgb``.

    Extra keyword arguments go to the method (e.g. ``window_s`` for POS).
    Raises ``ValueError`` listing the valid names for an unknown one.
    """
    key = str(name).lower()
    if key not in METHODS:
        raise ValueError(f"unknown rPPG method {name!r}; valid names: {', '.join(METHODS)}")
    return METHODS[key](rgb, fs, **kwargs)
