"""Losses of STVEN + rPPGNet (Yu et al., ICCV 2019), the pipeline Deng & Ramakrishnan prune.

- :func:`rppgnet_loss`: negative Pearson on the global PPG, plus weighted
  negative Pearson on the part and auxiliary PPGs, plus the skin-segmentation
  binary cross-entropy.
- :func:`stven_reconstruction_loss`: L1 plus the negative PSNR of a clip against
  its target; :func:`stven_cycle_loss`: the same measure from the clip mapped
  back to the input's level to the input; :func:`stven_loss`: both, from the
  model.
- :func:`perceptual_loss`: rPPGNet's outputs and features on the enhanced clip
  against those on the uncompressed clip.
- :func:`joint_loss`: rPPGNet loss + perceptual term + a small weight on the
  enhancement (reconstruction) loss, for training STVEN in front of rPPGNet.

Pearson terms use :func:`rppg_lib.losses.contrastive.neg_pearson` (``-r``; the
public code uses ``1 - r``, the same up to a constant, so the same gradients).
Pearson's r does not depend on the scale and offset of either signal, so the
public code's z-normalisation of the predictions before the loss is not needed.

Where we follow what
--------------------
- Weights: ``skin_weight`` 0.1, ``part_weight`` 0.5 (on each part and on the
  auxiliary PPG), 1 on the global PPG; the enhancement term of the joint loss
  ``enhancement_weight`` 1e-4; L1 weight 100 against the PSNR term: the public
  training scripts (the papers give no numbers).
- Known bug not reproduced: the public code *adds* the PSNR (in dB) to the loss
  it minimises, which rewards a worse reconstruction. We subtract it (minimise
  ``10 log10(MSE)``), so the "L2" term pulls the clip towards its target as
  the code's comments say it should. The reconstruction loss can therefore be
  negative; only its gradient matters.
- Perceptual term: the public code compares the H/2 and H/4 feature maps with
  a regression criterion it never defines; we use the mean squared error.
  It also compares the skin maps (weight 0.1) and the PPGs (negative Pearson,
  parts at 0.5); we do the same.
- The reference outputs (rPPGNet on the uncompressed clip) are computed under
  ``torch.no_grad``: they are targets. Which networks the step updates is the
  caller's choice (the public code updates STVEN only, with rPPGNet frozen).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .contrastive import neg_pearson

__all__ = [
    "SKIN_WEIGHT",
    "PART_WEIGHT",
    "AUX_WEIGHT",
    "L1_WEIGHT",
    "PSNR_WEIGHT",
    "CYCLE_WEIGHT",
    "PERCEPTUAL_WEIGHT",
    "ENHANCEMENT_WEIGHT",
    "rppgnet_loss",
    "psnr",
    "stven_reconstruction_loss",
    "stven_cycle_loss",
    "stven_loss",
    "perceptual_loss",
    "joint_loss",
]

#: weight of the skin-segmentation BCE in the rPPGNet loss (public code)
SKIN_WEIGHT = 0.1
#: weight of each part PPG's negative Pearson (public code)
PART_WEIGHT = 0.5
#: weight of the auxiliary (H/4 attention) PPG's negative Pearson (public code)
AUX_WEIGHT = 0.5
#: weight of the L1 term against the (negative) PSNR term in the reconstruction loss (public code)
L1_WEIGHT = 100.0
#: weight of the negative PSNR (dB) term in the reconstruction loss (public code, sign fixed)
PSNR_WEIGHT = 1.0
#: weight of the cycle term in the STVEN loss (public code: equal to the reconstruction term)
CYCLE_WEIGHT = 1.0
#: weight of the perceptual term in the joint loss (public code)
PERCEPTUAL_WEIGHT = 1.0
#: weight of the enhancement (reconstruction) loss in the joint loss (public code: 0.0001)
ENHANCEMENT_WEIGHT = 1e-4
#: added to the MSE inside the PSNR (public code)
PSNR_EPS = 1e-7


def _ppg_terms(out, target, part_weight: float, aux_weight: float) -> torch.Tensor:
    """neg_pearson on the global PPG, + part_weight x each part, + aux_weight x aux, against ``target``.

    ``target`` is a PPG ``(N, T)`` or another rPPGNet output (then each head is
    compared with the same head of ``target``).
    """
    ppg, _, parts, aux = out[0], out[1], out[2], out[3]
    if isinstance(target, tuple):
        t_ppg, t_parts, t_aux = target[0], target[2], target[3]
    else:
        t_ppg = torch.as_tensor(target, dtype=ppg.dtype, device=ppg.device)
        t_parts, t_aux = None, t_ppg
    loss = neg_pearson(ppg, t_ppg)
    for k in range(parts.shape[1]):
        loss = loss + part_weight * neg_pearson(parts[:, k], t_ppg if t_parts is None else t_parts[:, k])
    if aux_weight:
        loss = loss + aux_weight * neg_pearson(aux, t_aux)
    return loss


def rppgnet_loss(out, ppg, skin=None, *, skin_weight: float = SKIN_WEIGHT, part_weight: float = PART_WEIGHT,
                 aux_weight: float = AUX_WEIGHT) -> torch.Tensor:
    """rPPGNet's training loss (scalar).

    out : an :class:`rppg_lib.models.RPPGNetOutput` (or a tuple ``(ppg, skin, parts, ppg_aux, ...)``).
    ppg : the reference PPG ``(N, T)``.
    skin : skin labels in [0, 1], shaped like ``out.skin`` ``(N, T, H/2, W/2)``
        or broadcastable to it (e.g. one mask per clip ``(N, 1, H/2, W/2)``);
        None leaves the skin term out (no labels).

    ``neg_pearson(ppg) + part_weight * sum_k neg_pearson(part_k) + aux_weight *
    neg_pearson(aux) + skin_weight * BCE(skin)``. A PPG that matches the label
    gives ``-(1 + 4 part_weight + aux_weight)`` plus the skin term.
    """
    loss = _ppg_terms(out, ppg, part_weight, aux_weight)
    if skin is not None and skin_weight:
        pred = out[1]
        skin = torch.as_tensor(skin, dtype=pred.dtype, device=pred.device).expand_as(pred)
        loss = loss + skin_weight * F.binary_cross_entropy(pred, skin)
    return loss


def psnr(x: torch.Tensor, target: torch.Tensor, peak: float = 1.0, eps: float = PSNR_EPS) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB over the whole batch: ``10 log10(peak^2 / (MSE + eps))``."""
    return 10.0 * torch.log10(peak**2 / (F.mse_loss(x, target) + eps))


