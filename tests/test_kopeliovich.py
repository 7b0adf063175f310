"""Tests of the Kopeliovich et al. 2019 reimplementation: model, losses,
colour-signal windowing and the classifier training recipe."""
import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from rppg_lib.papers.kopeliovich2019.colour_signals import (
    Windows,
    add_uniform_noise,
    build_splits,
    make_windows,
    scale_window,
    split_windows,
    video_windows,
)
from rppg_lib.papers.kopeliovich2019.losses import (
    class_weights,
    combined_loss,
    gaussian_kernel_classes,
    loss_for_head,
    smoothed_one_hot,
    weighted_cross_entropy,
)
from rppg_lib.papers.kopeliovich2019.model import (
    PAPER_PARAMETER_COUNTS,
    ColourSignalCNN,
    bpm_to_class,
    class_centres_bpm,
    predict_bpm,
)
from rppg_lib.papers.kopeliovich2019.training import (
    TrainingDivergedError,
    evaluate,
    lr_range_test,
    pick_lr_bounds,
    train_classifier,
)

FS = 15.0


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def synthetic_video(rng, hr, n_frames=600, noise=0.2):
    """ROI traces (T, 6, 3) with a pulse at ``hr`` bpm, plus per-frame HR."""
    t = np.arange(n_frames) / FS
    phase = 2 * np.pi * hr / 60 * t
    base = rng.uniform(60, 180, size=(6, 3))
    amp = np.array([0.3, 1.0, 0.2]) * rng.uniform(0.5, 1.5, size=(6, 1))
    traces = base + amp * np.sin(phase)[:, None, None] + noise * rng.standard_normal((n_frames, 6, 3))
    return traces, np.full(n_frames, float(hr))


# ----------------------------------------------------------------------------
# model
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("head", ["se", "ce", "cl", "clf"])
def test_parameter_counts_match_paper(head):
    model = ColourSignalCNN(head)
    assert n_params(model) == PAPER_PARAMETER_COUNTS[head]
    assert PAPER_PARAMETER_COUNTS == {"se": 62_675, "ce": 70_676, "cl": 70_676, "clf": 72_017}


@pytest.mark.parametrize("head, width", [("se", 1), ("ce", 128), ("cl", 128), ("clf", 128)])
def test_output_shapes(head, width):
    model = ColourSignalCNN(head)
    assert model.n_features == 224  # 16 channels x 1 x 14 after the five convolutions
    assert model(torch.randn(5, 1, 18, 64)).shape == (5, width)


def test_filter_head_maps_134_fc_outputs_to_128():
    model = ColourSignalCNN("clf").eval()
    assert model.fc_outputs == 134
    fc_out = model.classifier(model.features(torch.randn(3, 1, 18, 64)))
    assert fc_out.shape == (3, 134)
    assert model.filter(fc_out.unsqueeze(1)).squeeze(1).shape == (3, 128)
    assert [m.kernel_size for m in model.filter if isinstance(m, torch.nn.Conv1d)] == [(3,)] * 3
    assert [m.padding for m in model.filter if isinstance(m, torch.nn.Conv1d)] == [(0,)] * 3


def test_bad_inputs_raise_clear_errors():
    model = ColourSignalCNN("clf")
    with pytest.raises(ValueError, match=r"\(N, 1, 18, 64\)"):
        model(torch.randn(2, 18, 64))
    with pytest.raises(ValueError, match=r"\(N, 1, 18, 64\)"):
        model(torch.randn(2, 1, 18, 60))
    x = torch.randn(2, 1, 18, 64)
    x[1, 0, 3, 5] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        model(x)
    with pytest.raises(ValueError, match="head"):
        ColourSignalCNN("mse")


def test_classes_and_prediction_rule():
    centres = class_centres_bpm(128, 40, 125)
    width = 85 / 128
    assert centres[0] == pytest.approx(40 + width / 2) and centres[-1] == pytest.approx(125 - width / 2)
    assert np.all(bpm_to_class(centres) == np.arange(128))
    assert bpm_to_class([40.0, 125.0]).tolist() == [0, 127]
    with pytest.raises(ValueError, match="outside"):
        bpm_to_class([39.9])
    with pytest.raises(ValueError, match="NaN"):
        bpm_to_class([np.nan])
    logits = torch.full((2, 128), -5.0)
    logits[0, 10], logits[1, 100] = 5.0, 5.0
    assert predict_bpm(logits) == pytest.approx(centres[[10, 100]])
    # expectation rule: symmetric mass around class 50 gives its centre
    sym = torch.full((1, 128), -30.0)
    sym[0, 49] = sym[0, 51] = 2.0
    assert predict_bpm(sym, rule="expectation")[0] == pytest.approx(centres[50], abs=1e-6)
    assert predict_bpm(torch.tensor([[72.5]])) == pytest.approx([72.5])


