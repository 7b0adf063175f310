"""Camera and light: illumination, AE/AWB, sensor noise, gamma, codec, timing.

Spec §2. Every model here acts on whole frames or on per-frame scalars:

- :func:`capture_times`: nominal frame times plus Gaussian jitter (0-5 ms) and
  random drops (0-2 %) (Mironenko et al. 2020; [design]).
- :func:`illumination`: global light level ``I(t)`` and colour ``L_k(t)``: an
  Ornstein-Uhlenbeck drift (0.5-5 % per 10 s, tau 30 s), random steps (+-10-50 %,
  0.2 s ramps), colour-temperature drift (red against blue) and mains flicker
  ``1 + m cos(2 pi f_l t)`` averaged over the exposure window, which gives
  ``1 + m sinc(f_l e) cos(2 pi f_l (t + e/2))``. Sampling that at the frame
  times produces the alias ``|f_l - round(f_l/fs) fs|`` of the simulator design's table.
- :class:`ExposureControl`: auto-exposure and auto-white-balance as first-order
  loops (tau 0.3-2 s) on the centre-weighted frame mean of the previous frame;
  AE with a deadband and its gain quantised in EV steps; both start at their
  steady state. AWB keeps the colour ratios of the first frame (a locked grey
  world) [design].
- :class:`Sensor`: Poisson-Gaussian noise ``var = a y + b`` from the full-well
  capacity (3-10 ke-) and read noise (2-15 e-) (Foi et al. 2008), *before* the
  analog gain, so a darker face or scene (higher AE gain) is noisier; then
  clipping, gamma 2.2 and 8-bit quantisation through a 16-bit look-up table.
  Gaussian draws come from a per-clip bank of standard normals, read at a random
  2-D offset with a random flip per frame (drawing ~10^6 normals per frame would
  cost more than the rest of the frame); the noise is independent between pixels,
  and two frames share values only at shifted positions.
- :class:`Codec`: lossy compression through PyAV/FFmpeg, encoding and decoding in
  memory, 4:2:0 (libx264 / libx265 with CRF; mpeg4, mjpeg, wmv2, msmpeg4 with a
  fixed quantiser ``qscale`` 1-31), one thread and (x264) no macroblock tree, so a seed
  gives the same bytes.
"""
from __future__ import annotations

from fractions import Fraction

import av
import cv2
import numpy as np

from .face import GAMMA
from .pulse import ou_process

__all__ = [
    "CODECS",
    "capture_times",
    "illumination",
    "flicker_alias_hz",
    "ExposureControl",
    "Sensor",
    "Codec",
]

#: Encoders accepted by :class:`Codec` -> (FFmpeg decoder, pixel format, quality option).
CODECS = {
    "libx264": ("h264", "yuv420p", "crf"),
    "libx265": ("hevc", "yuv420p", "crf"),
    "mpeg4": ("mpeg4", "yuv420p", "qscale"),
    "mjpeg": ("mjpeg", "yuvj420p", "qscale"),
    "wmv2": ("wmv2", "yuv420p", "qscale"),
    "msmpeg4": ("msmpeg4", "yuv420p", "qscale"),
}


def capture_times(n_frames: int, fps: float, rng: np.random.Generator, jitter_s: float = 0.0,
                  drop_rate: float = 0.0) -> np.ndarray:
    """Capture times (s) of the frames that reach the file.

    Nominal ``i / fps`` plus N(0, ``jitter_s``) (clipped to +-40 % of a frame period
    so the order is kept), with each frame dropped with probability ``drop_rate``.
    """
    t = np.arange(n_frames) / fps
    if jitter_s > 0:
        t = t + np.clip(rng.normal(0.0, jitter_s, n_frames), -0.4 / fps, 0.4 / fps)
        t[0] = max(t[0], 0.0)
    if drop_rate > 0:
        keep = rng.random(n_frames) >= drop_rate
        keep[0] = True
        t = t[keep]
    return t


def flicker_alias_hz(flicker_hz: float, fps: float) -> float:
    """Apparent frequency of a light flicker sampled at ``fps`` (spec §2 table)."""
    return float(abs(flicker_hz - round(flicker_hz / fps) * fps))


