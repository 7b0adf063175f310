"""Colour-signal CNN of Kopeliovich et al. 2019, "Architectural tricks for deep
learning in rPPG" (SE, CE, CL and CL+F models of Sections 4.2-4.4 and 5.3).

Input: a batch of colour-signal windows ``(N, 1, 18, 64)`` (18 colour signals =
6 ROIs x RGB, 64 frames at 15 fps, each signal scaled to [-1, 1]; see
:mod:`rppg_lib.papers.kopeliovich2019.colour_signals`).

Architecture (Section 4.2, Fig. 3)::

    5 x [Conv2d(16, kernel 5x11 / 5x11 / 5x11 / 5x11 / 2x11, no padding) -> ReLU -> BatchNorm2d]
        18x64 -> 14x54 -> 10x44 -> 6x34 -> 2x24 -> 1x14 ; flatten 16 x 1 x 14 = 224
    Linear(224, 60) -> ReLU -> BatchNorm1d(60) -> Dropout(0.5)
    Linear(60, M)   -> ReLU -> BatchNorm1d(M)          M = 1 (SE), 128 (CE, CL), 134 (CL+F)
    CL+F only (Section 4.4): (no dropout after the second FC, see below), then
    3 x [Conv1d(1->16, 16->16, 16->1, kernel 3, no padding) -> ReLU -> BatchNorm1d]   134 -> 128

Parameter counts (Section 5.3), checked by the tests: SE 62,675; CE 70,676;
CL 70,676; CL+F 72,017. They are reached *only* if every layer has a bias and
the output layer is also followed by BatchNorm1d (1, 128 and 1 channel(s)
respectively: 2, 256 and 2 parameters). The paper's text says so for the
filter layers ("each layer is followed by ReLU activation and 1D Batch
Normalization") and for the FC layers in general.

Interpretation (parameter-free choices the counts cannot settle):

- ReLU is applied before every BatchNorm, as the paper reports this order
  worked better, including on the output layer (the paper gives both FC
  layers and all filter layers a ReLU).
- Dropout is applied after the hidden FC layer(s) but **not** on the model's
  output: dropout on a single regression output would make the SE model learn
  half the heart rate (train-time outputs are 0 or 2x), contradicting the
  paper's SE MAE of 12.7 bpm. CL+F has no dropout between the second FC and the
  filter either (``filter_dropout``): there it fed the filter's BatchNorm layers,
  whose running statistics were then learnt on half-zeroed inputs and misread the
  full ones at evaluation (the dropout / BatchNorm variance shift). Measured on the
  easiest rung of the data ladder (8 lossless videos, 2 % pulse, same recipe): CL+F
  test MAE 15.0 bpm with it (constant answer 11.1, CL 3.2), 2.9 without.
- The SE head returns bpm: its BatchNorm output ``z`` is mapped, without
  parameters, to ``(hr_min + hr_max) / 2 + (hr_max - hr_min) / 2 * z`` so the
  initial prediction sits mid-range instead of at 0 bpm. The loss is still the
  squared error in bpm (Eq. 1).

Classes (Section 4.2): the admissible range [hr_min, hr_max] = [40, 125] bpm is
split into N = 128 equal segments (85 / 128 = 0.664 bpm); the predicted HR is
the centre of the argmax class.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = [
    "ColourSignalCNN",
    "HEADS",
    "PAPER_PARAMETER_COUNTS",
    "class_width_bpm",
    "class_centres_bpm",
    "bpm_to_class",
    "predict_bpm",
    "windows_hr",
]

#: The four models of the paper, named by their loss (Section 5.3).
HEADS = ("se", "ce", "cl", "clf")

#: Parameter counts stated in Section 5.3 of the paper.
PAPER_PARAMETER_COUNTS = {"se": 62_675, "ce": 70_676, "cl": 70_676, "clf": 72_017}


# ----------------------------------------------------------------------------
# HR <-> class mapping (the single place where it is defined)
# ----------------------------------------------------------------------------
def _check_range(n_classes: int, hr_min: float, hr_max: float) -> None:
    if int(n_classes) < 2:
        raise ValueError(f"n_classes must be >= 2, got {n_classes}")
    if not hr_max > hr_min:
        raise ValueError(f"hr_max ({hr_max}) must exceed hr_min ({hr_min})")


def class_width_bpm(n_classes: int = 128, hr_min: float = 40.0, hr_max: float = 125.0) -> float:
    """Width of one HR class in bpm (85 / 128 = 0.664 bpm in the paper)."""
    _check_range(n_classes, hr_min, hr_max)
    return (hr_max - hr_min) / n_classes


def class_centres_bpm(n_classes: int = 128, hr_min: float = 40.0, hr_max: float = 125.0) -> np.ndarray:
    """Centres (bpm) of the ``n_classes`` equal segments of [hr_min, hr_max] (Section 4.2)."""
    width = class_width_bpm(n_classes, hr_min, hr_max)
    return hr_min + (np.arange(n_classes) + 0.5) * width


def bpm_to_class(hr_bpm, n_classes: int = 128, hr_min: float = 40.0, hr_max: float = 125.0) -> np.ndarray:
    """Class index of each HR: the segment of [hr_min, hr_max] containing it.

    ``hr_max`` itself belongs to the last class. HRs outside the range or not
    finite raise ``ValueError`` (they are never clipped silently; windowing in
    :mod:`rppg_lib.papers.kopeliovich2019.colour_signals` counts and drops them first).
    """
    hr = np.asarray(hr_bpm, dtype=float)
    width = class_width_bpm(n_classes, hr_min, hr_max)
    bad = ~np.isfinite(hr) | (hr < hr_min) | (hr > hr_max)
    if bad.any():
        raise ValueError(
            f"{int(bad.sum())} of {hr.size} heart rates are NaN or outside "
            f"[{hr_min}, {hr_max}] bpm (e.g. {hr[bad].ravel()[:3].tolist()}); "
            "drop them before mapping to classes"
        )
    return np.minimum(np.floor((hr - hr_min) / width).astype(np.int64), n_classes - 1)


def predict_bpm(output, hr_min: float = 40.0, hr_max: float = 125.0, rule: str = "argmax") -> np.ndarray:
    """Heart rate (bpm) from a model output.

    ``output`` ``(N, 1)`` is read as a regression output already in bpm (SE).
    ``output`` ``(N, C)`` holds class scores: ``rule="argmax"`` (the paper,
    Section 4.2: "the resulting label is argmax") returns the centre of the
    best class; ``rule="expectation"`` returns the softmax-weighted mean of the
    class centres (not in the paper; offered for comparison).
    """
    out = output.detach().float().cpu() if torch.is_tensor(output) else torch.as_tensor(output, dtype=torch.float32)
    if out.ndim != 2:
        raise ValueError(f"expected model output of shape (N, C), got {tuple(out.shape)}")
    if out.shape[1] == 1:
        return out[:, 0].numpy().astype(float)
    centres = torch.as_tensor(class_centres_bpm(out.shape[1], hr_min, hr_max), dtype=torch.float64)
    if rule == "argmax":
        return centres[out.argmax(dim=1)].numpy()
    if rule == "expectation":
        return (torch.softmax(out.double(), dim=1) @ centres).numpy()
    raise ValueError(f"rule must be 'argmax' or 'expectation', got {rule!r}")


# ----------------------------------------------------------------------------
# model
# ----------------------------------------------------------------------------
class ColourSignalCNN(nn.Module):
    """Kopeliovich et al. 2019 network for 18 x 64 colour-signal windows.

    Parameters
    ----------
    head : ``"se"`` (regression, squared-error loss, output (N, 1) in bpm),
        ``"ce"`` / ``"cl"`` (128-class scores, cross-entropy / combined loss),
        ``"clf"`` (CL+F: 134 FC outputs filtered by three Conv1d to 128 scores).
        CE and CL share one architecture and differ only in the loss.
    n_signals, window : input height (colour signals) and width (frames), 18 and 64.
    n_classes : number of HR classes, 128 (Section 4.2).
    hr_min, hr_max : admissible HR range in bpm, [40, 125].
    channels : Conv2d output channels, 16.
    kernels : Conv2d kernel sizes (signals x frames), ((5, 11),) * 4 + ((2, 11),).
    hidden : outputs of the first FC layer, 60.
    dropout : dropout rate after hidden FC layers, 0.5.
    filter_channels, filter_kernel : CL+F Conv1d channels and kernel (16, 3);
        the last filter layer has 1 channel.
    filter_dropout : CL+F only, dropout between the second FC and the filter;
        None or 0 (default) = none, as on the output of the other heads.
    """

    def __init__(
        self,
        head: str = "clf",
        n_signals: int = 18,
        window: int = 64,
        n_classes: int = 128,
        hr_min: float = 40.0,
        hr_max: float = 125.0,
        channels: int = 16,
        kernels: tuple = ((5, 11), (5, 11), (5, 11), (5, 11), (2, 11)),
        hidden: int = 60,
        dropout: float = 0.5,
        filter_channels: int = 16,
        filter_kernel: int = 3,
        filter_dropout: float | None = None,
    ):
        super().__init__()
        if head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}, got {head!r}")
        _check_range(n_classes, hr_min, hr_max)
        self.head, self.n_signals, self.window = head, int(n_signals), int(window)
        self.n_classes, self.hr_min, self.hr_max = int(n_classes), float(hr_min), float(hr_max)

        # Feature extractor (Fig. 3a): Conv2d -> ReLU -> BatchNorm2d, no padding, no pooling.
        layers, c_in, h, w = [], 1, self.n_signals, self.window
        for kh, kw in kernels:
            layers += [nn.Conv2d(c_in, channels, (kh, kw)), nn.ReLU(), nn.BatchNorm2d(channels)]
            c_in, h, w = channels, h - kh + 1, w - kw + 1
        if h < 1 or w < 1:
            raise ValueError(f"input {n_signals}x{window} is too small for kernels {kernels}")
        self.features = nn.Sequential(*layers)
        self.n_features = channels * h * w  # 16 * 1 * 14 = 224 in the paper

        # Layers of the "filtering appendix" (Section 4.4) shorten the vector by
        # (kernel - 1) each, so the FC must output n_classes + 3 * (kernel - 1) = 134.
        n_filter_layers = 3
        if head == "se":
            n_out = 1
        elif head == "clf":
            n_out = self.n_classes + n_filter_layers * (filter_kernel - 1)
        else:
            n_out = self.n_classes
        self.fc_outputs = n_out

        fc = [nn.Flatten(), nn.Linear(self.n_features, hidden), nn.ReLU(), nn.BatchNorm1d(hidden), nn.Dropout(dropout),
              nn.Linear(hidden, n_out), nn.ReLU(), nn.BatchNorm1d(n_out)]
        if head == "clf" and filter_dropout:  # off by default: see the class docstring
            fc.append(nn.Dropout(filter_dropout))
        self.classifier = nn.Sequential(*fc)

        if head == "clf":
            filt, c_in = [], 1
            for c_out in (filter_channels, filter_channels, 1):
                filt += [nn.Conv1d(c_in, c_out, filter_kernel), nn.ReLU(), nn.BatchNorm1d(c_out)]
                c_in = c_out
            self.filter = nn.Sequential(*filt)
        else:
            self.filter = None

    @property
    def out_features(self) -> int:
        """Length of the output vector: 1 (SE) or ``n_classes``."""
        return 1 if self.head == "se" else self.n_classes

    def _check_input(self, x: torch.Tensor) -> None:
        expected = (1, self.n_signals, self.window)
        if not torch.is_tensor(x):
            raise ValueError(f"expected a torch tensor of shape (N, {', '.join(map(str, expected))}), got {type(x)}")
        if x.ndim != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(
                f"expected input of shape (N, {', '.join(map(str, expected))}), got {tuple(x.shape)}"
            )
        if not torch.isfinite(x).all():
            n_bad = int((~torch.isfinite(x)).flatten(1).any(dim=1).sum())
            raise ValueError(f"input contains NaN or infinite values in {n_bad} of {x.shape[0]} windows")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, 1, 18, 64)`` -> ``(N, 1)`` bpm for SE, ``(N, 128)`` class scores otherwise."""
        self._check_input(x)
        z = self.classifier(self.features(x))
        if self.head == "se":
            mid, half = (self.hr_min + self.hr_max) / 2, (self.hr_max - self.hr_min) / 2
            return mid + half * z
        if self.filter is not None:
            z = self.filter(z.unsqueeze(1)).squeeze(1)
        return z

    @torch.no_grad()
    def predict_bpm(self, x: torch.Tensor, rule: str = "argmax") -> np.ndarray:
        """HR estimates (bpm) of a batch in eval mode; the model's mode is restored after."""
        was_training = self.training
        self.eval()
        try:
            return predict_bpm(self(x), self.hr_min, self.hr_max, rule)
        finally:
            self.train(was_training)

    def extra_repr(self) -> str:
        return f"head={self.head!r}, classes={self.n_classes} over [{self.hr_min:g}, {self.hr_max:g}] bpm"


