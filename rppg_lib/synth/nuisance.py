"""Nuisances added to the scene or the video: occlusions and the flashing block.

- :func:`occlusion_events` / :func:`draw_occluder`: an object (a hand-like
  ellipse with a slightly textured, pulse-free skin colour) covers 10-50 % of the
  face for 0.5-3 s (Ouzar et al. 2023 augmentations; [design]). Events arrive as
  a Poisson process; the occluder is tied to the face box so it moves with the head.
- :class:`FlashingBlock`: the nuisance of Gideon & Stent (2021, Fig. 4): a block of
  random pixels whose brightness is modulated at a rate drawn from 60-180 bpm,
  independent of the heart rate. It is pasted into the 8-bit frames, as the
  authors added it to the UBFC videos.
"""
from __future__ import annotations

import cv2
import numpy as np

__all__ = ["occlusion_events", "draw_occluder", "FlashingBlock"]


def occlusion_events(duration_s: float, rng: np.random.Generator, rate_per_min: float = 0.0,
                     coverage=(0.1, 0.5), duration_range=(0.5, 3.0)) -> list[dict]:
    """Occlusion events: start, end (s), coverage of the face box and placement.

    ``placement`` = (dx, dy) in face-box units of the occluder centre from the box
    centre; the occluder is an ellipse whose area is ``coverage`` x box area.
    """
    if rate_per_min <= 0:
        return []
    n = rng.poisson(rate_per_min * duration_s / 60.0)
    events = []
    for start in np.sort(rng.uniform(0, duration_s, n)):
        events.append({
            "start": float(start),
            "end": float(start + rng.uniform(*duration_range)),
            "coverage": float(rng.uniform(*coverage)),
            "placement": rng.uniform(-0.35, 0.35, 2).tolist(),
            "aspect": float(rng.uniform(0.6, 1.6)),
            "shade": float(rng.uniform(0.7, 1.0)),
        })
    return events


def draw_occluder(frame: np.ndarray, event: dict, face_box, colour, t: float) -> float:
    """Draw an active occluder into a linear, channel-first (3, H, W) frame in place.

    Returns the occluded fraction of the face box (0 when inactive). The object
    fades in and out over 0.15 s.
    """
    if not (event["start"] <= t <= event["end"]):
        return 0.0
    x, y, w, h = face_box
    ramp = min(1.0, (t - event["start"]) / 0.15, (event["end"] - t) / 0.15)
    area = event["coverage"] * w * h
    ax = np.sqrt(area * event["aspect"] / np.pi)
    ay = area / (np.pi * ax)
    cx = x + w / 2 + event["placement"][0] * w
    cy = y + h / 2 + event["placement"][1] * h
    H, W = frame.shape[1:]
    x0, x1 = int(max(0, cx - ax - 2)), int(min(W, cx + ax + 3))
    y0, y1 = int(max(0, cy - ay - 2)), int(min(H, cy + ay + 3))
    if x1 <= x0 or y1 <= y0:
        return 0.0
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    r = ((xx - cx) / ax) ** 2 + ((yy - cy) / ay) ** 2
    a = np.clip((1.0 - r) * max(ax, ay) / 1.5, 0, 1) * ramp  # ~1.5 px soft edge
    shading = (1.1 - 0.3 * np.clip(r, 0, 1)) * event["shade"]
    for c in range(3):
        roi = frame[c, y0:y1, x0:x1]
        roi += a * (np.float32(colour[c]) * shading - roi)
    inside = (xx >= x) & (xx < x + w) & (yy >= y) & (yy < y + h)
    return float((a * inside).sum() / max(w * h, 1))


class FlashingBlock:
    """A block of random pixels flashing at ``rate_bpm`` (GS21 Fig. 4).

    Parameters
    ----------
    frame_shape : (H, W) of the video.
    rng : generator for the rate (uniform 60-180 bpm unless given), phase and pixels.
    size_frac : block side as a fraction of min(H, W) [design].
    corner : "tl", "tr", "bl", "br" or "random".
    depth : brightness modulation depth (0-1) [design].
    """

    def __init__(self, frame_shape, rng: np.random.Generator, rate_bpm=None,
                 size_frac: float = 0.15, corner: str = "tl", depth: float = 0.5):
        h, w = frame_shape[:2]
        self.rate_bpm = float(rng.uniform(60.0, 180.0) if rate_bpm is None else rate_bpm)
        self.phase = float(rng.uniform(0, 2 * np.pi))
        side = max(2, int(round(size_frac * min(h, w))))
        if corner == "random":
            corner = ["tl", "tr", "bl", "br"][int(rng.integers(4))]
        if corner not in ("tl", "tr", "bl", "br"):
            raise ValueError(f"corner must be tl, tr, bl, br or random, got {corner!r}")
        y0 = 0 if corner[0] == "t" else h - side
        x0 = 0 if corner[1] == "l" else w - side
        self.box = (x0, y0, side, side)
        self.pixels = rng.uniform(0.25, 0.75, (side, side, 3)).astype(np.float32) * 255
        self.depth = depth

    def apply(self, frame_u8: np.ndarray, t: float) -> None:
        """Paste the block at time ``t`` (s) into an 8-bit RGB frame in place."""
        x0, y0, s, _ = self.box
        k = 1 + self.depth * np.sin(2 * np.pi * self.rate_bpm / 60.0 * t + self.phase)
        frame_u8[y0:y0 + s, x0:x0 + s] = cv2.convertScaleAbs(self.pixels, alpha=float(k))