def stven_reconstruction_loss(x: torch.Tensor, target: torch.Tensor, *, l1_weight: float = L1_WEIGHT,
                              psnr_weight: float = PSNR_WEIGHT) -> torch.Tensor:
    """``l1_weight * mean|x - target| - psnr_weight * PSNR(x, target)`` (scalar; lower is better).

    Clips scaled to [0, 1] (the PSNR's peak is 1; another peak only shifts the
    loss by a constant).
    """
    if x.shape != target.shape:
        raise ValueError(f"clip {tuple(x.shape)} and target {tuple(target.shape)} differ in shape")
    return l1_weight * (x - target).abs().mean() - psnr_weight * psnr(x, target)


def stven_cycle_loss(cycled: torch.Tensor, compressed: torch.Tensor, **kw) -> torch.Tensor:
    """The cycle term: the enhanced clip mapped back to the input's level against the input itself.

    ``cycled = stven(stven(compressed, target_level), source_level)``; same
    measure as :func:`stven_reconstruction_loss` (keywords passed on).
    """
    return stven_reconstruction_loss(cycled, compressed, **kw)


def stven_loss(stven, compressed: torch.Tensor, original: torch.Tensor, source_level, target_level=0, *,
               cycle_weight: float = CYCLE_WEIGHT, **kw) -> tuple[torch.Tensor, torch.Tensor]:
    """STVEN's own training loss and the enhanced clip: ``(loss, enhanced)``.

    ``enhanced = stven(compressed, target_level)`` against ``original`` (the
    clip at ``target_level``, 0 = uncompressed), plus ``cycle_weight`` x the
    cycle term of ``stven(enhanced, source_level)`` against ``compressed``.
    Levels as :meth:`rppg_lib.models.STVEN.forward` takes them.
    """
    enhanced = stven(compressed, target_level)
    loss = stven_reconstruction_loss(enhanced, original, **kw)
    if cycle_weight:
        loss = loss + cycle_weight * stven_cycle_loss(stven(enhanced, source_level), compressed, **kw)
    return loss, enhanced