# ----------------------------------------------------------------------------
# losses
# ----------------------------------------------------------------------------
def test_gaussian_kernel_on_class_grid():
    k = gaussian_kernel_classes(13, 13 / 3)
    assert k.size == 19  # 13 bpm / 0.664 bpm = 19.6 -> nearest odd number of taps
    assert k.sum() == pytest.approx(1.0) and np.argmax(k) == 9 and np.allclose(k, k[::-1])


def test_class_weights_are_smoothed_normalised_inverse_counts():
    counts = np.zeros(128)
    counts[40:60] = 10.0
    counts[60:80] = 40.0
    counts[50] = 0.0  # an empty class inside the populated range
    w = class_weights(counts, are_counts=True).double().numpy()
    assert w.shape == (128,) and w.sum() == pytest.approx(1.0)
    assert np.all(np.isfinite(w))
    assert w[50] > 0.5 * w[49]  # finite weight borrowed from its neighbours
    assert w[45] > 2 * w[75]  # rare classes weigh more
    # reference: inverse counts (0 when empty), convolved with the kernel, normalised
    inv = np.where(counts > 0, 1 / np.maximum(counts, 1), 0.0)
    ref = np.convolve(inv, gaussian_kernel_classes(13, 13 / 3), mode="same")
    assert np.allclose(w, ref / ref.sum(), atol=1e-7)
    # labels give the same as their counts
    labels = np.repeat(np.arange(128), counts.astype(int))
    assert torch.allclose(class_weights(labels, are_counts=False), torch.as_tensor(w, dtype=torch.float32))
    with pytest.raises(ValueError, match="class indices"):
        class_weights(np.array([0, 3, 128]), are_counts=False)


def test_smoothed_one_hot_peaks_at_label_and_sums_to_one():
    labels = torch.tensor([0, 5, 64, 127])
    t = smoothed_one_hot(labels)
    assert t.shape == (4, 128)
    assert torch.equal(t.argmax(dim=1), labels)
    assert torch.allclose(t.sum(dim=1), torch.ones(4))
    assert torch.allclose(t[2, 60:64], t[2, 65:69].flip(0))  # symmetric away from edges
    assert (t[2] > 0).sum() == 19 and t[0, 9] > 0 and t[0, 10] == 0  # 19-tap window, truncated at edges
    # sigma 13/6 is sharper than the class-weight sigma 13/3
    assert t[2, 64] > smoothed_one_hot(labels, sigma_bpm=13 / 3)[2, 64]


def test_weighted_ce_and_combined_loss():
    torch.manual_seed(0)
    logits = torch.randn(6, 128)
    labels = torch.tensor([3, 40, 40, 90, 100, 127])
    w = class_weights(labels, are_counts=False)
    ce = weighted_cross_entropy(logits, labels, w)
    per = F.cross_entropy(logits, labels, reduction="none")
    assert ce == pytest.approx(float((w[labels] * per).sum() / w[labels].sum()), rel=1e-5)
    assert combined_loss(logits, labels, w, alpha=0.0) == pytest.approx(float(ce))
    # a confidently wrong prediction: the loss grows with alpha
    wrong = torch.full((1, 128), -3.0)
    wrong[0, 10] = 8.0
    lab = torch.tensor([100])
    losses = [float(combined_loss(wrong, lab, None, alpha=a)) for a in (0, 1, 25)]
    assert losses[0] < losses[1] < losses[2]
    target = smoothed_one_hot(lab)
    assert losses[2] - losses[0] == pytest.approx(25 * float(((wrong - target) ** 2).mean()), rel=1e-5)
    soft = float(combined_loss(wrong, lab, None, alpha=25, mse_on="softmax"))
    assert soft - losses[0] == pytest.approx(25 * float(((wrong.softmax(1) - target) ** 2).mean()), rel=1e-5)
    with pytest.raises(ValueError, match="class indices"):
        combined_loss(logits, torch.tensor([0, 1, 2, 3, 4, 128]), w)
    # SE head: squared error in bpm
    assert loss_for_head("se", torch.tensor([[70.0], [80.0]]), torch.tensor([72.0, 80.0])) == pytest.approx(2.0)