def illumination(times: np.ndarray, rng: np.random.Generator, *, level: float = 1.0,
                 drift: float = 0.01, steps_per_min: float = 0.0, step_size=(0.1, 0.5),
                 step_chroma: float = 0.0, colour_drift: float = 0.0, flicker_hz: float = 100.0,
                 flicker_depth: float = 0.0, exposure_s: float = 0.01
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Light level ``I`` (T,) and colour ``L`` (T, 3) at the capture times.

    Parameters
    ----------
    level : mean level (1 = the photo's exposure).
    drift : std of the relative change over 10 s (0.005-0.05); OU, tau 30 s.
    steps_per_min : mean rate of abrupt changes; ``step_size`` range of their
        relative size (sign random), each a 0.2 s raised-cosine ramp.
    step_chroma : std of the relative change of each channel at a step: a light
        of another colour switching, e.g. the screen in front of a subject
        showing new content [design]. 0 = steps change the level only.
    colour_drift : std of the OU red/blue balance (colour temperature) [design].
    flicker_hz, flicker_depth : mains flicker (100 or 120 Hz, depth 0-0.3).
    exposure_s : exposure time over which the flicker is averaged.
    """
    times = np.asarray(times, float)
    grid = np.arange(0.0, times[-1] + 0.1, 0.05)
    sigma = drift / np.sqrt(2 * (1 - np.exp(-10.0 / 30.0)))
    lvl = 1 + ou_process(len(grid), 0.05, sigma, 30.0, rng)
    if steps_per_min > 0:
        n_steps = rng.poisson(steps_per_min * grid[-1] / 60.0)
        for t0 in rng.uniform(0, grid[-1], n_steps):
            size = rng.uniform(*step_size) * rng.choice([-1.0, 1.0])
            ramp = np.clip((grid - t0) / 0.2, 0, 1)
            lvl *= 1 + size * (0.5 - 0.5 * np.cos(np.pi * ramp))
    lvl = level * np.maximum(np.interp(times, grid, lvl), 0.05)
    if flicker_depth > 0:
        e = max(exposure_s, 1e-6)
        lvl = lvl * (1 + flicker_depth * np.sinc(flicker_hz * e)
                     * np.cos(2 * np.pi * flicker_hz * (times + e / 2)))
    colour = np.ones((len(grid), 3))
    if steps_per_min > 0 and step_chroma > 0:
        for t0 in rng.uniform(0, grid[-1], rng.poisson(steps_per_min * grid[-1] / 60.0)):
            ramp = np.clip((grid - t0) / 0.2, 0, 1)
            change = step_chroma * rng.standard_normal(3)
            colour *= 1 + change[None, :] * (0.5 - 0.5 * np.cos(np.pi * ramp))[:, None]
    colour = np.stack([np.interp(times, grid, colour[:, c]) for c in range(3)], axis=1)
    if colour_drift > 0:
        c = np.interp(times, grid, ou_process(len(grid), 0.05, colour_drift, 30.0, rng))
        colour[:, 0] += c
        colour[:, 2] -= c
    return lvl, colour


class ExposureControl:
    """Auto-exposure and auto-white-balance loops (first order, one frame latency).

    Parameters
    ----------
    fps : frame rate (loop step).
    ae_tau_s : AE time constant (0.3-2 s); None = fixed ``gain``.
    awb_tau_s : AWB time constant; None = no white balance changes.
    target : metered linear luminance the AE aims at [design].
    step_ev : gain quantisation in EV (1/64 EV ~ 1.1 %) [design].
    deadband : relative exposure error the AE tolerates before it moves (3 %)
        [design]; without it the quantised gain steps every few seconds under a
        slow light drift, and each step is a broadband jump of ~2 pulse amplitudes.
    gain_limits : allowed analog gain range.
    """

    def __init__(self, fps: float, ae_tau_s=None, awb_tau_s=None, target: float = 0.2,
                 gain: float = 1.0, step_ev: float = 1 / 64, deadband: float = 0.03,
                 gain_limits=(0.25, 16.0)):
        self.dt = 1.0 / fps
        self.ae_tau_s, self.awb_tau_s = ae_tau_s, awb_tau_s
        self.target, self.step_ev, self.limits = target, step_ev, gain_limits
        self.deadband = deadband
        self._tracking = False
        self.gain = float(gain)
        self.wb = np.ones(3)
        self._ref_ratio = None
        self._started = False

    @staticmethod
    def meter(frame: np.ndarray) -> np.ndarray:
        """Mean RGB of the central half of a (3, H, W) frame (centre-weighted metering)."""
        h, w = frame.shape[1:]
        centre = frame[:, h // 4: 3 * h // 4, w // 4: 3 * w // 4]
        return np.array([cv2.mean(plane)[0] for plane in centre])

    def update(self, metered_rgb: np.ndarray) -> None:
        """Feed the (pre-gain) metered RGB of the frame just captured."""
        lum = max(float(metered_rgb @ np.array([0.3, 0.6, 0.1])), 1e-6)
        ratio = metered_rgb / max(metered_rgb[1], 1e-9)
        if not self._started:
            self._started = True
            self._ref_ratio = ratio
            if self.ae_tau_s:
                self.gain = float(np.clip(self.target / lum, *self.limits))
            return
        if self.ae_tau_s:
            desired = float(np.clip(self.target / lum, *self.limits))
            error = abs(np.log(desired / self.gain))
            # Hysteresis: start correcting beyond the deadband, stop within a quarter of it.
            if error > self.deadband:
                self._tracking = True
            elif error < self.deadband / 4:
                self._tracking = False
            if self._tracking:
                k = 1 - np.exp(-self.dt / self.ae_tau_s)
                self.gain += k * (desired - self.gain)
        if self.awb_tau_s:
            k = 1 - np.exp(-self.dt / self.awb_tau_s)
            self.wb += k * (self._ref_ratio / np.maximum(ratio, 1e-9) - self.wb)

    @property
    def applied_gains(self) -> np.ndarray:
        """Per-channel gains of the next frame (AE gain quantised in EV steps)."""
        g = self.gain
        if self.ae_tau_s and self.step_ev > 0:
            g = 2.0 ** (np.round(np.log2(g) / self.step_ev) * self.step_ev)
        return g * self.wb


class Sensor:
    """Poisson-Gaussian sensor noise, analog gain, gamma and 8-bit output.

    Frames enter channel-first, (3, H, W) float32 linear, and leave as (H, W, 3)
    uint8 RGB.

    Parameters
    ----------
    shape : (H, W) of the frames.
    rng : camera generator (noise bank, offsets and signs).
    full_well_e : electrons at linear signal 1 before gain (3-10 ke-); 0 = no noise.
    read_noise_e : read noise in electrons (2-15 e-).
    gamma : display gamma of the output encoding (2.2).
    """

    def __init__(self, shape, rng: np.random.Generator, full_well_e: float = 6000.0,
                 read_noise_e: float = 5.0, gamma: float = GAMMA, noise_blur_px: float = 0.0):
        self.h, self.w = int(shape[0]), int(shape[1])
        self.rng = rng
        self.full_well = float(full_well_e)
        self.read = float(read_noise_e)
        self.noisy = bool(full_well_e and np.isfinite(full_well_e) and full_well_e > 0)
        if self.noisy:
            self.bank = rng.standard_normal((3, 2 * self.h, 2 * self.w), dtype=np.float32)
            if noise_blur_px > 0:
                for plane in self.bank:
                    cv2.GaussianBlur(plane, (0, 0), noise_blur_px, dst=plane)
                    plane /= plane.std()
        x = np.arange(65536, dtype=np.float64) / 65535.0
        self.lut = np.round(255.0 * x ** (1.0 / gamma)).astype(np.uint8)
        self._y = np.empty((self.h, self.w), np.float32)
        self._v = np.empty((self.h, self.w), np.float32)

    def capture(self, radiance: np.ndarray, gains, camera_gain=None) -> np.ndarray:
        """Scene radiance (3, H, W) -> uint8 RGB frame (H, W, 3).

        ``gains`` (3,) multiply the radiance to give the output signal (light
        level and colour times the camera gains; full well = 1). ``camera_gain``
        (3,) is the analog-gain part, which amplifies the noise (default: all of
        ``gains``). With ``s`` the pre-gain signal, ``var(out) = g^2 (s/FW +
        (read/FW)^2) = a y + b`` with ``y = g s``, ``a = g/FW``, ``b = (g read/FW)^2``.
        """
        gains = np.asarray(gains, np.float64)
        g_cam = gains if camera_gain is None else np.asarray(camera_gain, np.float64)
        y, v = self._y, self._v
        if self.noisy:
            y0 = int(self.rng.integers(0, self.h + 1))
            x0 = int(self.rng.integers(0, self.w + 1))
            signs = self.rng.choice([-1.0, 1.0], 3)
        planes = []
        scale = 65535.0
        for c in range(3):
            np.multiply(radiance[c], np.float32(gains[c] * scale), out=y)
            if self.noisy:
                a = g_cam[c] / self.full_well * scale
                b = (g_cam[c] * self.read / self.full_well * scale) ** 2
                cv2.addWeighted(y, a, y, 0.0, b, dst=v)
                cv2.max(v, 0.0, dst=v)
                cv2.sqrt(v, dst=v)
                v *= self.bank[c, y0:y0 + self.h, x0:x0 + self.w]
                if signs[c] < 0:
                    y -= v
                else:
                    y += v
            np.clip(y, 0.0, scale, out=y)
            planes.append(self.lut.take(y.astype(np.uint16)))
        return cv2.merge(planes)


class Codec:
    """In-memory lossy encode + decode of a frame stream with PyAV.

    RGB <-> YUV 4:2:0 conversions use OpenCV (BT.601, limited range, the same
    matrix as FFmpeg's default, and ~15x faster than PyAV's reformat); mjpeg's
    "full-range" pixel format only relabels the planes, so the round trip is exact
    apart from the codec and the chroma subsampling.

    ``push(frame)`` returns the decoded frames that became available (encoders
    buffer a few frames); ``flush()`` returns the rest. Frame sizes must be even
    (4:2:0); odd sizes are padded by one pixel and cropped back.

    Parameters
    ----------
    name : one of :data:`CODECS`.
    crf : libx264/libx265 constant rate factor (0-51; 0 = lossless for x264).
    qscale : fixed quantiser for mpeg4, mjpeg, wmv2, msmpeg4 (2 = best, 31 = worst).
    preset : x264/x265 speed preset (FFmpeg's default "medium"; faster presets zero more
        small residuals through their dead zones and erase more of the pulse).
    bframes : x264/x265 B-frames between reference frames; None = the encoder's default
        (3 for x264 "medium"). The picture quality follows the frame type, so the mean colour
        of a region carries a cadence at ``fps / (bframes + 1)`` Hz: 3.75 Hz (225 bpm) at
        15 fps, inside the heart-rate band; 15 Hz at MAHNOB-HCI's 61 fps, far outside it.
    """

    def __init__(self, name: str, width: int, height: int, fps: float, crf: float = 23,
                 qscale: float = 5, preset: str = "medium", gop: int | None = None,
                 bframes: int | None = None):
        if name not in CODECS:
            raise ValueError(f"unknown codec {name!r}; valid: {sorted(CODECS)}")
        dec_name, pix, quality = CODECS[name]
        self.width, self.height = width, height
        self.pad = (height % 2, width % 2)
        enc = av.CodecContext.create(name, "w")
        enc.width, enc.height = width + self.pad[1], height + self.pad[0]
        enc.pix_fmt = pix
        rate = Fraction(fps).limit_denominator(1001)
        enc.time_base = 1 / rate
        enc.framerate = rate
        enc.thread_count = 1
        if gop:
            enc.gop_size = int(gop)
        opts = {}
        if quality == "crf":
            opts = {"crf": str(int(round(crf))), "preset": preset}
            if name == "libx264":
                # Same frames, same bytes: with x264's own threads (the context's thread_count
                # does not reach it) or its macroblock tree, 3-4 of 12 encodes of one clip
                # differed; with neither, all 12 agree, at the same speed.
                opts["x264-params"] = "threads=1:no-mbtree=1"
            if name == "libx265":
                opts["x265-params"] = "log-level=none:pools=1:frame-threads=1"
            if bframes is not None:
                key = "x264-params" if name == "libx264" else "x265-params"
                opts[key] += f":bframes={int(bframes)}"
        else:
            q = str(int(np.clip(round(qscale), 1, 31)))
            opts = {"qmin": q, "qmax": q}
        enc.options = opts
        self.enc = enc
        self.dec_name = dec_name
        self.dec = None  # opened with the first packet: some decoders need the encoder's extradata
        self.pix = pix
        self.n_in = 0
        self.bytes = 0

    def _open_decoder(self):
        self.dec = av.CodecContext.create(self.dec_name, "r")
        self.dec.thread_count = 1
        self.dec.width, self.dec.height = self.enc.width, self.enc.height
        if self.enc.extradata:
            self.dec.extradata = self.enc.extradata

    def _decode(self, packets) -> list[np.ndarray]:
        out = []
        for packet in packets:
            if self.dec is None:
                self._open_decoder()
            self.bytes += packet.size
            for frame in self.dec.decode(packet):
                out.append(self._to_rgb(frame))
        return out

    def _to_rgb(self, frame) -> np.ndarray:
        rgb = cv2.cvtColor(frame.to_ndarray(), cv2.COLOR_YUV2RGB_I420)
        return rgb[: self.height, : self.width]

    def push(self, rgb: np.ndarray) -> list[np.ndarray]:
        """Encode one uint8 RGB frame; return the frames decoded so far."""
        if any(self.pad):
            rgb = cv2.copyMakeBorder(rgb, 0, self.pad[0], 0, self.pad[1], cv2.BORDER_REPLICATE)
        yuv = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YUV_I420)
        frame = av.VideoFrame.from_ndarray(yuv, format=self.pix)
        frame.pts = self.n_in
        self.n_in += 1
        return self._decode(self.enc.encode(frame))

    def flush(self) -> list[np.ndarray]:
        """Drain encoder and decoder."""
        out = self._decode(self.enc.encode(None))
        if self.dec is not None:
            out += [self._to_rgb(f) for f in self.dec.decode(None)]
        return out
