"""`rppg models` and `rppg predict VIDEO --model NAME` on a short simulated video and tiny stored networks (a
PhysNet on face crops, a ResNet-18 on spatial-temporal maps)."""
import json

import numpy as np
import pytest
import torch

from rppg_lib import cli
from rppg_lib import model_store as ms
from rppg_lib.models import PhysNetUpsample

pytestmark = pytest.mark.usefixtures("one_torch_thread")

NIU_READER = "rppg_lib.papers.niu2018.training:map_clips_hr"
KOP_READER = "rppg_lib.papers.kopeliovich2019.model:windows_hr"


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """6 s of the ubfc-like simulator at 15 fps, 200x150 px with a 90-px face, written by `rppg simulate`."""
    out = tmp_path_factory.mktemp("sim")
    assert cli.main(["simulate", "--preset", "ubfc-like", "--subjects", "1", "--out", str(out), "-o", "duration_s",
                     "6", "-o", "fps", "15", "-o", "width", "200", "-o", "height", "150", "-o", "face_px", "90"]) == 0
    return out / "subject1" / "vid.avi"


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A results folder (``$RPPG_RESULTS_DIR``) holding one tiny PhysNet and one model of an input rppg predict does
    not build."""
    monkeypatch.setenv("RPPG_RESULTS_DIR", str(tmp_path / "results"))
    torch.manual_seed(0)
    common = dict(builder="rppg_lib.models:PhysNetUpsample", builder_kwargs={"in_channels": 3, "width": 4},
                  profile="smoke", data="simulated: ubfc-like look-alike")
    ms.save_model("gideon2021", "gideon2021-contrastive", PhysNetUpsample(3, 4), metrics={"test_mae": 7.125},
                  input_spec={"kind": "face_crops", "frame_size": 16, "fps": 15.0, "clip_frames": 60}, **common)
    ms.save_model("elsewhere", "elsewhere-flow", PhysNetUpsample(3, 4), metrics={"test_mae": 5.0},
                  input_spec={"kind": "optical_flow"}, **common)
    return tmp_path


def test_models_lists_the_stored_ones_with_their_run_record_and_the_missing_ones(store, capsys):
    assert cli.main(["models"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("gideon2021-contrastive"))
    for field in ("gideon2021", "face_crops 16px", "simulated: ubfc-like look-alike", "smoke", "7.12"):
        assert field in row
    assert "not trained yet" in out and "yu2020-autohr: rppg run yu2020 --profile book" in out


def test_predict_with_a_model_prints_hr_and_writes_figure_and_json(video, store, capsys):
    figure, numbers = store / "fig.png", store / "out" / "hr.json"
    rc = cli.main(["predict", str(video), "--model", "gideon2021-contrastive", "--window", "4",
                   "--figure", str(figure), "--json", str(numbers)])
    out = capsys.readouterr().out
    assert rc in (0, 3), out  # an untrained network may find no reliable pulse; the command still reports
    assert "model gideon2021-contrastive" in out and " bpm" in out and "HR = " in out
    assert figure.stat().st_size > 10_000
    result = json.loads(numbers.read_text())
    assert 42 <= result["hr_median_bpm"] <= 240
    assert len(result["hr_bpm"]) == len(result["snr_db"]) == len(result["hr_time_s"]) >= 2
    assert result["status"] in ("ok", "no reliable pulse")
    assert result["model"]["name"] == "gideon2021-contrastive"
    assert result["model"]["record"]["chapter"] == "gideon2021"
    assert result["model"]["record"]["metrics"] == {"test_mae": 7.125}
    assert result["fps"] == pytest.approx(15.0, rel=0.05)


def test_classical_json_has_no_model(video, tmp_path, capsys):
    numbers = tmp_path / "pos.json"
    rc = cli.main(["predict", str(video), "--window", "4", "--figure", str(tmp_path / "f.png"), "--json", str(numbers)])
    assert rc in (0, 3), capsys.readouterr()
    result = json.loads(numbers.read_text())
    assert result["method"] == "pos" and result["model"] is None


def test_model_is_checked_before_the_video_is_read(store, tmp_path, capsys):
    missing_video = str(tmp_path / "not_there.mp4")  # a decode would fail with another message
    assert cli.main(["predict", missing_video, "--model", "yu2020-autohr"]) == 1
    err = capsys.readouterr().err
    assert "no checkpoint of model 'yu2020-autohr'" in err and "rppg run yu2020 --profile book" in err
    assert cli.main(["predict", missing_video, "--model", "physnet"]) == 1
    err = capsys.readouterr().err
    assert "unknown model 'physnet'" in err and "gideon2021-contrastive" in err
    assert cli.main(["predict", missing_video, "--model", "elsewhere-flow"]) == 1
    assert "does not build from a video yet" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["predict", missing_video, "--model", "gideon2021-contrastive", "--method", "chrom"])


def test_incompatible_checkpoint_is_a_clear_error(store, tmp_path, capsys):
    folder = store / "results" / "models" / "gideon2021" / "gideon2021-contrastive"
    spec = json.loads((folder / "model.json").read_text())
    spec["builder_kwargs"]["width"] = 8
    (folder / "model.json").write_text(json.dumps(spec))
    assert cli.main(["predict", str(tmp_path / "any.mp4"), "--model", "gideon2021-contrastive"]) == 1
    err = capsys.readouterr().err
    assert "does not fit the network of builder 'rppg_lib.models:PhysNetUpsample'" in err and "weights.pt" in err


def save_tiny_map_network(results_dir, name="niu2018-resnet18", **spec_changes):
    """A ResNet-18 map regressor answering about 75 bpm, stored as niu2018's chapter stores its network."""
    torch.manual_seed(0)
    net = ms.build_map_regressor((16, 30))
    net.hr_offset.fill_(75.0)
    net.hr_scale.fill_(5.0)
    spec = ms.st_map_input(15.0, 45, (10, 20), "box", (16, 30), region=(0.12, 0.43, 0.88, 0.76),
                           boxes="simulator", hr_offset=75.0, hr_scale=5.0, clip_reader=NIU_READER)
    return ms.save_model("niu2018", name, net, builder="rppg_lib.model_store:build_map_regressor",
                         builder_kwargs={"input_size": [16, 30]}, input_spec={**spec, **spec_changes},
                         profile="smoke", data="simulated: mahnob-like look-alike", metrics={"test_mae": 4.5},
                         results_dir=results_dir)