# ----------------------------------------------------------------------------
# windowing and split
# ----------------------------------------------------------------------------
def test_windowing_scales_counts_and_excludes():
    rng = np.random.default_rng(1)
    traces, hr = synthetic_video(rng, 75.0, n_frames=400)
    wins, counts = make_windows(traces, hr)
    assert counts["total"] == (400 - 64) // 10 + 1 == 34 and counts["kept"] == 34
    assert wins.x.shape == (34, 1, 18, 64) and wins.x.dtype == np.float32
    assert np.allclose(wins.x.min(axis=-1), -1) and np.allclose(wins.x.max(axis=-1), 1)
    assert np.array_equal(wins.start, np.arange(0, 340, 10))
    # signal 3 * r + c is colour c of ROI r
    assert np.allclose(wins.x[0, 0, 3 * 2 + 1], scale_window(traces[None, 0:64, 2, 1])[0], atol=1e-6)

    traces[100, 2, 1] = np.nan  # one NaN sample -> windows starting 40..100 (7)
    traces[300:380, 4, :] = 5.0  # frozen ROI over 80 frames -> windows fully inside (starts 300..310)
    hr = np.linspace(60, 140, 400)  # mean HR rises above 125 near the end
    hr[200] = np.nan
    wins, counts = make_windows(traces, hr)
    starts = np.arange(0, 337, 10)
    means = np.array([np.mean(hr[s:s + 64]) for s in starts])
    assert counts["nan_signal"] == 7
    assert counts["constant_signal"] == 2
    assert counts["nan_hr"] == 7 - 0  # starts 140..200 contain frame 200
    exp_oor = sum(1 for s, m in zip(starts, means) if m > 125 and not (40 <= s <= 100) and not (140 <= s <= 200)
                  and s not in (300, 310))
    assert counts["hr_out_of_range"] == exp_oor > 0
    assert counts["kept"] + sum(counts[k] for k in ("nan_signal", "constant_signal", "nan_hr",
                                                    "hr_out_of_range")) == counts["total"]
    assert np.all((wins.hr >= 40) & (wins.hr <= 125)) and len(wins) == counts["kept"]
    assert np.allclose(wins.hr, [np.mean(hr[s:s + 64]) for s in wins.start])
    with pytest.raises(ValueError, match="frames"):
        make_windows(traces, hr[:-1])


def test_split_disjoint_from_training_frames():
    starts = np.arange(0, 1000, 10)  # 100 windows of one video
    idx, counts = split_windows(starts)
    assert counts["train"] == 70 and counts["test"] == 20
    assert counts["val_dropped_overlap"] == 6 and counts["val"] == 4  # 64-frame windows, step 10
    train_frames = set()
    for s in starts[idx["train"]]:
        train_frames.update(range(s, s + 64))
    for part in ("val", "test"):
        for s in starts[idx[part]]:
            assert train_frames.isdisjoint(range(s, s + 64))
    assert starts[idx["train"]].max() < starts[idx["val"]].min() <= starts[idx["test"]].min()
    # a short video: test windows overlapping train are dropped too
    idx, counts = split_windows(np.arange(0, 100, 10))
    assert counts["test_dropped_overlap"] == 2 and counts["test"] == 0


def test_build_splits_over_videos_and_noise():
    rng = np.random.default_rng(2)
    videos = [(f"v{i}", *synthetic_video(rng, hr, n_frames=1000)) for i, hr in enumerate([60, 90])]
    splits, table = build_splits(videos)
    assert list(table.index) == ["v0", "v1"]
    assert table["train"].sum() == len(splits["train"]) and table["test"].sum() == len(splits["test"])
    assert set(splits["val"].video) == {"v0", "v1"}
    split_one, _ = video_windows(*videos[0][1:], video="v0")
    assert np.array_equal(split_one["train"].start, splits["train"].start[splits["train"].video == "v0"])
    x = torch.zeros(64, 1, 18, 64)
    g = torch.Generator().manual_seed(0)
    amps = [add_uniform_noise(x, generator=g).abs().max().item() for _ in range(20)]
    assert all(0 < a <= 5e-2 for a in amps) and np.std(amps) > 1e-3  # amplitude redrawn every call


# ----------------------------------------------------------------------------
# training
# ----------------------------------------------------------------------------
def _toy_windows(seed, hrs, n_frames=200):
    """Windows of short synthetic videos (14 windows per 200-frame video)."""
    rng = np.random.default_rng(seed)
    return Windows.concat([make_windows(*synthetic_video(rng, hr, n_frames), video=i)[0]
                           for i, hr in enumerate(hrs)])


