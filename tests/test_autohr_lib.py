"""Yu et al. (2020), AutoHR: TDC, search space, genotype, hybrid loss, DA1 / DA2 (shared library pieces)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from rppg_lib import signal as sig
from rppg_lib.augment import hr_resample_clip, spatiotemporal_cutout
from rppg_lib.losses import frequency_ce_loss, hr_class_psd, hr_to_class, hybrid_loss, predict_hr_class
from rppg_lib.losses.contrastive import pearson_correlation
from rppg_lib.losses.hybrid import sinusoid_correlation
from rppg_lib.models import (
    MANUAL_GENOTYPE,
    PRIMITIVES,
    AutoHRNet,
    AutoHRSearchNet,
    Genotype,
    MixedOp,
    TDC3d,
    derive_genotype,
    make_search_optimizers,
    search_step,
    validate_genotype,
)
from rppg_lib.models.autohr import channel_shuffle
from rppg_lib.models.tdc import tdc_difference_kernel

FS = 30.0


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _n_params(params) -> int:
    return sum(p.numel() for p in params)


# ----------------------------------------------------------------------------
# TDC
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("bias,stride", [(False, 1), (True, 1), (True, (1, 2, 2))])
def test_tdc_theta_zero_is_conv3d_with_the_same_weights(bias, stride):
    torch.manual_seed(0)
    conv = nn.Conv3d(3, 5, 3, stride=stride, padding=1, bias=bias)
    tdc = TDC3d(3, 5, 3, theta=0.0, stride=stride, bias=bias)
    tdc.load_state_dict(conv.state_dict())
    x = torch.randn(2, 3, 6, 9, 9)
    assert torch.equal(tdc(x), conv(x))


def _eq1_literal(x, w, theta):
    """Eq. 1 written out: sum over taps of w * I(p0 + p_n), minus theta * I(p0) on the adjacent slices."""
    n, _, t, h, wd = x.shape
    kt, kh, kw = w.shape[2:]
    xp = F.pad(x, (kw // 2, kw // 2, kh // 2, kh // 2, kt // 2, kt // 2))
    out = torch.zeros(n, w.shape[0], t, h, wd, dtype=x.dtype)
    for a in range(kt):
        for b in range(kh):
            for c in range(kw):
                patch = xp[:, :, a:a + t, b:b + h, c:c + wd]
                if a != kt // 2:
                    patch = patch - theta * x
                out += torch.einsum("oi,nithw->nothw", w[:, :, a, b, c], patch)
    return out


@pytest.mark.parametrize("kernel", [3, (5, 3, 3), (3, 1, 1)])
def test_tdc_equals_eq1_and_the_conv_minus_1x1x1_identity(kernel):
    torch.manual_seed(1)
    theta = 0.6
    tdc = TDC3d(2, 4, kernel, theta=theta).double()
    x = torch.randn(2, 2, 7, 6, 6, dtype=torch.float64)
    y = tdc(x)
    torch.testing.assert_close(y, _eq1_literal(x, tdc.weight, theta), rtol=1e-12, atol=1e-12)
    # the identity of the docstring: Conv3d(x) - theta * Conv1x1x1(x; W_diff)
    pad = tuple(k // 2 for k in tdc.kernel_size)
    ident = F.conv3d(x, tdc.weight, padding=pad) - theta * F.conv3d(x, tdc_difference_kernel(tdc.weight))
    torch.testing.assert_close(y, ident, rtol=1e-12, atol=1e-12)


def test_tdc_on_a_constant_input_scales_the_adjacent_slices_by_one_minus_theta():
    """Interior voxels: O = b + c (S_centre + (1 - theta) S_adjacent); the borders differ (zero padding)."""
    torch.manual_seed(2)
    c, theta = 1.7, 0.4
    tdc = TDC3d(3, 4, 3, theta=theta, bias=True).double()
    x = torch.full((1, 3, 6, 5, 5), c, dtype=torch.float64)
    y = tdc(x)
    w = tdc.weight
    s_centre = w[:, :, 1].sum(dim=(1, 2, 3))
    s_adj = w[:, :, 0].sum(dim=(1, 2, 3)) + w[:, :, 2].sum(dim=(1, 2, 3))
    expected = tdc.bias + c * (s_centre + (1 - theta) * s_adj)
    interior = y[0, :, 1:-1, 1:-1, 1:-1]
    torch.testing.assert_close(interior, expected[:, None, None, None].expand_as(interior), rtol=1e-12, atol=1e-12)
    # first frame, interior pixel: slice t-1 is padding, yet its weights are in the subtracted term
    first = tdc.bias + c * (s_centre + w[:, :, 2].sum(dim=(1, 2, 3)) - theta * s_adj)
    torch.testing.assert_close(y[0, :, 0, 2, 2], first, rtol=1e-12, atol=1e-12)
    assert not torch.allclose(y[0, :, 0, 2, 2], expected)
    # with a zero-sum centre slice the whole response is (1 - theta) x the Conv3d response
    with torch.no_grad():
        w[:, :, 1] -= w[:, :, 1].mean(dim=(2, 3), keepdim=True)
    conv = F.conv3d(x, w, padding=1)
    torch.testing.assert_close((tdc(x) - tdc.bias[:, None, None, None])[0, :, 1:-1, 1:-1, 1:-1],
                               (1 - theta) * conv[0, :, 1:-1, 1:-1, 1:-1], rtol=1e-12, atol=1e-12)


def test_tdc_rejects_even_kernels_and_non_same_padding():
    with pytest.raises(ValueError, match="odd"):
        TDC3d(1, 1, 2)
    with pytest.raises(ValueError, match="same"):
        TDC3d(1, 1, 3, padding=0)
    with pytest.raises(ValueError, match="theta"):
        TDC3d(1, 1, 3, theta=1.5)


# ----------------------------------------------------------------------------
# search space
# ----------------------------------------------------------------------------
def test_mixed_op_is_the_softmax_weighted_sum_of_its_ops():
    torch.manual_seed(3)
    mixed = MixedOp(4).double().eval()          # eval: BatchNorm uses its running statistics
    x = torch.randn(2, 4, 5, 6, 6, dtype=torch.float64)
    alpha = torch.randn(len(PRIMITIVES), dtype=torch.float64)
    weights = F.softmax(alpha, dim=-1)
    expected = sum(w * op(x) for w, op in zip(weights, mixed.ops))
    torch.testing.assert_close(mixed(x, weights), expected, rtol=1e-12, atol=1e-12)
    # one-hot weights pick a single operation; 'none' gives zeros
    for k, name in enumerate(PRIMITIVES):
        one_hot = F.one_hot(torch.tensor(k), len(PRIMITIVES)).double()
        ref = torch.zeros_like(x) if name == "none" else mixed.ops[k](x)
        torch.testing.assert_close(mixed(x, one_hot), ref)


def test_channel_shuffle_is_a_permutation():
    x = torch.arange(8.0).reshape(1, 8, 1, 1, 1)
    y = channel_shuffle(x, 4).flatten().tolist()
    assert sorted(y) == list(range(8)) and y == [0, 2, 4, 6, 1, 3, 5, 7]


@pytest.mark.parametrize("n_inputs,config", [(1, "shared"), (2, "shared"), (1, "varied"), (2, "varied")])
def test_derived_genotype_is_valid(n_inputs, config):
    torch.manual_seed(4)
    net = AutoHRSearchNet(width=4, pc_k=2, n_inputs=n_inputs, config=config)
    with torch.no_grad():                       # make 'none' the strongest operation on every edge
        net.alphas.normal_()
        net.alphas[..., PRIMITIVES.index("none")] = 10.0
    g = net.genotype()
    validate_genotype(g)
    assert len(g.cells) == (1 if config == "shared" else 4)
    for cell in g.cells:
        assert len(cell) == 3
        for j, node in enumerate(cell):
            srcs = [s for _, s in node]
            assert len(srcs) == min(2, n_inputs + j) and len(set(srcs)) == len(srcs)
            assert all(0 <= s < n_inputs + j for s in srcs)
            assert all(op != "none" for op, _ in node)


def test_derivation_keeps_the_strongest_op_and_the_two_strongest_edges():
    ops = PRIMITIVES
    alphas = torch.zeros(1, 6, len(ops))        # one input node: edges (B1<-in), (B2<-in, B1), (B3<-in, B1, B2)
    picks = ["conv_3x1x1", "conv_5x1x1", "tdc_3x3x3_0.2", "conv_1x5x5", "skip_connect", "conv_3x3x3"]
    strength = [1.0, 3.0, 2.0, 1.0, 2.5, 4.0]
    for e, (op, s) in enumerate(zip(picks, strength)):
        alphas[0, e, ops.index(op)] = s
        alphas[0, e, ops.index("none")] = s + 5   # never chosen
    g = derive_genotype(alphas, None, n_inputs=1)
    assert g.cells[0] == (
        (("conv_3x1x1", 0),),
        (("conv_5x1x1", 0), ("tdc_3x3x3_0.2", 1)),
        (("skip_connect", 1), ("conv_3x3x3", 2)),   # edge from 'in' (weakest) dropped
    )
    # edge normalisation moves the choice: favour B3 <- in
    betas = torch.zeros(1, 6)
    betas[0, 3] = 8.0
    g2 = derive_genotype(alphas, betas, n_inputs=1)
    assert [s for _, s in g2.cells[0][2]] == [0, 2]


def test_validate_genotype_rejects_bad_cells():
    with pytest.raises(ValueError, match="not allowed"):
        validate_genotype(Genotype(cells=(((("none", 0),), (("conv_3x3x3", 1),), (("conv_3x3x3", 2),)),)))
    with pytest.raises(ValueError, match="repeats"):
        validate_genotype(Genotype(cells=(((("conv_3x3x3", 0),), (("conv_3x3x3", 0), ("skip_connect", 0)),
                                           (("conv_3x3x3", 2),)),)))
    with pytest.raises(ValueError, match="earlier"):
        validate_genotype(Genotype(cells=(((("conv_3x3x3", 1),), (("conv_3x3x3", 1),), (("conv_3x3x3", 2),)),)))


@pytest.mark.parametrize("config,n_inputs,t", [("shared", 1, 16), ("varied", 2, 18)])
def test_search_and_derived_networks_output_one_value_per_frame(config, n_inputs, t):
    torch.manual_seed(5)
    x = torch.rand(2, 3, t, 16, 16)
    net = AutoHRSearchNet(width=4, pc_k=2, config=config, n_inputs=n_inputs)
    assert net(x).shape == (2, t)
    derived = AutoHRNet(net.genotype(), width=8)
    assert derived(x).shape == (2, t)
    with pytest.raises(ValueError, match="frames"):
        derived(torch.rand(1, 3, 3, 16, 16))


def test_search_step_updates_weights_always_and_the_architecture_only_when_asked():
    torch.manual_seed(6)
    net = AutoHRSearchNet(width=4, pc_k=2)
    w_opt, a_opt = make_search_optimizers(net)
    assert a_opt.defaults["lr"] == 6e-4 and a_opt.defaults["weight_decay"] == 1e-3
    assert w_opt.defaults["lr"] == 1e-4 and w_opt.defaults["weight_decay"] == 5e-5
    t = np.arange(16) / 8.0
    ppg = torch.tensor(np.sin(2 * np.pi * 1.5 * t), dtype=torch.float32).repeat(2, 1)
    batch = (torch.rand(2, 3, 16, 16, 16), ppg, torch.tensor([90.0, 90.0]))
    loss_fn = lambda pred, y, hr: hybrid_loss(pred, hr, 8.0, ppg=y)
    alphas0, stem0 = net.alphas.detach().clone(), net.stem[0].weight.detach().clone()
    out = search_step(net, w_opt, a_opt, batch, batch, loss_fn, update_arch=False)
    assert set(out) == {"train_loss"} and torch.equal(net.alphas, alphas0)
    assert not torch.equal(net.stem[0].weight, stem0)
    out = search_step(net, w_opt, a_opt, batch, batch, loss_fn)
    assert set(out) == {"train_loss", "val_loss"} and np.isfinite(out["val_loss"])
    assert not torch.equal(net.alphas, alphas0)


def test_parameter_counts_of_the_default_networks():
    # manual baseline, width 16 (3 nodes -> 48 channels out of each cell):
    #   stem 3*16*25 + BN 32                                    =   1,232
    #   cell 1: pre 16*16 + 32; 3 x (16*16*27 + 32)             =  21,120
    #   cells 2-8: pre 48*16 + 32; 3 x (16*16*27 + 32), x 7     = 151,424
    #   head: 2 x (ConvT 48*48*4 + 48 + BN 96) + conv 48 + 1    =  18,769
    assert _n_params(AutoHRNet().parameters()) == 192_545
    # supernet at the search width 8, shared, one input node, K = 4 (2 channels per mixed op)
    net = AutoHRSearchNet()
    assert _n_params(net.weight_parameters()) == 30_417
    assert _n_params(net.arch_parameters()) == 6 * 9 + 6
    assert _n_params(AutoHRSearchNet(config="varied").arch_parameters()) == 4 * (6 * 9 + 6)
    assert MANUAL_GENOTYPE.n_inputs == 1


# ----------------------------------------------------------------------------
# hybrid loss
# ----------------------------------------------------------------------------
def _sine(bpm, n=300, fs=FS):
    return np.sin(2 * np.pi * bpm / 60.0 * np.arange(n) / fs)


def test_hr_classes_are_one_bpm_bins_from_40_to_179():
    assert hr_to_class([40, 72.4, 72.6, 179, 200, 10]).tolist() == [0, 32, 33, 139, 139, 0]
    with pytest.raises(ValueError, match="outside"):
        hr_to_class([200.0], clip=False)
    p = hr_class_psd(torch.tensor(_sine(72.0)), FS)
    assert p.shape == (140,) and p.sum().item() == pytest.approx(1.0)
    assert predict_hr_class(torch.tensor(_sine(95.0))[None], FS).item() == 95.0


def test_hybrid_loss_falls_as_the_spectral_peak_moves_to_the_label():
    label = 100.0
    ref = torch.tensor(_sine(label))
    # the frequency term falls as the peak enters the Hann main lobe (+-12 bpm at 10 s) around the label
    # and is flat (up to sidelobes) outside it; the Pearson term alone is not monotone in the frequency
    sweep = (60, 92, 96, 98, 99, 100)
    for mode in ("logits", "probabilities"):
        f = [frequency_ce_loss(torch.tensor(_sine(b)), label, FS, psd_as=mode).item() for b in sweep]
        assert all(a > b for a, b in zip(f, f[1:])), (mode, f)
    total = [hybrid_loss(torch.tensor(_sine(b)), label, FS, ppg=ref).item() for b in sweep]
    assert all(a > b for a, b in zip(total[2:], total[3:])) and min(total) == total[-1]
    assert max(total[:2]) > total[-1] + 0.2 * 0.9            # the time term adds lam x (1 - r) away from the label


def test_hybrid_loss_is_lambda_time_plus_frequency_with_per_signal_frame_rates():
    rng = np.random.default_rng(0)
    pred = torch.tensor(np.stack([_sine(80) + 0.3 * rng.standard_normal(300), _sine(70, fs=25.0)]))
    ppg = torch.tensor(np.stack([_sine(80), _sine(70, fs=25.0)]))
    hr, fs = [80.0, 70.0], [30.0, 25.0]
    total = hybrid_loss(pred, hr, fs, lam=0.2, ppg=ppg)
    expected = 0.2 * (1 - pearson_correlation(pred, ppg).mean()) + frequency_ce_loss(pred, hr, fs)
    assert total.item() == pytest.approx(expected.item(), rel=1e-12)
    assert predict_hr_class(pred, fs).tolist() == [80.0, 70.0]
    assert hybrid_loss(pred, hr, fs, lam=0).item() == pytest.approx(frequency_ce_loss(pred, hr, fs).item())


# ----------------------------------------------------------------------------
# DA1 / DA2
# ----------------------------------------------------------------------------
def _recording(bpm, n=600, size=6):
    ppg = _sine(bpm, n)
    video = 0.5 + 0.1 * ppg[None, :, None, None] * np.ones((3, n, size, size))
    return video, ppg


@pytest.mark.parametrize("bpm,factor", [(110.0, 0.5), (60.0, 2.0), (80.0, 1.0)])
def test_da2_changes_the_label_by_the_resampling_factor_and_keeps_the_clip_length(bpm, factor):
    video, ppg = _recording(bpm)
    clip, p, new_hr, f = hr_resample_clip(video, ppg, bpm, 160, np.random.default_rng(0))
    assert clip.shape == (3, 160, 6, 6) and p.shape == (160,)
    assert f == factor and new_hr == pytest.approx(bpm * factor)
    # the resampled PPG and the video's pulse both show the new HR
    assert sig.estimate_hr(p, FS) == pytest.approx(new_hr, abs=1.5)
    assert sig.estimate_hr(clip[1, :, 0, 0].numpy(), FS) == pytest.approx(new_hr, abs=1.5)


def test_da2_is_deterministic_under_a_seed_and_skips_short_recordings():
    video, ppg = _recording(60.0, n=300)
    a = hr_resample_clip(video, ppg, 60.0, 100, np.random.default_rng(7))
    b = hr_resample_clip(video, ppg, 60.0, 100, np.random.default_rng(7))
    assert torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    short = hr_resample_clip(video, ppg, 60.0, 160, np.random.default_rng(0))   # 300 < 2 x 160
    assert short[3] == 1.0 and short[2] == 60.0 and short[0].shape[1] == 160
    not_drawn = hr_resample_clip(video, ppg, 110.0, 100, np.random.default_rng(0), p=0.0)
    assert not_drawn[3] == 1.0


def test_da1_zeros_one_tube_within_the_limits_and_leaves_the_rest():
    video = torch.rand(3, 50, 20, 20) + 0.1
    out, boxes = spatiotemporal_cutout(video, np.random.default_rng(3), return_boxes=True)
    assert len(boxes) == 1 and torch.all(video > 0.1)           # input untouched
    t0, t1, y0, y1, x0, x1 = boxes[0]
    assert 1 <= t1 - t0 <= 10                                   # <= 20 % of 50 frames
    assert (y1 - y0) * (x1 - x0) <= 0.2 * 400                   # <= 20 % of the frame area
    mask = torch.zeros_like(video, dtype=torch.bool)
    mask[:, t0:t1, y0:y1, x0:x1] = True
    assert torch.all(out[mask] == 0) and torch.equal(out[~mask], video[~mask])
    again = spatiotemporal_cutout(video, np.random.default_rng(3))
    assert torch.equal(again, out)
    as_numpy = spatiotemporal_cutout(video.numpy(), np.random.default_rng(3))
    assert isinstance(as_numpy, np.ndarray) and np.array_equal(as_numpy, out.numpy())


def test_hybrid_loss_without_ppg_falls_as_the_peak_moves_to_the_label_whatever_the_phase():
    # the call: hybrid_loss(pred, hr_bpm, fs, lam=0.2), the time term against the best-phased sinusoid
    label = 100.0
    sweep = (60, 92, 96, 98, 99, 100)
    total = [hybrid_loss(torch.tensor(_sine(b)), label, FS, lam=0.2).item() for b in sweep]
    assert all(a > b for a, b in zip(total[2:], total[3:])) and min(total) == total[-1]
    t = np.arange(300) / FS
    shifted = torch.tensor(np.sin(2 * np.pi * label / 60 * t + 1.1))
    assert sinusoid_correlation(shifted, label, FS).item() == pytest.approx(1.0, abs=1e-3)
    assert hybrid_loss(shifted, label, FS, lam=0.2).item() == pytest.approx(
        frequency_ce_loss(shifted, label, FS).item(), abs=1e-3)
