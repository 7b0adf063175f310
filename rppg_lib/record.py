"""One record type for every dataset, real or simulated.

A :class:`Recording` holds one camera recording of one subject in one session:
either the video frames, or colour traces already averaged over regions, and
the reference signals *aligned to the frames by timestamps* (never stretched
to the frame count). Loaders of real datasets and the simulator both return it,
so every notebook reads data the same way.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Recording"]


@dataclass
class Recording:
    """A recording with its reference signals, all per frame.

    Attributes
    ----------
    fps : nominal frame rate (Hz).
    timestamps : (T,) frame times in seconds from the start of the recording.
    frames : (T, H, W, 3) uint8 RGB video, or None when only traces exist.
    traces : (T, 3) or (T, R, 3) float colour traces (R regions), or None.
    ppg : (T,) reference PPG interpolated at the frame times, or None.
    hr : (T,) reference heart rate (bpm) at the frame times, or None.
    dataset, subject, session, camera, scenario : identifiers ("" when unknown).
    skin_tone : Fitzpatrick type 1-6 when known, else None.
    meta : anything else (reference device, file paths, simulator parameters).
    """

    fps: float
    timestamps: np.ndarray
    frames: np.ndarray | None = None
    traces: np.ndarray | None = None
    ppg: np.ndarray | None = None
    hr: np.ndarray | None = None
    dataset: str = ""
    subject: str = ""
    session: str = ""
    camera: str = ""
    scenario: str = ""
    skin_tone: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.timestamps = np.asarray(self.timestamps, dtype=float)
        n = len(self.timestamps)
        if self.frames is None and self.traces is None:
            raise ValueError("a Recording needs frames or traces")
        for name in ("frames", "traces", "ppg", "hr"):
            value = getattr(self, name)
            if value is not None and len(value) != n:
                raise ValueError(
                    f"{name} has {len(value)} samples but there are {n} timestamps; "
                    "align reference and video by time before building a Recording"
                )
        if n > 1 and np.any(np.diff(self.timestamps) <= 0):
            raise ValueError("timestamps must be strictly increasing")

    def __len__(self) -> int:
        return len(self.timestamps)

    @property
    def duration_s(self) -> float:
        """Length in seconds (time of the last frame plus one frame period)."""
        return float(self.timestamps[-1] - self.timestamps[0] + 1.0 / self.fps) if len(self) else 0.0

    @property
    def name(self) -> str:
        """A readable identifier such as ``ubfc/subject3/cam0``."""
        parts = [p for p in (self.dataset, self.subject, self.session, self.camera, self.scenario) if p]
        return "/".join(parts) or "recording"