@pytest.fixture
def one_thread():
    """Small CNN steps run fastest, and immune to a busy shared CPU, on one thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_training_learns_and_is_deterministic(tmp_path, one_thread):
    train = _toy_windows(0, np.linspace(50, 110, 6))
    val = _toy_windows(1, [55, 80, 105])
    results = []
    for _ in range(2):
        torch.manual_seed(0)
        model = ColourSignalCNN("clf")
        res = train_classifier(model, train, val, epochs=6, batch_size=16, max_lr=1e-2,
                               device="cpu", seed=3, progress=False, checkpoint_dir=tmp_path)
        results.append((res, model))
    res, model = results[0]
    h = res.history_frame()
    assert list(h.columns[:6]) == ["epoch", "lr", "train_loss", "val_loss", "val_mae", "val_within3"]
    assert h["train_loss"].iloc[-1] < 0.9 * h["train_loss"].iloc[0]  # CE + MSE on the softmax: the MSE term has a floor
    # 1cycle: min_lr = max_lr / 100 -> up to max_lr at mid-training -> back to min_lr
    assert h["lr"].iloc[-1] == pytest.approx(1e-4) and 5e-3 < h["lr"].max() <= 1e-2
    assert int(h["lr"].idxmax()) in (2, 3)
    assert res.best_metric == h["val_mae"].min() and res.best_epoch == int(h["val_mae"].idxmin()) + 1
    timing = ["seconds", "windows_per_s"]
    pd.testing.assert_frame_equal(h.drop(columns=timing), results[1][0].history_frame().drop(columns=timing))
    ckpt = torch.load(tmp_path / "best.pt")
    assert ckpt["epoch"] == res.best_epoch
    for k, v in model.state_dict().items():  # the model holds the best state
        assert torch.equal(v, ckpt["model"][k])
    metrics = evaluate(model, val)
    assert {"mae", "within3", "coverage_4cls", "loss"} <= set(metrics)


def test_nan_loss_stops_with_epoch_and_batch_and_keeps_good_state(one_thread):
    data = _toy_windows(1, [60, 90])
    torch.manual_seed(0)
    model = ColourSignalCNN("ce")
    with pytest.raises(TrainingDivergedError, match=r"epoch \d+, batch \d+") as info:
        train_classifier(model, data, data, epochs=3, batch_size=8, max_lr=1e12,
                         device="cpu", progress=False)
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert info.value.epoch >= 1 and info.value.batch >= 1


def test_lr_range_test_returns_curve_and_bounds(one_thread):
    train = _toy_windows(2, np.linspace(50, 110, 6))
    curve = lr_range_test(lambda: ColourSignalCNN("ce"), train, lr_min=1e-5, lr_max=1e3,
                          points_per_decade=1, epochs_per_lr=2, batch_size=16, device="cpu", progress=False)
    assert list(curve.columns) == ["lr", "loss", "mae", "smoothed"] and len(curve) == 9
    assert np.allclose(np.diff(np.log10(curve["lr"])), 1.0)
    max_lr, min_lr = pick_lr_bounds(curve)
    assert max_lr == curve["lr"].iloc[int(curve["smoothed"].idxmin())] and min_lr == pytest.approx(max_lr / 100)
    assert curve.attrs["max_lr"] == max_lr and 1e-5 < max_lr < 1e3
    assert curve["loss"].iloc[-1] > curve["loss"].min()  # far too large a rate does not train
    assert np.isfinite(curve["smoothed"]).all()


def test_train_classifier_runs_with_fewer_steps_than_1cycle_can_schedule():
    import numpy as np
    import torch

    from rppg_lib.papers.kopeliovich2019.model import ColourSignalCNN
    from rppg_lib.papers.kopeliovich2019.training import train_classifier

    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.uniform(-1, 1, (8, 1, 18, 64)).astype("float32"))
    y = torch.from_numpy(rng.uniform(50, 110, 8).astype("float32"))
    for epochs in (1, 2):  # 2 and 4 optimiser steps; 2 made torch's OneCycleLR divide by zero
        result = train_classifier(ColourSignalCNN("ce"), (x, y), (x, y), epochs=epochs, batch_size=4,
                                  max_lr=1e-2, min_lr=1e-4, progress=False)
        assert len(result.history) == epochs


def test_pulse_visibility_separates_pulse_from_noise():
    from rppg_lib.papers.kopeliovich2019.experiment import Video, pulse_visibility

    rng = np.random.default_rng(0)
    n, hr = 600, 72.0
    t = np.arange(n) / FS
    base = np.array([150.0, 110.0, 90.0])
    pulse = np.array([0.33, 0.77, 0.53]) * 0.01 * np.sin(2 * np.pi * hr / 60 * t)[:, None]  # relative, skin-like
    clean = np.repeat((base * (1 + pulse))[:, None, :], 6, axis=1) + 0.02 * rng.standard_normal((n, 6, 3))
    noise = np.repeat(base[None, None, :], n, axis=0) * np.ones((n, 6, 3)) + 0.5 * rng.standard_normal((n, 6, 3))
    videos = [Video(name, "cam1", "stationary", "s0", FS, tr, np.full(n, hr), {})
              for name, tr in (("pulse", clean), ("noise", noise))]
    vis = pulse_visibility(videos, windows=(64, 150))
    assert list(vis.index) == ["pulse", "noise"]
    assert {"mae_64", "snr_64", "mae_150", "snr_150", "hr_mean"} <= set(vis.columns)
    assert vis.loc["pulse", "mae_150"] < 1.0 and vis.loc["pulse", "mae_64"] < 3.0
    assert vis.loc["noise", "mae_150"] > 5.0
    assert vis.loc["pulse", "snr_150"] > vis.loc["noise", "snr_150"] + 5


def test_pick_lr_bounds_raises_when_the_minimum_is_at_an_edge():
    """The book run's LR test returned max LR 10, the top of its range: an edge is not a minimum."""
    from rppg_lib.papers.kopeliovich2019.training import NoLRMinimumError

    lrs = np.logspace(-7, 1, 9)
    falling = pd.DataFrame({"lr": lrs, "smoothed": np.linspace(5.0, 1.0, 9)})
    rising = pd.DataFrame({"lr": lrs, "smoothed": np.linspace(1.0, 5.0, 9)})
    for curve, where in ((falling, "highest"), (rising, "lowest")):
        with pytest.raises(NoLRMinimumError, match=where) as info:
            pick_lr_bounds(curve)
        assert info.value.curve is curve
    valley = pd.DataFrame({"lr": lrs, "smoothed": (np.arange(9) - 5.0) ** 2})
    assert pick_lr_bounds(valley) == (pytest.approx(lrs[5]), pytest.approx(lrs[5] / 100))


