"""Temporal difference convolution, TDC (Yu et al. 2020, AutoHR, Sec. II-A, Eq. 1).

A 3-D convolution whose adjacent temporal slices look at *differences* to the
current frame: with ``R_t`` the kernel's spatial footprint at the centre time
``t`` and ``R_{t-1}``, ``R_{t+1}`` its footprints one frame before and after,
Eq. 1 of the paper reads

    O(p0) = sum_{n in R_{t-1}} w(p_n) * (I(p0 + p_n) - theta * I(p0))
          + sum_{n in R_t}     w(p_n) *  I(p0 + p_n)
          + sum_{n in R_{t+1}} w(p_n) * (I(p0 + p_n) - theta * I(p0)),

where ``I(p0)`` is the input at the output's own position (centre frame,
centre pixel). Expanding the brackets gives the identity this module relies on:

    O = Conv3d(I; W) - theta * Conv1x1x1(I; W_diff),
    W_diff[o, i] = sum of W[o, i, s, :, :] over every temporal slice s except the centre,

the form the authors' later public code uses (PAPERS.md, Sec. 4). The
subtracted term reads only the centre tap of the input, which the 3-D kernel
reads too, so it folds into the kernel: TDC is one ``conv3d`` with the weight

    W_tdc = W, except W_tdc[:, :, ct, ch, cw] = W[:, :, ct, ch, cw] - theta * W_diff

(``ct, ch, cw`` the kernel centre). The folding is exact everywhere, borders
included, because with "same" padding the centre tap never falls on padding.
``theta = 0`` is plain ``nn.Conv3d`` with the same weights (the weight is not
touched); ``theta = 1`` makes every non-centre temporal slice act on pure frame
differences ``I(p0 + p_n) - I(p0)``.

Constant input. For an input equal to ``c`` everywhere, at interior voxels
(at least ``k // 2`` away from every border in T, H and W),

    O = b + c * (S_centre + (1 - theta) * S_adjacent),

with ``S_centre`` the sum of the centre temporal slice's weights and
``S_adjacent = W_diff`` summed over the input channels: theta scales the
adjacent slices' response to a static scene by ``(1 - theta)`` and leaves the
centre slice alone (so ``O - b = (1 - theta) * (Conv3d(c) - b)`` exactly when
the centre slice sums to zero). Caveat: zero padding breaks this at the
borders: at the first frame the missing slice ``t - 1`` contributes 0 to the
convolution while its weights are still in ``W_diff``, so the output there is
``b + c * (S_centre + S_{t+1} - theta * S_adjacent)``.

Paper vs public code. The kernel may have any odd temporal size; for size 5
``W_diff`` sums the four non-centre slices, as the authors' public code of the
same operator does. A temporal size of 1 has no adjacent slice and TDC is
Conv3d. The bias (off by default: TDC is followed by BatchNorm in AutoHR) is
added once, as in Eq. 1 plus a bias; the public code also subtracts
``theta * bias``.
"""
from __future__ import annotations

import torch
import torch.nn as nn

__all__ = ["TDC3d", "tdc_difference_kernel"]


def _triple(v) -> tuple[int, int, int]:
    if isinstance(v, int):
        return (v, v, v)
    v = tuple(int(x) for x in v)
    if len(v) != 3:
        raise ValueError(f"expected an int or three ints, got {v!r}")
    return v


def tdc_difference_kernel(weight: torch.Tensor) -> torch.Tensor:
    """``W_diff``: a Conv3d weight's sums over every non-centre temporal slice, ``(C_out, C_in/g, 1, 1, 1)``."""
    kt = weight.shape[2]
    ct = kt // 2
    total = weight.sum(dim=(2, 3, 4), keepdim=True)
    centre = weight[:, :, ct:ct + 1].sum(dim=(3, 4), keepdim=True)
    return total - centre


class TDC3d(nn.Conv3d):
    """Temporal difference convolution (AutoHR Eq. 1); a drop-in ``nn.Conv3d``.

    Parameters
    ----------
    in_ch, out_ch : input and output channels.
    kernel_size : int or (kt, kh, kw); every size must be odd (the kernel has a centre).
    theta : weight of the temporal difference, in [0, 1] in the paper (0.7 is
        the value the authors' later public code uses; AutoHR's search space
        uses 0.2 and 1.0). 0 gives ``nn.Conv3d``.
    stride, dilation, groups, bias : as for ``nn.Conv3d``.
    padding : default "same" size ``dilation * (k // 2)`` per axis; only that
        padding is accepted, so that the centre tap is the output's own voxel.

    The parameters (``weight``, ``bias``) are those of ``nn.Conv3d``, so a
    state dict moves between the two. See the module docstring for the
    identity and the folded kernel used in :meth:`forward`.
    """

    def __init__(self, in_ch: int, out_ch: int, kernel_size=3, theta: float = 0.7, stride=1, padding=None,
                 dilation=1, groups: int = 1, bias: bool = False):
        k = _triple(kernel_size)
        d = _triple(dilation)
        if any(x % 2 == 0 or x < 1 for x in k):
            raise ValueError(f"TDC needs odd kernel sizes (a centre tap), got {k}")
        same = tuple(di * (ki // 2) for ki, di in zip(k, d))
        padding = same if padding is None else _triple(padding)
        if padding != same:
            raise ValueError(f"TDC needs 'same' padding {same} for kernel {k} and dilation {d}, got {padding}")
        if not 0.0 <= float(theta) <= 1.0:
            raise ValueError(f"theta must lie in [0, 1] (paper), got {theta}")
        super().__init__(in_ch, out_ch, k, stride=stride, padding=padding, dilation=d, groups=groups, bias=bias)
        self.theta = float(theta)

    def folded_weight(self) -> torch.Tensor:
        """The single kernel equal to Conv3d minus theta x the 1x1x1 difference conv."""
        if self.theta == 0.0 or self.kernel_size[0] == 1:
            return self.weight
        ct, ch, cw = (k // 2 for k in self.kernel_size)
        delta = torch.zeros_like(self.weight)
        delta[:, :, ct, ch, cw] = tdc_difference_kernel(self.weight)[:, :, 0, 0, 0]
        return self.weight - self.theta * delta

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, self.folded_weight(), self.bias)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", theta={self.theta:g}"
