"""ResNet-18 map regressor of Niu et al. 2018 (rppg_lib.models.resnet) and the per-video mean."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from rppg_lib.evaluate import per_video_mean
from rppg_lib.models import ResNet18Regressor, maps_to_input

# torchvision ResNet-18 has 11,689,512 parameters; its 1000-class head (512 * 1000 + 1000)
# becomes a 1-output head (512 + 1).
RESNET18_REGRESSOR_PARAMS = 11_689_512 - 513_000 + 513


def quiet_model(**kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ResNet18Regressor(**kw)


def test_output_shape_and_parameter_count():
    torch.manual_seed(0)
    model = quiet_model().eval()
    assert sum(p.numel() for p in model.parameters()) == RESNET18_REGRESSOR_PARAMS == 11_177_025
    with torch.no_grad():
        out = model(torch.rand(2, 3, 200, 300))
    assert out.shape == (2,) and torch.all(torch.isfinite(out))
    small = quiet_model(input_size=(32, 150), hr_offset=75.0).eval()
    with torch.no_grad():
        assert small(torch.rand(3, 3, 200, 300)).shape == (3,)
    assert sum(p.numel() for p in small.parameters()) == RESNET18_REGRESSOR_PARAMS  # offset is a buffer
    with pytest.raises(ValueError, match=r"\(N, 3, h, w\)"):
        model(torch.rand(2, 200, 300, 3))


def test_resizing_and_offset_act_on_the_input_and_output():
    torch.manual_seed(0)
    model = quiet_model(input_size=(32, 150)).eval()
    seen = []
    model.net.conv1.register_forward_hook(lambda m, i, o: seen.append(tuple(i[0].shape)))
    x = torch.rand(1, 3, 200, 300)
    with torch.no_grad():
        a = model(x)
        model.hr_offset.fill_(70.0)
        b = model(x)
    assert seen[0] == (1, 3, 32, 150)
    assert float(b - a) == pytest.approx(70.0)


def test_hr_scale_multiplies_the_head_output():
    # the head answers in units of hr_scale around hr_offset: with a scale near the training HR's
    # spread a few hundred Adam steps span the HR range (at scale 1 the stage-I runs did not learn)
    torch.manual_seed(0)
    model = quiet_model(input_size=(32, 150), hr_offset=70.0).eval()
    x = torch.rand(2, 3, 200, 300)
    with torch.no_grad():
        raw = model(x) - 70.0
        model.hr_scale.fill_(12.0)
        scaled = model(x) - 70.0
    assert torch.allclose(scaled, 12.0 * raw, atol=1e-4)
    assert "hr_scale" in model.state_dict()
    with pytest.raises(ValueError, match="hr_scale"):
        quiet_model(hr_scale=0.0)


def test_maps_to_input_layout():
    maps = np.zeros((2, 200, 300, 3), np.uint8)
    maps[1, 7, 42, 1] = 255  # video 1, block 7, frame 42, green
    x = maps_to_input(maps)
    assert x.shape == (2, 3, 200, 300) and x.dtype == torch.float32
    assert x[1, 1, 7, 42] == 1.0 and float(x.sum()) == 1.0
    assert maps_to_input(maps[0]).shape == (1, 3, 200, 300)
    with pytest.raises(ValueError, match="uint8"):
        maps_to_input(maps.astype(float))


def test_imagenet_weights_from_a_local_file(tmp_path):
    import torchvision

    torch.manual_seed(1)
    imagenet = torchvision.models.resnet18(weights=None)  # stands in for the ImageNet file
    path = tmp_path / "resnet18.pth"
    torch.save(imagenet.state_dict(), path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "randomly initialised" warning when weights are given
        model = ResNet18Regressor(weights_path=path)
    assert model.pretrained
    torch.testing.assert_close(model.net.conv1.weight, imagenet.conv1.weight)
    torch.testing.assert_close(model.net.layer4[1].bn2.running_mean, imagenet.layer4[1].bn2.running_mean)
    assert model.net.fc.weight.shape == (1, 512)

    with pytest.warns(UserWarning, match="randomly initialised"):
        fresh = ResNet18Regressor()
    assert not fresh.pretrained
    assert not torch.equal(fresh.net.conv1.weight, imagenet.conv1.weight)
    with pytest.raises(FileNotFoundError, match="not found"):
        ResNet18Regressor(weights_path=tmp_path / "missing.pth")
    torch.save({"conv1.weight": imagenet.conv1.weight}, tmp_path / "partial.pth")
    with pytest.raises(ValueError, match="not a ResNet-18 state dict"):
        ResNet18Regressor(weights_path=tmp_path / "partial.pth")


def test_per_video_mean_of_clip_predictions():
    pred = [70, 72, 100, 74, 110, 90]
    ids = ["b", "b", "a", "b", "a", "c"]
    videos, means = per_video_mean(pred, ids)
    assert videos.tolist() == ["b", "a", "c"]
    np.testing.assert_allclose(means, [72.0, 105.0, 90.0])
    videos, means = per_video_mean(np.arange(200.0), np.repeat([3, 1], 100))
    assert videos.tolist() == [3, 1]
    np.testing.assert_allclose(means, [49.5, 149.5])
    with pytest.raises(ValueError, match="3 predictions for 2"):
        per_video_mean([1, 2, 3], [0, 0])