def perceptual_loss(out, ref, *, skin_weight: float = SKIN_WEIGHT, part_weight: float = PART_WEIGHT,
                    aux_weight: float = 0.0, feature_weight: float = 1.0) -> torch.Tensor:
    """rPPGNet's outputs on the enhanced clip (``out``) against those on the uncompressed clip (``ref``).

    Negative Pearson between the global PPGs and (``part_weight``) between each
    pair of part PPGs (and ``aux_weight`` between the auxiliary PPGs: 0 in the
    public code), ``skin_weight`` x the MSE between the skin maps and
    ``feature_weight`` x the MSE between each pair of feature maps
    (``out.features``). ``ref`` is treated as a constant.
    """
    ref = tuple(r.detach() if torch.is_tensor(r) else tuple(f.detach() for f in r) for r in ref)
    loss = _ppg_terms(out, ref, part_weight, aux_weight)
    if skin_weight:
        loss = loss + skin_weight * F.mse_loss(out[1], ref[1])
    if feature_weight:
        for f, f_ref in zip(out[4], ref[4]):
            loss = loss + feature_weight * F.mse_loss(f, f_ref)
    return loss


def joint_loss(stven, rppgnet, compressed: torch.Tensor, original: torch.Tensor, ppg, skin=None, *,
               target_level=0, rppgnet_ref=None, perceptual_weight: float = PERCEPTUAL_WEIGHT,
               enhancement_weight: float = ENHANCEMENT_WEIGHT, return_parts: bool = False):
    """Joint STVEN + rPPGNet loss (scalar): rPPGNet loss on the enhanced clip + perceptual term + enhancement term.

    stven, rppgnet : the two networks; ``enhanced = stven(compressed, target_level)``, ``out = rppgnet(enhanced)``.
    original : the uncompressed clip (the enhancement target and the perceptual reference's input).
    ppg, skin : labels as in :func:`rppgnet_loss`.
    rppgnet_ref : the network that gives the perceptual reference on ``original`` (default ``rppgnet``;
        the public code uses a frozen copy of the pre-trained rPPGNet), run under ``torch.no_grad``.

    ``rppgnet_loss(out) + perceptual_weight * perceptual_loss(out, ref) + enhancement_weight *
    stven_reconstruction_loss(enhanced, original)``. With ``return_parts`` also a dict of the three
    terms (floats).
    """
    enhanced = stven(compressed, target_level)
    out = rppgnet(enhanced)
    with torch.no_grad():
        ref = (rppgnet_ref or rppgnet)(original)
    task = rppgnet_loss(out, ppg, skin)
    perceptual = perceptual_loss(out, ref)
    enhancement = stven_reconstruction_loss(enhanced, original)
    loss = task + perceptual_weight * perceptual + enhancement_weight * enhancement
    if return_parts:
        parts = {"rppgnet": task, "perceptual": perceptual, "enhancement": enhancement}
        return loss, {k: float(v.detach()) for k, v in parts.items()}
    return loss