def test_lr_range_test_raises_without_a_minimum_inside_the_range(one_thread):
    from rppg_lib.papers.kopeliovich2019.training import NoLRMinimumError

    train = _toy_windows(2, np.linspace(50, 110, 6))
    with pytest.raises(NoLRMinimumError, match="no minimum inside") as info:  # rates too small to train
        lr_range_test(lambda: ColourSignalCNN("ce"), train, lr_min=1e-9, lr_max=1e-7, points_per_decade=1,
                      epochs_per_lr=2, batch_size=16, device="cpu", progress=False)
    assert len(info.value.curve) == 3 and {"lr", "loss", "smoothed"} <= set(info.value.curve.columns)


def test_combined_loss_terms_are_balanced_only_as_printed():
    """Eq. 5's alpha = 25 "equalizes the contribution of terms": true at initialisation only for Eq. 3 as
    printed (mean of w_y CE, weights summing to 1) with the MSE on the softmax. With PyTorch's weighted mean
    and the raw outputs the MSE dominated and CL+F learnt nothing on the easiest data (test MAE 18.4 bpm vs
    11.1 for the constant answer; 15.0 -> see the filter-dropout test); with the weighted mean and the
    softmax the MSE vanished (CL = CE)."""
    torch.manual_seed(0)
    model = ColourSignalCNN("clf").train()
    out = model(torch.randn(256, 1, 18, 64)).detach()
    hr = np.random.default_rng(0).normal(80, 12, 256).clip(41, 124)
    y = torch.as_tensor(bpm_to_class(hr))
    w = class_weights(y, are_counts=False)

    def terms(reduction, mse_on):
        ce = float(weighted_cross_entropy(out, y, w, reduction=reduction))
        total = float(combined_loss(out, y, w, 25.0, mse_on=mse_on, ce_reduction=reduction))
        return ce, total - ce

    ce, mse = terms("paper", "softmax")
    assert 0.25 < ce / mse < 4
    ce, mse = terms("weighted_mean", "logits")
    assert mse / ce > 3
    ce, mse = terms("weighted_mean", "softmax")
    assert ce / mse > 50
    per = F.cross_entropy(out, y, reduction="none")
    assert float(weighted_cross_entropy(out, y, w, reduction="paper")) == pytest.approx(float((w[y] * per).mean()),
                                                                                          rel=1e-5)
    with pytest.raises(ValueError, match="reduction"):
        weighted_cross_entropy(out, y, w, reduction="sum")


