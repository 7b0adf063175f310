"""`rppg models` and `rppg predict VIDEO --model NAME` on a short simulated video and a tiny stored PhysNet."""
import json

import pytest
import torch

from rppg_lib import cli
from rppg_lib import model_store as ms
from rppg_lib.models import PhysNetUpsample

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """6 s of the ubfc-like simulator at 15 fps, 200x150 px with a 90-px face, written by `rppg simulate`."""
    out = tmp_path_factory.mktemp("sim")
    assert cli.main(["simulate", "--preset", "ubfc-like", "--subjects", "1", "--out", str(out), "-o", "duration_s",
                     "6", "-o", "fps", "15", "-o", "width", "200", "-o", "height", "150", "-o", "face_px", "90"]) == 0
    return out / "subject1" / "vid.avi"


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A results folder (``$RPPG_RESULTS_DIR``) holding one tiny PhysNet and one colour-signal model."""
    monkeypatch.setenv("RPPG_RESULTS_DIR", str(tmp_path / "results"))
    torch.manual_seed(0)
    common = dict(builder="rppg_lib.models:PhysNetUpsample", builder_kwargs={"in_channels": 3, "width": 4},
                  profile="smoke", data="simulated: ubfc-like look-alike")
    ms.save_model("gideon2021", "gideon2021-contrastive", PhysNetUpsample(3, 4), metrics={"test_mae": 7.125},
                  input_spec={"kind": "face_crops", "frame_size": 16, "fps": 15.0, "clip_frames": 60}, **common)
    ms.save_model("kopeliovich2019", "kopeliovich2019-clf", PhysNetUpsample(3, 4), metrics={"test_mae": 5.0},
                  input_spec={"kind": "colour_signals"}, **common)
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
    assert cli.main(["predict", missing_video, "--model", "kopeliovich2019-clf"]) == 1
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