def windows_hr(net, traces, spec: dict, starts, batch_size: int = 256) -> np.ndarray:
    """One HR per window of a stored CL+F network, for ``rppg predict --model`` (the ``clip_reader`` of
    :func:`rppg_lib.model_store.colour_signals_input`): the windows of ``spec["window"]`` frames of the ROI traces
    ``traces`` (N, R, 3) that begin at ``starts`` as the chapter cuts them
    (:func:`~rppg_lib.papers.kopeliovich2019.colour_signals.colour_signals`: signal ``3 * r + c``, each min-max
    scaled to [-1, 1] by :func:`~rppg_lib.papers.kopeliovich2019.colour_signals.scale_window`), the HR the centre of
    the argmax class (:func:`predict_bpm`). A window with a constant signal (a frozen ROI, which the chapter drops)
    gets NaN."""
    from .colour_signals import _is_constant, colour_signals, scale_window

    window = int(spec["window"])
    signals = [colour_signals(traces[s:s + window]) for s in starts]
    hr = np.full(len(signals), np.nan)
    usable = np.array([not _is_constant(w) for w in signals], dtype=bool)
    if not usable.any():
        return hr
    x = np.stack([scale_window(w) for w, ok in zip(signals, usable) if ok])[:, None].astype(np.float32)
    out = []
    with torch.no_grad():
        for b in range(0, len(x), batch_size):
            out.append(predict_bpm(net(torch.from_numpy(x[b:b + batch_size])), net.hr_min, net.hr_max))
    hr[usable] = np.concatenate(out)
    return hr
