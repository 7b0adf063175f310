"""Deng & Ramakrishnan library pieces: STVEN, rPPGNet, their losses, SNIP and structured pruning."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from rppg_lib.losses import joint_loss, neg_pearson, rppgnet_loss, stven_loss, stven_reconstruction_loss
from rppg_lib.models import STVEN, RPPGNet, RPPGNetOutput
from rppg_lib.train import snip_prune
from rppg_lib.train.pruning import (
    apply_masks,
    count_nonzero,
    count_parameters,
    count_prunable,
    load_sparse_state_dict,
    prunable_parameters,
    sparse_state_dict,
    state_dict_bytes,
    storage_report,
    structured_prune,
    to_sparse_inference,
)

FS = 30.0
T = 16


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _batch(n=2, t=T, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    clip = torch.rand(n, 3, t, size, size, generator=g)
    ppg = torch.sin(2 * math.pi * 1.2 * torch.arange(t) / FS + torch.rand(n, 1, generator=g) * 6)
    return clip, ppg


def _rppg_loss_fn(model, batch):
    clip, ppg = batch
    return rppgnet_loss(model(clip), ppg)


def _pruned_zero(model, masks) -> bool:
    params = dict(model.named_parameters())
    return all(bool((params[k].detach()[~m] == 0).all()) for k, m in masks.items())


# ----------------------------------------------------------------------------
# models
# ----------------------------------------------------------------------------
def test_default_parameter_counts():
    # STVEN: 64-128-512 encoder, 4 residual (2+1)D blocks at 512 channels, 4 level channels in the input
    assert count_parameters(STVEN()) == 37_314_816
    # rPPGNet: width 64, skin branch, aux + global + 4 part heads
    assert count_parameters(RPPGNet()) == 550_331


@pytest.mark.parametrize("shape", [(2, 3, 8, 16, 16), (1, 3, 7, 18, 13), (1, 3, 1, 8, 8)])
def test_stven_keeps_the_clip_shape_with_and_without_the_level(shape):
    torch.manual_seed(0)
    m = STVEN(base_channels=4, n_blocks=1)
    x = torch.rand(*shape)
    n = shape[0]
    for level in (None, 0, 2, torch.full((n,), 3), torch.nn.functional.one_hot(torch.ones(n, dtype=torch.long), 4)
                  .float()):
        assert m(x, level).shape == x.shape
    assert STVEN(base_channels=4, n_blocks=1, n_levels=0)(x).shape == x.shape


def test_stven_level_code_changes_the_output_and_is_checked():
    torch.manual_seed(0)
    m = STVEN(base_channels=4, n_blocks=1)
    x = torch.rand(1, 3, 4, 16, 16)
    assert not torch.allclose(m(x, 0), m(x, 3))
    assert torch.allclose(m(x), m(x, 0))            # default: level 0 (uncompressed target)
    with pytest.raises(ValueError):
        m(x, 4)
    with pytest.raises(ValueError):
        m(torch.rand(1, 3, 4, 4, 4))


def test_rppgnet_gives_a_ppg_per_frame():
    torch.manual_seed(0)
    m = RPPGNet(width=16)
    x, _ = _batch(n=2, t=11, size=40)
    out = m(x)
    assert isinstance(out, RPPGNetOutput) and isinstance(out, tuple)
    assert out[0].shape == (2, 11)                   # global PPG first
    skin = out.skin.detach()
    assert skin.shape == (2, 11, 20, 20) and float(skin.min()) >= 0 and float(skin.max()) <= 1
    assert out.parts.shape == (2, 4, 11) and out.ppg_aux.shape == (2, 11)
    assert [f.shape[1] for f in out.features] == [8, 16]
    # each quadrant has its own head (the public code reuses the global head for the first one)
    assert len({id(h) for h in m.head_parts} | {id(m.head_global)}) == 5


# ----------------------------------------------------------------------------
# losses
# ----------------------------------------------------------------------------
def test_rppgnet_loss_prefers_the_label_to_noise():
    torch.manual_seed(0)
    _, ppg = _batch(n=3)
    skin = torch.rand(3, T, 8, 8)
    like = lambda p: RPPGNetOutput(p, skin, p[:, None].repeat(1, 4, 1), p, ())
    good = rppgnet_loss(like(3 * ppg + 1), ppg, skin)
    noise = rppgnet_loss(like(torch.randn(3, T)), ppg, skin)
    assert torch.isfinite(good) and torch.isfinite(noise) and good < noise
    # -(1 + 4 x 0.5 + 0.5) plus the skin BCE
    assert float(rppgnet_loss(like(ppg), ppg)) == pytest.approx(-3.5, abs=1e-5)


def test_losses_are_finite_and_the_reconstruction_term_rewards_the_target():
    torch.manual_seed(0)
    clip, ppg = _batch(n=2)
    noisy = (clip + 0.05 * torch.randn_like(clip)).clamp(0, 1)
    # the PSNR term is subtracted: the clean target scores lower than a noisy copy
    assert stven_reconstruction_loss(clip + 1e-3, clip) < stven_reconstruction_loss(noisy, clip)
    stven, rppg = STVEN(base_channels=4, n_blocks=1), RPPGNet(width=16)
    out = rppg(clip)
    assert torch.isfinite(rppgnet_loss(out, ppg, torch.ones_like(out.skin)))
    loss, enhanced = stven_loss(stven, noisy, clip, source_level=2)
    assert torch.isfinite(loss) and enhanced.shape == clip.shape
    total, parts = joint_loss(stven, rppg, noisy, clip, ppg, return_parts=True)
    assert torch.isfinite(total) and set(parts) == {"rppgnet", "perceptual", "enhancement"}
    total.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in stven.parameters())
    assert neg_pearson(ppg, ppg).item() == pytest.approx(-1.0, abs=1e-6)


# ----------------------------------------------------------------------------
# SNIP
# ----------------------------------------------------------------------------
def test_snip_keeps_exactly_ten_percent_and_they_stay_zero_under_adam_weight_decay():
    torch.manual_seed(0)
    m = RPPGNet(width=16)
    batch = _batch()
    n = count_prunable(m)
    masks = snip_prune(m, batch, _rppg_loss_fn, keep=0.1)
    assert set(masks) == set(prunable_parameters(m)) and set(masks) <= dict(m.named_parameters()).keys()
    assert all(m.dtype == torch.bool for m in masks.values())
    k = round(0.1 * n)
    assert sum(int(v.sum()) for v in masks.values()) == k
    assert count_nonzero(m, prunable_only=True) == k
    opt = torch.optim.Adam(m.parameters(), lr=1e-2, weight_decay=1e-2)
    for _ in range(4):
        opt.zero_grad()
        _rppg_loss_fn(m, batch).backward()
        opt.step()
        assert _pruned_zero(m, masks)                  # right after the step, no forward in between
    assert count_nonzero(m, prunable_only=True) <= k
    assert count_nonzero(m, prunable_only=True) > 0.9 * k


def test_masks_hold_against_optimizer_state_from_before_pruning():
    torch.manual_seed(0)
    batch = _batch()
    for pass_optimizer in (False, True):
        m = RPPGNet(width=16)
        opt = torch.optim.SGD(m.parameters(), lr=1e-2, momentum=0.9, weight_decay=1e-3)
        for _ in range(2):                             # dense steps: momentum everywhere
            opt.zero_grad()
            _rppg_loss_fn(m, batch).backward()
            opt.step()
        masks = snip_prune(m, batch, _rppg_loss_fn, keep=0.1, optimizer=opt if pass_optimizer else None)
        opt.zero_grad()
        _rppg_loss_fn(m, batch).backward()
        opt.step()                                     # stale momentum moves the pruned weights ...
        assert _pruned_zero(m, masks) == pass_optimizer
        m(batch[0])                                    # ... and the forward pre-hook zeroes them again
        assert _pruned_zero(m, masks)


def test_snip_leaves_batchnorm_statistics_alone_and_masks_can_be_removed():
    torch.manual_seed(0)
    m = RPPGNet(width=16)
    before = {k: v.clone() for k, v in m.named_buffers()}
    masks = snip_prune(m, _batch(), _rppg_loss_fn, keep=0.5, apply=False)
    assert all(torch.equal(before[k], v) for k, v in m.named_buffers())
    assert count_nonzero(m, prunable_only=True) == count_prunable(m)   # apply=False: nothing zeroed
    handle = apply_masks(m, masks)
    assert m.pruning_masks is handle and handle.density == pytest.approx(0.5, abs=1e-4)
    handle.remove()
    with pytest.raises(ValueError):
        snip_prune(m, _batch(), _rppg_loss_fn, keep=0.0)


def test_sparse_storage_and_execution_match_the_masked_model():
    torch.manual_seed(0)
    m = RPPGNet(width=16)
    batch = _batch(n=1)
    snip_prune(m, batch, _rppg_loss_fn, keep=0.1)
    m.eval()
    with torch.no_grad():
        dense = m(batch[0]).ppg
        sparse = to_sparse_inference(m)(batch[0]).ppg
    assert torch.allclose(dense, sparse, atol=1e-5)
    sd = sparse_state_dict(m)
    fresh = RPPGNet(width=16)
    load_sparse_state_dict(fresh, sd)
    assert all(torch.equal(a, b) for a, b in zip(m.state_dict().values(), fresh.state_dict().values()))
    assert state_dict_bytes(sd) < state_dict_bytes(m.state_dict())
    rep = storage_report(m)
    assert rep["nonzero_prunable"] == round(0.1 * rep["prunable"])
    assert rep["bitmask_bytes"] < rep["csr32_bytes"] < rep["csr64_bytes"] < rep["dense_bytes"]


# ----------------------------------------------------------------------------
# structured pruning
# ----------------------------------------------------------------------------
def test_structured_pruning_reaches_the_budget_and_runs():
    torch.manual_seed(0)
    dense = RPPGNet()
    n = count_prunable(dense)
    small = structured_prune(dense, torch.rand(1, 3, 4, 32, 32), keep=0.1)
    assert count_prunable(dense) == n                   # the original is untouched
    assert 0.09 * n <= count_prunable(small) <= 0.1 * n
    assert count_parameters(small) < 0.12 * count_parameters(dense)
    out = small(torch.rand(2, 3, 9, 48, 48))
    assert out.ppg.shape == (2, 9) and out.parts.shape == (2, 4, 9) and out.skin.shape == (2, 9, 24, 24)
    assert np.isfinite(out.ppg.detach().numpy()).all()


def test_structured_pruning_of_stven_keeps_the_clip_shape():
    torch.manual_seed(0)
    dense = STVEN(base_channels=8, n_blocks=2)
    small = structured_prune(dense, torch.rand(1, 3, 4, 16, 16), keep=0.1)
    assert count_prunable(small) <= 0.1 * count_prunable(dense)
    x = torch.rand(1, 3, 5, 20, 20)
    assert small(x, 2).shape == x.shape