def test_a_map_network_is_listed_checked_and_gives_one_hr_per_clip(video, store, capsys):
    from rppg_lib.foundations.benchmark import experiment as bench
    from rppg_lib.predict import check_model

    save_tiny_map_network(store / "results")
    assert cli.main(["models"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("niu2018-resnet18"))
    assert "st_map 10x20 blocks" in row and "4.50" in row
    assert check_model("niu2018-resnet18").input_spec["grid"] == [10, 20]
    figure, numbers = store / "niu.png", store / "niu.json"
    rc = cli.main(["predict", str(video), "--model", "niu2018-resnet18", "--figure", str(figure),
                   "--json", str(numbers)])
    out = capsys.readouterr().out
    assert rc in (0, 3), out
    assert "model niu2018-resnet18" in out and "cheek, 10x20 blocks" in out and "clip is graded by the SNR" in out
    result = json.loads(numbers.read_text())
    # 6 s at 15 fps: 3-s clips every second, the last one ending at the last frame
    assert len(result["hr_bpm"]) == len(result["snr_db"]) == len(result["hr_time_s"]) == 4
    assert all(42 <= hr <= 240 for hr in result["hr_bpm"])
    assert result["hr_time_s"] == pytest.approx([1.47, 2.47, 3.47, 4.47], abs=0.01)
    assert result["window_s"] == pytest.approx(3.0) and result["fps"] == pytest.approx(15.0)
    assert result["model"]["input_spec"]["kind"] == "st_map"
    assert figure.stat().st_size > 10_000
    # the benchmark lists the stored map network but does not run it
    models, status = bench.network_models(store / "results")
    assert "niu2018-resnet18" not in [m.name for m in models]
    assert status.loc["niu2018-resnet18", "status"].startswith("stored, not run here: it reads 'st_map' input")


def test_the_map_is_the_chapters_block_means_of_the_tracked_face(video):
    """The block means rppg predict feeds a map network are rppg_lib.video.stmap_blocks (the chapter's) of the
    decoded frames and the tracked face boxes, at the video's own rate when the network's is the same."""
    from rppg_lib.predict import _st_map_blocks
    from rppg_lib.video import preprocess_video, read_video, stmap_blocks

    spec = ms.st_map_input(15.0, 45, (10, 20), "box", region=(0.12, 0.43, 0.88, 0.76), clip_reader=NIU_READER)
    t, blocks, region, out = _st_map_blocks(str(video), spec, 10, 320, None, 256)
    boxes = preprocess_video(str(video), ("skin_trace",), every=10, smoothing="mean20", detect_width=320)["boxes"]
    expected = stmap_blocks(read_video(str(video))[0], boxes, (10, 20), region=region)
    assert blocks.shape == (90, 200, 3) and region == (0.12, 0.43, 0.88, 0.76)
    assert np.allclose(blocks, expected, atol=1e-6)
    assert np.allclose(np.diff(t), 1 / 15)


def test_a_map_network_with_an_incomplete_input_spec_is_a_clear_error(store, tmp_path, capsys):
    missing_video = str(tmp_path / "not_there.mp4")
    folder = save_tiny_map_network(store / "results")
    spec = json.loads((folder / "model.json").read_text())
    del spec["input_spec"]["grid"]
    (folder / "model.json").write_text(json.dumps(spec))
    assert cli.main(["predict", missing_video, "--model", "niu2018-resnet18"]) == 1
    err = capsys.readouterr().err
    assert "lacks 'grid'" in err and "rppg run niu2018 --profile book" in err
    save_tiny_map_network(store / "results", cheek="landmarks")
    assert cli.main(["predict", missing_video, "--model", "niu2018-resnet18"]) == 1
    assert "has cheek 'landmarks'" in capsys.readouterr().err


def save_tiny_colour_network(results_dir, **spec_changes):
    """An untrained CL+F network, stored as kopeliovich2019's chapter stores its network."""
    from rppg_lib.papers.kopeliovich2019.model import ColourSignalCNN
    from rppg_lib.video import ROI_SETS

    torch.manual_seed(0)
    spec = ms.colour_signals_input(15.0, 64, ROI_SETS["six_regions"], detect_every=1, boxes="Haar",
                                   hr_range=(40.0, 125.0), clip_reader=KOP_READER)
    return ms.save_model("kopeliovich2019", "kopeliovich2019-clf", ColourSignalCNN("clf").eval(),
                         builder="rppg_lib.papers.kopeliovich2019.model:ColourSignalCNN",
                         builder_kwargs={"head": "clf", "hr_min": 40.0, "hr_max": 125.0},
                         input_spec={**spec, **spec_changes}, profile="smoke", data="simulated: kopeliovich preset",
                         metrics={"test_mae": 9.5}, results_dir=results_dir)


def test_a_colour_signal_network_gives_one_hr_per_window(video, store, capsys):
    from rppg_lib.predict import predict_video_with_model

    save_tiny_colour_network(store / "results")
    result = predict_video_with_model(video, "kopeliovich2019-clf")
    # 6 s at 15 fps: 64-frame windows every second, the last one ending at the last frame
    assert len(result.hr_bpm) == len(result.snr_db) == 3 and result.window_s == pytest.approx(4.27)
    assert np.all((result.hr_bpm >= 40) & (result.hr_bpm <= 125))  # class centres of [40, 125] bpm
    assert result.roi == "6 face ROIs" and result.model["input_spec"]["kind"] == "colour_signals"
    assert "clip is graded by the SNR of the mean green of the ROIs" in result.message
    assert result.pulse.shape == result.time_s.shape == (90,)
    folder = store / "results" / "models" / "kopeliovich2019" / "kopeliovich2019-clf"
    spec = json.loads((folder / "model.json").read_text())
    spec["input_spec"]["rois"] = [[0.6, 0.45, 0.4, 0.65]]
    (folder / "model.json").write_text(json.dumps(spec))
    assert cli.main(["predict", str(store / "any.mp4"), "--model", "kopeliovich2019-clf"]) == 1
    assert "has rois [[0.6, 0.45, 0.4, 0.65]], not a list of x0, y0, x1, y1" in capsys.readouterr().err


def test_the_colour_signals_are_the_chapters_six_roi_traces_in_its_order(video):
    from rppg_lib.papers.kopeliovich2019.colour_signals import colour_signals
    from rppg_lib.predict import _uniform_roi_traces
    from rppg_lib.video import ROI_SETS, preprocess_video, read_video, roi_traces

    spec = ms.colour_signals_input(15.0, 64, ROI_SETS["six_regions"], detect_every=10, clip_reader=KOP_READER)
    t, traces, _ = _uniform_roi_traces(str(video), spec["rois"], 15.0, 10, 320, None, 256)
    boxes = preprocess_video(str(video), ("skin_trace",), every=10, smoothing="mean20", detect_width=320)["boxes"]
    expected = roi_traces(read_video(str(video))[0], boxes, rois="six_regions")
    assert np.allclose(colour_signals(traces), colour_signals(expected), atol=1e-6)