def test_no_dropout_feeds_the_clf_filter_batchnorm():
    """Dropout(0.5) between CL+F's second FC and its filter made the filter's BatchNorm learn running
    statistics of half-zeroed inputs: on the easiest ladder rung CL+F scored 15.0 bpm test MAE (constant
    answer 11.1), 2.9 without it. No head may end its FC block with dropout."""
    from torch import nn

    for head in ("se", "ce", "cl", "clf"):
        model = ColourSignalCNN(head)
        assert not isinstance(model.classifier[-1], nn.Dropout)
        assert sum(isinstance(m, nn.Dropout) for m in model.modules()) == 1  # after the hidden FC only
    assert isinstance(ColourSignalCNN("clf", filter_dropout=0.5).classifier[-1], nn.Dropout)
    assert n_params(ColourSignalCNN("clf")) == PAPER_PARAMETER_COUNTS["clf"]


def test_clf_learns_a_clean_pulse_across_videos(one_thread):
    """CL+F must beat the constant answer on unseen videos with a clean pulse. With dropout in front of its
    filter it scored 1.05 x the constant here (and 1.4 x on the easiest simulated ladder rung); 0.2 x now."""
    rng = np.random.default_rng(0)
    hrs = rng.uniform(50, 115, 16)
    w = [make_windows(*synthetic_video(rng, hr, n_frames=300, noise=0.3), video=i)[0] for i, hr in enumerate(hrs)]
    train, val, test = Windows.concat(w[:10]), Windows.concat(w[10:12]), Windows.concat(w[12:])
    torch.manual_seed(0)
    model = ColourSignalCNN("clf")
    train_classifier(model, train, val, epochs=12, batch_size=32, max_lr=5.8e-3, device="cpu", seed=0,
                     progress=False)
    mae = np.mean(np.abs(model.predict_bpm(torch.as_tensor(test.x)) - test.hr))
    constant = np.mean(np.abs(test.hr - train.hr.mean()))
    assert mae < 0.4 * constant


def test_book_and_paper_profiles_render_the_preset_at_native_size_with_the_papers_recipe():
    """The chapter decides on its own preset as hard as it is (native frame size, hence face pixels, fps, codec and
    noise of each camera); only smoke shrinks the frames. The paper profile's recipe is numbers.csv's Section 5.2."""
    from rppg_lib import profiles
    from rppg_lib.papers.kopeliovich2019 import KEY
    from rppg_lib.papers.kopeliovich2019 import claims as KC
    from rppg_lib.results import reported

    book, paper = profiles.resolve(KEY, "book"), profiles.resolve(KEY, "paper")
    assert book.resolution_scale == paper.resolution_scale == 1.0
    assert paper.epochs == paper.transfer_epochs == KC.PAPER_EPOCHS == reported(KEY, "Section 5.2",
                                                                                 "hyperparameters", "epochs")
    assert paper.batch_size == reported(KEY, "Section 5.2", "hyperparameters", "batch size")
    assert book.epochs < KC.PAPER_EPOCHS  # so "the paper's recipe" is not met at book
    assert {s for _, s, *_ in book.videos} == {"stationary", "mixed"}  # POS is reported per scenario


def test_table2_splits_into_one_table_per_metric():
    import pandas as pd

    from rppg_lib.papers.kopeliovich2019.experiment import side_by_side, table_by_metric

    ours = pd.DataFrame({"Stationary MAE": [1.0], "Stationary Cover": [90.0], "Cam1 MAE": [2.0],
                         "Cam1 Cover": [80.0]}, index=["CL+F"])
    paper = ours * 2
    parts = table_by_metric(side_by_side(ours, paper, "ours"))
    assert list(parts) == ["MAE", "Cover"]
    assert list(parts["MAE"].columns) == [("Stationary", "paper"), ("Stationary", "ours"), ("Cam1", "paper"),
                                          ("Cam1", "ours")]
    assert parts["Cover"].loc["CL+F", ("Cam1", "ours")] == 80.0
