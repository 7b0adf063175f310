"""A moving face with a known pulse, for tests, benchmarks and demos.

The face is scikit-image's public-domain ``astronaut`` photograph (Eileen
Collins), cut to her head on a grey background. Each frame places the photo,
scaled by ``scale`` and shifted by a known offset, on a grey canvas; the skin
of the face is modulated by a pulse of known rate with the blood-volume signature of de Haan & van Leest (2014),
``C(t) = C0 * (1 + a * p(t) * s)``, ``s = (0.33, 0.77, 0.53)``. This is not the
face-video simulator of :mod:`rppg_lib.synth`; it only has to give the video
code a real face with a ground truth for its position and pulse.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

__all__ = ["DemoVideo", "astronaut_face_video", "ASTRONAUT_FACE_BOX"]

#: Face box (x, y, w, h) that OpenCV's frontal Haar cascade finds in the
#: 512x512 astronaut image (scale factor 1.1, 5 neighbours).
ASTRONAUT_FACE_BOX = (177.0, 66.0, 95.0, 95.0)

_SIGNATURE = np.array([0.33, 0.77, 0.53])

# Only the head is kept (x0, y0, x1, y1 in the photo), on grey: the rest of the
# photo (shuttle model, neck ring, badges) makes the Haar cascade fire.
_HEAD = (120, 0, 330, 215)


@dataclass
class DemoVideo:
    """Frames and their ground truth.

    frames : (T, H, W, 3) uint8 RGB; timestamps : (T,) s; fps : Hz;
    face_boxes : (T, 4) where the Haar box of the unshifted photo lands;
    offsets : (T, 2) x, y shift of the photo (px); pulse : (T,) p(t) in [-1, 1];
    hr_bpm : the pulse rate.
    """

    frames: np.ndarray
    timestamps: np.ndarray
    fps: float
    face_boxes: np.ndarray
    offsets: np.ndarray
    pulse: np.ndarray
    hr_bpm: float


@lru_cache(maxsize=1)
def _astronaut():
    """The head on grey (float32) and its pulsatile part ``img * skin * signature``."""
    import skimage.data

    photo = skimage.data.astronaut()
    x0, y0, x1, y1 = _HEAD
    img = np.full_like(photo, 128)
    img[y0:y1, x0:x1] = photo[y0:y1, x0:x1]
    skin = cv2.inRange(cv2.cvtColor(img, cv2.COLOR_RGB2YCrCb), (0, 133, 77), (255, 173, 127)) > 0
    img = img.astype(np.float32)
    return img, (img * skin[..., None] * _SIGNATURE).astype(np.float32)


def astronaut_face_video(n_frames: int = 150, fps: float = 15.0, hr_bpm: float = 72.0,
                         size: tuple[int, int] = (240, 320), scale: float = 0.6,
                         offsets=None, amplitude: float = 0.02, noise: float = 0.0,
                         seed: int = 0) -> DemoVideo:
    """Build a video of the astronaut's face pulsing at ``hr_bpm``.

    size : (height, width) of the frames.
    scale : size of the 512x512 photo in the frame (0.6 -> face box ~57 px).
    offsets : (T, 2) x, y shifts of the photo in pixels from the position that
        centres the face in the frame; default still.
    amplitude : pulsatile amplitude ``a`` (0.02 = 2 % of the skin colour, a strong
        pulse that survives H.264 at crf 17; real faces show 0.5-2 %).
    noise : standard deviation of Gaussian pixel noise (grey levels).
    """
    H, W = size
    t = np.arange(n_frames) / fps
    phase = 2 * np.pi * hr_bpm / 60.0 * t
    pulse = (np.sin(phase) + 0.25 * np.sin(2 * phase + 0.8)) / 1.25
    fx, fy, fw, fh = ASTRONAUT_FACE_BOX
    base = np.array([W / 2 - scale * (fx + fw / 2), H / 2 - scale * (fy + fh / 2)])  # face centred
    off = np.zeros((n_frames, 2)) if offsets is None else np.asarray(offsets, float)
    if off.shape != (n_frames, 2):
        raise ValueError(f"offsets must have shape ({n_frames}, 2), got {off.shape}")
    img, pulsatile = _astronaut()
    rng = np.random.default_rng(seed)
    frames = np.empty((n_frames, H, W, 3), np.uint8)
    for i in range(n_frames):  # two warps per frame: placement with sub-pixel shifts
        tx, ty = base + off[i]
        M = np.array([[scale, 0, tx], [0, scale, ty]])
        out = cv2.warpAffine(img, M, (W, H), flags=cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=(128, 128, 128))
        out += amplitude * pulse[i] * cv2.warpAffine(pulsatile, M, (W, H))
        if noise:
            out += rng.normal(0, noise, out.shape).astype(np.float32)
        frames[i] = np.clip(np.rint(out), 0, 255)
    x, y, w, h = ASTRONAUT_FACE_BOX
    boxes = np.column_stack([base[0] + off[:, 0] + scale * x, base[1] + off[:, 1] + scale * y,
                             np.full(n_frames, scale * w), np.full(n_frames, scale * h)])
    return DemoVideo(frames, t, float(fps), boxes, off, pulse, float(hr_bpm))
