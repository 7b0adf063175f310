"""Gideon & Stent (2021): losses, PhysNetUpsample, saliency sampler, augmentations, training."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

from rppg_lib import signal as sig
from rppg_lib.augment import FrequencyResampler, draw_stretch_length, resample_time, sample_clip
from rppg_lib.losses import mvtl, neg_mcc, neg_pearson, psd_mse, snr_loss
from rppg_lib.losses.contrastive import irrelevant_power_ratio, max_cross_correlation, snr_db
from rppg_lib.models import PhysNetUpsample, SaliencySampler
from rppg_lib.train.contrastive import TrainingDivergedError, train_contrastive, train_supervised

FS = 30.0


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _sine(bpm, n=300, fs=FS, delay_s=0.0):
    t = np.arange(n) / fs
    return np.sin(2 * np.pi * bpm / 60.0 * (t - delay_s))


def _tapered_noise(seed, n=300, fs=FS):
    """Band-limited (60-150 bpm) noise with a Hann taper: almost all power in band."""
    rng = np.random.default_rng(seed)
    return sig.bandpass(rng.standard_normal(n), fs, 1.0, 2.5) * np.hanning(n)


def _quiet_sampler(**kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SaliencySampler(**kw)


# ----------------------------------------------------------------------------
# losses
# ----------------------------------------------------------------------------
def test_neg_mcc_of_signal_with_itself_is_minus_one():
    x = torch.tensor(np.stack([_tapered_noise(s) for s in range(3)]))
    assert neg_mcc(x, x, FS).item() == pytest.approx(-1.0, abs=1e-4)
    # gain and offset do not matter
    assert neg_mcc(3 * x + 7, x, FS).item() == pytest.approx(-1.0, abs=1e-4)


def test_delayed_copy_keeps_mcc_but_breaks_pearson():
    n, k = 300, 12                                 # 12 frames = 0.4 s, about half a beat at 72 bpm
    x = torch.tensor(_sine(72, n))
    delayed = torch.tensor(_sine(72, n, delay_s=k / FS))
    self_mcc = -neg_mcc(x, x, FS).item()
    lag_mcc = -neg_mcc(delayed, x, FS).item()
    # only the non-overlapping part is lost
    assert lag_mcc == pytest.approx(self_mcc * (n - k) / n, abs=0.02)
    assert lag_mcc > 0.9
    # Pearson assumes synchrony: half a beat turns it negative
    assert -neg_pearson(delayed, x).item() < -0.9


def test_torch_mcc_ipr_snr_agree_with_numpy_signal_module():
    rng = np.random.default_rng(0)
    t = np.arange(300) / FS
    a = np.sin(2 * np.pi * 1.3 * t) + 0.7 * rng.standard_normal((4, 300))
    b = np.sin(2 * np.pi * 1.3 * (t - 0.2)) + 0.7 * rng.standard_normal((4, 300))
    ta, tb = torch.tensor(a), torch.tensor(b)
    np.testing.assert_allclose(max_cross_correlation(ta, tb, FS).numpy(), sig.mcc(a, b, FS), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(-neg_mcc(ta, tb, FS).item(), sig.mcc(a, b, FS).mean(), rtol=1e-9)
    np.testing.assert_allclose(irrelevant_power_ratio(ta, FS).numpy(), sig.ipr(a, FS), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(snr_db(ta, 78.0, FS).numpy(), sig.snr(a, FS, 78.0), rtol=1e-9)
    assert snr_loss(ta, [78.0] * 4, FS).item() == pytest.approx(-sig.snr(a, FS, 78.0).mean(), rel=1e-9)
    # float32 inputs (training) agree to float32 precision; other bands too
    f32 = max_cross_correlation(ta.float(), tb.float(), FS, band_bpm=(50, 180)).numpy()
    np.testing.assert_allclose(f32, sig.mcc(a, b, FS, band_bpm=(50, 180)), atol=1e-5)


def test_ipr_in_band_near_zero_out_of_band_near_one():
    assert irrelevant_power_ratio(_sine(90), FS).item() < 1e-3
    assert irrelevant_power_ratio(_sine(20), FS).item() > 0.99     # below 40 bpm
    assert irrelevant_power_ratio(_sine(400), FS).item() > 0.99    # above 250 bpm


def test_psd_mse_zero_for_identical_positive_for_other_rate():
    a = torch.tensor(np.stack([_sine(70), _sine(110)]))
    assert psd_mse(a, a, FS).item() == 0.0
    assert psd_mse(a, 2 * a + 1, FS).item() == pytest.approx(0.0, abs=1e-12)   # gain/offset free
    other = torch.tensor(np.stack([_sine(95), _sine(140)]))
    assert psd_mse(a, other, FS).item() > 1e-3
    assert psd_mse(a, other, FS, reduction="none").shape == (2,)


def test_mvtl_sign_and_view_scaling_choice():
    anchor = torch.tensor(np.stack([_sine(70, 300), _sine(100, 300)]))
    negative = torch.tensor(np.stack([_sine(98, 210), _sine(140, 210)]))   # shorter, faster
    losses = {}
    for scaling in ("paper", "public_code"):
        g = torch.Generator().manual_seed(3)
        losses[scaling] = mvtl(anchor, anchor.clone(), negative, FS, n_views=4, view_len=150,
                               view_scaling=scaling, generator=g).item()
    assert losses["paper"] < 0                                   # positive closer than negative
    assert losses["public_code"] == pytest.approx(16 * losses["paper"], rel=1e-12)
    with pytest.raises(ValueError, match="view_scaling"):
        mvtl(anchor, anchor, negative, FS, view_scaling="other")


def test_losses_have_finite_gradients_even_for_flat_prediction():
    target = torch.tensor(np.stack([_sine(80), _sine(120)]), dtype=torch.float32)
    pred = torch.zeros_like(target, requires_grad=True)          # constant output: std = 0
    loss = neg_mcc(pred, target, FS) + neg_pearson(pred, target)
    assert loss.item() == 0.0
    loss.backward()
    assert torch.isfinite(pred.grad).all()
    pred2 = torch.randn_like(target, requires_grad=True)
    (neg_mcc(pred2, target, FS) + psd_mse(pred2, target, FS)).backward()
    assert torch.isfinite(pred2.grad).all() and pred2.grad.abs().sum() > 0


def test_losses_reject_mismatched_shapes_and_bad_band():
    with pytest.raises(ValueError, match="differ in shape"):
        neg_mcc(torch.zeros(2, 100), torch.zeros(2, 99), FS)
    with pytest.raises(ValueError, match="Nyquist"):
        neg_mcc(torch.randn(2, 100), torch.randn(2, 100), 8.0)   # 250 bpm > Nyquist at 8 Hz


# ----------------------------------------------------------------------------
# PhysNetUpsample
# ----------------------------------------------------------------------------
def test_physnet_parameter_count_matches_table_4():
    # Table 4 with C = 3: 858,497 weights, biases and batch-norm affine parameters
    assert sum(p.numel() for p in PhysNetUpsample().parameters()) == 858_497


@pytest.mark.parametrize("frames", [4, 5, 7, 32, 33, 34])
def test_physnet_keeps_clip_length_including_odd(frames):
    model = PhysNetUpsample(width=4).eval()
    with torch.no_grad():
        y = model(torch.randn(2, 3, frames, 16, 20))
    assert y.shape == (2, frames)
    assert torch.isfinite(y).all()


def test_physnet_rejects_invalid_sizes_with_nearest_valid_size():
    model = PhysNetUpsample(width=4)
    with pytest.raises(ValueError, match="nearest valid length is 4"):
        model(torch.randn(1, 3, 3, 16, 16))
    with pytest.raises(ValueError, match="nearest valid size is 16x20"):
        model(torch.randn(1, 3, 8, 8, 20))
    with pytest.raises(ValueError, match="channels"):
        model(torch.randn(1, 1, 8, 16, 16))
    with pytest.raises(ValueError, match=r"\(N, C, T, H, W\)"):
        model(torch.randn(3, 8, 16, 16))


def test_physnet_input_is_z_normalised_per_channel():
    torch.manual_seed(0)
    model = PhysNetUpsample(width=4).eval()
    x = torch.rand(2, 3, 12, 16, 16)
    gain = torch.tensor([2.0, 0.5, 7.0]).view(1, 3, 1, 1, 1)
    offset = torch.tensor([10.0, -3.0, 100.0]).view(1, 3, 1, 1, 1)
    with torch.no_grad():
        torch.testing.assert_close(model(x * gain + offset), model(x), atol=1e-4, rtol=1e-4)


# ----------------------------------------------------------------------------
# augmentation
# ----------------------------------------------------------------------------
def _pulsing_clip(bpm, frames=600, fs=FS):
    """(1, 3, T, 8, 8) clip whose pixel intensity pulses at ``bpm``."""
    pulse = torch.tensor(0.5 + 0.1 * _sine(bpm, frames, fs), dtype=torch.float32)
    return pulse.view(1, 1, -1, 1, 1).repeat(1, 3, 1, 8, 8)


def _clip_hr(clip, fs=FS):
    return sig.estimate_hr(clip.mean(dim=(0, 1, 3, 4)).double().numpy(), fs)


@pytest.mark.parametrize("factor", [1.25, 1.4, 1.5])
def test_frequency_resampler_scales_hr_by_factor(factor):
    clip = _pulsing_clip(60.0)
    resampler = FrequencyResampler()
    negative = resampler.negative(clip, factor)
    assert negative.shape == (1, 3, int(600 / factor), 8, 8)
    assert _clip_hr(negative) == pytest.approx(60.0 * 600 / negative.shape[2], abs=0.2)
    assert _clip_hr(negative) == pytest.approx(60.0 * factor, rel=0.005)
    # the positive: the negative's signal stretched back by 1 / r_f has the anchor's HR
    signal = negative.mean(dim=(1, 3, 4))
    assert sig.estimate_hr(resampler.positive(signal, 600)[0].double().numpy(), FS) == pytest.approx(60.0, abs=0.2)


def test_resampler_draws_in_range_and_handles_numpy_signals():
    g = torch.Generator().manual_seed(0)
    draws = [FrequencyResampler().draw(g) for _ in range(200)]
    assert 1.25 <= min(draws) and max(draws) <= 1.5 and max(draws) - min(draws) > 0.2
    out = resample_time(_sine(72, 600), 1.3)
    assert isinstance(out, np.ndarray) and out.shape == (461,)
    assert sig.estimate_hr(out, FS) == pytest.approx(72 * 600 / 461, abs=0.2)


def test_clip_stretch_lowers_hr_by_at_most_a_third():
    rng = np.random.default_rng(0)
    lengths = [draw_stretch_length(300, 1 / 3, rng) for _ in range(500)]
    assert min(lengths) == 200 and max(lengths) == 300
    clip = _pulsing_clip(90.0)[0]
    ppg = _sine(90.0, 600)
    c, p, hr_factor = sample_clip(clip, ppg, 300, np.random.default_rng(1), max_hr_decrease=1 / 3)
    assert c.shape == (3, 300, 8, 8) and p.shape == (300,)
    assert 2 / 3 <= hr_factor < 1
    assert _clip_hr(c[None]) == pytest.approx(90.0 * hr_factor, abs=0.5)
    assert sig.estimate_hr(p, FS) == pytest.approx(90.0 * hr_factor, abs=0.5)


# ----------------------------------------------------------------------------
# saliency sampler
# ----------------------------------------------------------------------------
def test_saliency_sampler_shapes_and_normalised_maps():
    sampler = _quiet_sampler(input_size=32, output_size=(24, 20))
    warped, sal = sampler(torch.rand(2, 3, 5, 40, 48))
    assert warped.shape == (2, 3, 5, 24, 20)
    assert sal.shape == (2, 5, 8, 8)
    torch.testing.assert_close(sal.sum(dim=(2, 3)), torch.ones(2, 5))
    reg = sampler.regularisation(sal)
    assert set(reg) == {"sparsity", "temporal", "total"} and torch.isfinite(reg["total"])


def test_uniform_saliency_gives_identity_warp_and_max_entropy():
    sampler = _quiet_sampler(input_size=(16, 24))
    with torch.no_grad():
        sampler.head.weight.zero_()
        sampler.head.bias.zero_()
    x = torch.rand(1, 3, 4, 16, 24)                      # non-square: catches swapped x / y
    warped, sal = sampler(x)
    torch.testing.assert_close(warped, x, atol=1e-4, rtol=0)
    g = 4 * 6
    reg = sampler.regularisation(sal)
    assert reg["sparsity"].item() == pytest.approx(np.log(g) / g, rel=1e-5)   # Eq. 1 at its maximum
    assert reg["temporal"].item() == pytest.approx(0.0, abs=1e-12)          # constant over time


def test_saliency_weights_missing_file_random_init_and_local_file(tmp_path):
    missing = tmp_path / "no_such_resnet18.pth"
    with pytest.raises(FileNotFoundError, match="no_such_resnet18.pth"):
        SaliencySampler(input_size=16, weights_path=missing)
    with pytest.warns(UserWarning, match="randomly"):
        s = SaliencySampler(input_size=16)
    assert s.pretrained is False
    import torchvision

    torch.manual_seed(1)
    reference = torchvision.models.resnet18(weights=None)
    path = tmp_path / "resnet18.pth"
    torch.save(reference.state_dict(), path)
    s = SaliencySampler(input_size=16, weights_path=path)
    assert s.pretrained is True
    torch.testing.assert_close(s.trunk.layer1[1].conv2.weight, reference.layer1[1].conv2.weight)
    with pytest.raises(ValueError, match="nearest valid size is 16x16"):
        _quiet_sampler(input_size=8)


# ----------------------------------------------------------------------------
# training
# ----------------------------------------------------------------------------
TFS = 10.0          # tiny runs: 10 Hz, 3.2 s clips = 32 frames of 16 x 16


def _tiny_data(n=2, frames=40, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(frames) / TFS
    hr = rng.uniform(70, 120, size=n)
    ppg = np.sin(2 * np.pi * hr[:, None] / 60 * t)
    video = 0.5 + 0.05 * ppg[:, None, :, None, None] + 0.02 * rng.standard_normal((n, 3, frames, 16, 16))
    return video.astype(np.float32), ppg


_TINY = dict(fs=TFS, clip_seconds=3.2, lr=1e-3, batch_size=1, device="cpu", progress=False)


def test_two_step_supervised_run_with_saliency_writes_checkpoint(tmp_path):
    video, ppg = _tiny_data()
    torch.manual_seed(0)
    model = PhysNetUpsample(width=4)
    sampler = _quiet_sampler(input_size=16)
    before = [p.detach().clone() for p in model.parameters()]
    res = train_supervised(model, video, ppg, epochs=1, sampler=sampler, checkpoint_dir=tmp_path, **_TINY)
    assert len(res.history) == 1 and res.stopped is None
    rec = res.history[0]
    assert -1.0 <= rec["loss"] <= 1.0 and np.isfinite(rec["total"]) and rec["saliency_reg"] > 0
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))
    ckpt = torch.load(res.checkpoint, weights_only=False)
    assert ckpt["epoch"] == 0 and ckpt["sampler"] is not None and ckpt["selection"] == "train_loss"
    PhysNetUpsample(width=4).load_state_dict(ckpt["model"])
    assert not list(tmp_path.glob(".tmp-*"))                   # atomic writes leave no temp files


def test_supervised_selects_on_validation_mcc_and_redraws_high_ipr_clips():
    video, ppg = _tiny_data()
    ppg[1] = np.sin(2 * np.pi * 0.25 * np.arange(40) / TFS)   # 15 bpm: IPR ~ 1, never acceptable
    torch.manual_seed(0)
    res = train_supervised(PhysNetUpsample(width=4), video, ppg, epochs=2, max_redraws=3,
                           val_videos=video[:1], val_ppg=ppg[:1], **_TINY)
    assert res.selection == "val_mcc"
    assert res.best_metric == max(h["val_mcc"] for h in res.history)
    assert res.extra["redraws"] == 3 * 2 and res.extra["kept_high_ipr"] == 2     # 3 redraws per epoch for recording 1


def test_contrastive_run_is_deterministic_and_selects_lowest_ipr(tmp_path):
    video, _ = _tiny_data(n=2)
    results = []
    for _ in range(2):
        torch.manual_seed(0)
        results.append(train_contrastive(PhysNetUpsample(width=4), video, epochs=2, view_seconds=1.6,
                                         checkpoint_dir=tmp_path, **{**_TINY, "batch_size": 2}))
    a, b = results
    assert [h["loss"] for h in a.history] == [h["loss"] for h in b.history]
    assert a.selection == "train_ipr"
    assert a.best_metric == min(h["train_ipr"] for h in a.history)
    assert torch.load(a.checkpoint, weights_only=False)["epoch"] == a.best_epoch


class _NaNAfter(torch.nn.Module):
    """Wraps a model and returns NaN from its ``n``-th forward call on."""

    def __init__(self, model, n):
        super().__init__()
        self.model, self.n, self.calls = model, n, 0

    def forward(self, x):
        self.calls += 1
        y = self.model(x)
        return y * float("nan") if self.calls > self.n else y


def test_nan_loss_stops_names_batch_and_keeps_last_good_checkpoint(tmp_path):
    video, ppg = _tiny_data()
    torch.manual_seed(0)
    model = _NaNAfter(PhysNetUpsample(width=4), n=3)  # epoch 0: 2 batches; epoch 1 batch 0 ok; batch 1 NaN
    with pytest.raises(TrainingDivergedError, match="epoch 1, batch 1") as err:
        train_supervised(model, video, ppg, epochs=3, checkpoint_dir=tmp_path, **_TINY)
    assert err.value.epoch == 1 and err.value.batch == 1
    assert "learning rate 0.001" in str(err.value)  # the message names the LR
    kept = torch.load(err.value.checkpoint, weights_only=False)
    assert kept["epoch"] == 0 and all(torch.isfinite(v).all() for v in kept["model"].values())
    # the in-memory model is back to the last good (here: epoch 0) weights
    for name, value in model.state_dict().items():
        torch.testing.assert_close(value, kept["model"][name])
    model.calls = 0
    res = train_supervised(model, video, ppg, epochs=3, on_nan="stop", **_TINY)
    assert "epoch 1, batch 1" in res.stopped and len(res.history) == 1


def test_training_loop_keeps_the_best_epoch_and_names_the_lr_on_nan(tmp_path):
    import torch

    from rppg_lib.train import TrainingDivergedError, TrainingLoop

    net = torch.nn.Linear(1, 1)
    loop = TrainingLoop({"net": net}, lambda p: torch.optim.SGD(p, lr=0.5), device="cpu", selection="val",
                        higher_is_better=False, checkpoint_dir=tmp_path, progress=False)
    for epoch, metric in enumerate([3.0, 1.0, 2.0]):
        loop.start_epoch()
        with torch.no_grad():
            net.weight.fill_(float(epoch))
        loop.account(2, loss=metric)
        loop.end_epoch(epoch, loop.epoch_record(), metric)
    res = loop.finish()
    assert (res.best_epoch, res.best_metric) == (1, 1.0) and float(net.weight.detach()) == 1.0  # epoch 1's weights back
    assert (tmp_path / "best.pt").is_file() and (tmp_path / "last.pt").is_file()
    assert [h["loss"] for h in res.history] == [3.0, 1.0, 2.0]
    with pytest.raises(TrainingDivergedError, match="epoch 4, batch 7, learning rate 0.5") as err:
        loop.step(torch.tensor(float("nan"), requires_grad=True), 4, 7)
    assert err.value.lr == 0.5 and float(net.weight.detach()) == 1.0


def test_psd_distance_survives_a_slow_drift_with_the_hann_window():
    """Issue 10: head motion puts a slow drift (here 10x the pulse) into an untrained network's
    output. Through a rectangular window its power leaks into the band's lowest bins and hides
    an 80 vs 110 bpm difference (the distance drops ~15x: contrastive training stalled on the
    book's ubfc-like data); the Hann window keeps the distance, and mvtl uses it by default."""
    fs = 15.0
    t = torch.arange(75, dtype=torch.float64) / fs  # one 5 s view at 15 fps
    drift = 10 * torch.sin(2 * math.pi * 0.15 * t + 0.7)
    a80, a110 = torch.sin(2 * math.pi * 80 / 60 * t), torch.sin(2 * math.pi * 110 / 60 * t)
    for window, kept in (("hann", 0.8), (None, None)):
        clean = psd_mse(a80, a110, fs, window=window).item()
        drifting = psd_mse(drift + a80, drift + a110, fs, window=window).item()
        if kept is not None:
            assert drifting >= kept * clean
        else:
            assert drifting < 0.2 * clean  # the public code's estimator: the leak this guards against
    anchor = (drift + a80).repeat(2, 2)[:, :150]
    neg = (drift + a110).repeat(2, 2)[:, :150]
    # anchor == positive, so the loss is minus the anchor-negative distance: larger with Hann
    hann = -mvtl(anchor, anchor, neg, fs, n_views=2, view_len=75).item()
    rect = -mvtl(anchor, anchor, neg, fs, n_views=2, view_len=75, window=None).item()
    assert hann > 2 * rect > 0
    with pytest.raises(ValueError, match="window"):
        psd_mse(a80, a110, fs, window="blackman")


def test_contrastive_selection_ipr_is_measured_on_fixed_training_clips():
    """Issue 10: the kept epoch's IPR is that of the model (eval mode) on the consecutive clips of
    the training recordings, the same clips every epoch; the train-mode IPR of the epoch's random,
    augmented clips (public code, ipr_on="batches") kept epochs whose PPG still followed head
    motion (pure-like, seed 3: test RMSE 18.8 vs 0.3 at the last epoch)."""
    from rppg_lib.losses.contrastive import irrelevant_power_ratio
    from rppg_lib.train.contrastive import predict_ppg

    video, _ = _tiny_data(n=2, frames=70)
    torch.manual_seed(0)
    model = PhysNetUpsample(width=4)
    res = train_contrastive(model, video, epochs=2, view_seconds=1.6, ipr_clips_per_recording=2,
                            **{**_TINY, "batch_size": 2})
    clips = np.concatenate([video[:, :, s:s + 32] for s in (0, 32)])  # two consecutive 3.2 s clips each
    y = predict_ppg(model, clips, device="cpu")
    expected = float(irrelevant_power_ratio(torch.as_tensor(y), TFS).mean())
    assert res.best_metric == pytest.approx(expected, rel=1e-5)
    torch.manual_seed(0)
    model1 = PhysNetUpsample(width=4)  # default: only the first clip of each recording
    one = train_contrastive(model1, video, epochs=2, view_seconds=1.6, **{**_TINY, "batch_size": 2})
    y1 = predict_ppg(model1, video[:, :, :32], device="cpu")
    assert one.best_metric == pytest.approx(float(irrelevant_power_ratio(torch.as_tensor(y1), TFS).mean()), rel=1e-5)
    torch.manual_seed(0)
    noisy = train_contrastive(PhysNetUpsample(width=4), video, epochs=2, view_seconds=1.6, ipr_on="batches",
                              **{**_TINY, "batch_size": 2})
    assert [h["loss"] for h in noisy.history] == [h["loss"] for h in res.history]  # same training
    with pytest.raises(ValueError, match="ipr_on"):
        train_contrastive(PhysNetUpsample(width=4), video, ipr_on="val", **_TINY)
