"""The model store: a saved network rebuilds with the same outputs; missing and incompatible
checkpoints fail with errors that say what to do."""
import json

import numpy as np
import pytest
import torch

from rppg_lib import model_store as ms
from rppg_lib.models import MANUAL_GENOTYPE, PhysNetUpsample
from rppg_lib.storage import jsonable

pytestmark = pytest.mark.usefixtures("one_torch_thread")

PHYSNET = "rppg_lib.models:PhysNetUpsample"
FACE_CROPS = {"kind": "face_crops", "frame_size": 16, "fps": 15.0, "clip_frames": 40}


def save_tiny(tmp_path, name="gideon2021-contrastive", width=4, seed=0):
    torch.manual_seed(seed)
    net = PhysNetUpsample(3, width)
    folder = ms.save_model("gideon2021", name, net, builder=PHYSNET, builder_kwargs={"in_channels": 3, "width": width},
                           input_spec=FACE_CROPS, profile="smoke", data="simulated: ubfc-like look-alike",
                           metrics={"test_mae": 3.25}, results_dir=tmp_path)
    return net.eval(), folder


def test_save_list_load_round_trip(tmp_path):
    net, folder = save_tiny(tmp_path)
    assert folder == tmp_path / "models" / "gideon2021" / "gideon2021-contrastive"
    assert sorted(p.name for p in folder.iterdir()) == ["model.json", "weights.pt"]  # no temporary file left
    (stored,) = ms.list_models(tmp_path)
    assert stored.name == "gideon2021-contrastive" and stored.chapter == "gideon2021"
    record = stored.record
    assert record["profile"] == "smoke" and record["data"] == "simulated: ubfc-like look-alike"
    assert record["metrics"] == {"test_mae": 3.25} and record["revision"]
    assert stored.input_spec == FACE_CROPS
    loaded = ms.load_model("gideon2021-contrastive", tmp_path)
    assert isinstance(loaded, PhysNetUpsample) and not loaded.training
    x = torch.rand(2, 3, 40, 16, 16) * 255
    with torch.no_grad():
        assert torch.allclose(loaded(x), net(x))


def test_autohr_checkpoint_rebuilds_from_its_json_genotype(tmp_path):
    net = ms.build_autohr(jsonable(MANUAL_GENOTYPE), width=4, pool="avg")
    ms.save_model("yu2020", "yu2020-autohr", net, builder="rppg_lib.model_store:build_autohr",
                  builder_kwargs={"genotype": jsonable(MANUAL_GENOTYPE), "width": 4, "pool": "avg"},
                  input_spec=FACE_CROPS, profile="smoke", data="d", metrics={}, results_dir=tmp_path)
    loaded = ms.load_model("yu2020-autohr", tmp_path)
    assert loaded.genotype == MANUAL_GENOTYPE
    x = torch.rand(1, 3, 16, 16, 16)
    with torch.no_grad():
        assert torch.allclose(loaded(x), net.eval()(x))


def test_missing_checkpoint_names_the_chapter_run(tmp_path):
    with pytest.raises(ms.MissingModelError, match=r"rppg run gideon2021 --profile book"):
        ms.load_model("gideon2021-supervised", tmp_path)
    save_tiny(tmp_path)
    with pytest.raises(ms.MissingModelError, match=r"unknown model 'physnet'.*stored models: gideon2021-contrastive"):
        ms.find_model("physnet", tmp_path)
    (tmp_path / "models" / "gideon2021" / "gideon2021-contrastive" / "weights.pt").unlink()
    with pytest.raises(ms.MissingModelError, match="weights file .* is missing"):
        ms.load_model("gideon2021-contrastive", tmp_path)


def _edit_spec(folder, **changes):
    spec_file = folder / "model.json"
    spec = json.loads(spec_file.read_text())
    spec.update(changes)
    spec_file.write_text(json.dumps(spec))


def test_weights_of_another_shape_are_an_incompatible_checkpoint(tmp_path):
    _, folder = save_tiny(tmp_path, width=4)
    _edit_spec(folder, builder_kwargs={"in_channels": 3, "width": 8})
    with pytest.raises(ms.IncompatibleModelError) as err:
        ms.load_model("gideon2021-contrastive", tmp_path)
    text = str(err.value)
    assert "weights.pt" in text and PHYSNET in text and "'width': 8" in text and "size mismatch" in text


def test_a_replaced_weights_file_or_a_missing_builder_is_reported(tmp_path):
    _, folder = save_tiny(tmp_path, width=4)
    torch.save(PhysNetUpsample(3, 8).state_dict(), folder / "weights.pt")
    with pytest.raises(ms.IncompatibleModelError, match="not the weights file its model.json records"):
        ms.load_model("gideon2021-contrastive", tmp_path)
    _, folder = save_tiny(tmp_path, width=4)
    _edit_spec(folder, builder="rppg_lib.models:NoSuchNet")
    with pytest.raises(ms.IncompatibleModelError, match="builder 'rppg_lib.models:NoSuchNet' cannot be imported"):
        ms.load_model("gideon2021-contrastive", tmp_path)


def test_save_refuses_a_builder_that_does_not_rebuild_the_network(tmp_path):
    with pytest.raises(ms.IncompatibleModelError, match="does not fit"):
        ms.save_model("gideon2021", "gideon2021-supervised", PhysNetUpsample(3, 4), builder=PHYSNET,
                      builder_kwargs={"width": 6}, input_spec=FACE_CROPS, profile="smoke", data="d", metrics={},
                      results_dir=tmp_path)
    with pytest.raises(ValueError, match="model name"):
        ms.save_model("gideon2021", "Bad Name", PhysNetUpsample(3, 4), builder=PHYSNET, builder_kwargs={"width": 4},
                      input_spec=FACE_CROPS, profile="smoke", data="d", metrics={}, results_dir=tmp_path)
    assert ms.list_models(tmp_path) == []


def test_the_chapters_main_models_are_stored_by_their_runs(tmp_path):
    """deng's accuracy runs and yu2020's seed runs, given the run's chapter, store the first seed's networks
    with the chapter's profile into the chapter's results folder."""
    import types

    import pandas as pd

    from rppg_lib.papers.deng_pruned_stven import experiment as dx
    from rppg_lib.papers.gideon2021.experiment import pulsing_patch_data, split_clips
    from rppg_lib.papers.yu2020 import experiment as yx
    from rppg_lib.profiles import resolve

    data = pulsing_patch_data(4, seconds=8, crop=16)
    split = split_clips(data, 1, 1)
    tiny = dict(width=8, epochs=1, lr=1e-3, batch_size=2, clip_s=4.0, keep=0.5, seeds=(0,), test_clip_s=8.0,
                networks=(("rPPGNet dense", False),))
    chapter = types.SimpleNamespace(key="deng_pruned_stven", profile="smoke", results_dir=tmp_path)
    main = dx.accuracy_runs(data, split, chapter=chapter, **tiny)
    cfg = resolve("yu2020", "smoke")
    table = pd.DataFrame({"video": [0, 1], "hr_est": [70.0, 80.0], "hr_ref": [72.0, 77.0]})
    autohr = yx.Run("AutoHR", table, [], 0.0, yx.make_network("autohr", cfg), {"theta": 0.0})
    physnet = yx.Run("PhysNet", table, [], 0.0, yx.make_network("physnet", cfg), {"theta": 0.0})
    clips = types.SimpleNamespace(source="simulated: vipl-like", videos=np.zeros((1, 3, 8, 16, 16)), fps=12.5)
    yx.seed_runs(autohr, physnet, None, [0], chapter=types.SimpleNamespace(key="yu2020", profile="smoke",
                                                                            results_dir=tmp_path), data=clips, cfg=cfg)
    stored = {m.name: m for m in ms.list_models(tmp_path)}
    assert sorted(stored) == ["deng-rppgnet", "yu2020-autohr", "yu2020-physnet"]
    deng = stored["deng-rppgnet"]
    assert deng.chapter == "deng_pruned_stven" and deng.record["profile"] == "smoke"
    first_seed = main["errors"]["rPPGNet dense"].error.abs().mean()
    assert deng.record["metrics"]["test_mae"] == pytest.approx(first_seed)
    assert deng.input_spec["frame_size"] == 16 and deng.input_spec["clip_frames"] == 60
    assert stored["yu2020-autohr"].record["metrics"]["test_mae"] == pytest.approx(2.5)
    x = torch.rand(1, 3, 60, 16, 16) * 255
    with torch.no_grad():
        assert torch.allclose(ms.load_model("deng-rppgnet", tmp_path)(x)[0],
                              main["models"][("rPPGNet dense", 0)].eval()(x))
    for name in ("yu2020-autohr", "yu2020-physnet"):
        ms.load_model(name, tmp_path)


def test_niu2018_stores_the_first_fold_of_the_first_seed_of_its_main_run(tmp_path):
    """run_cv with the run's chapter and ``store`` keeps the first seed's first-fold ResNet-18 with the map it reads;
    the second seed writes nothing."""
    import types

    import pandas as pd

    from rppg_lib.papers.niu2018 import experiment as nx
    from rppg_lib.profiles import resolve

    cfg = resolve("niu2018", "smoke", clips_per_video=2, epochs=1)
    rng = np.random.default_rng(0)
    t = np.arange(90) / 15.25
    hr = rng.uniform(60, 90, 6)
    pulse = np.sin(2 * np.pi * hr[:, None] / 60 * t)  # (videos, frames)
    blocks = (120 + pulse[:, :, None, None] * [0.2, 0.5, 0.3] + rng.normal(0, 0.3, (6, 90, 200, 3))).astype(np.float32)
    videos = nx.VideoSet(blocks, np.repeat(hr[:, None], 90, axis=1), np.array([f"s{i}" for i in range(6)]), 15.25,
                         "simulated: tiny maps", preset="mahnob-like")
    chapter = types.SimpleNamespace(key="niu2018", profile="smoke", results_dir=tmp_path)
    runs = nx.run_cv(videos, cfg, seeds=(0, 1), init="scratch", progress=False, chapter=chapter,
                     store=nx.STORED_MODEL)
    (stored,) = ms.list_models(tmp_path)
    assert stored.name == "niu2018-resnet18" == nx.STORED_MODEL and stored.chapter == "niu2018"
    spec = stored.input_spec
    assert spec["kind"] == "st_map" and spec["fps"] == 15.25 and spec["clip_frames"] == cfg.clip_frames == 60
    assert spec["grid"] == [10, 20] and spec["cheek"] == "box" and spec["input_size"] == [16, 30]
    assert len(spec["region"]) == 4 and "mahnob-like" in spec["boxes"]
    first = runs[(runs.seed == 0) & (runs.fold == 0)]
    assert stored.record["metrics"]["test_mae"] == pytest.approx(float((first.hr_est - first.hr_ref).abs().mean()))
    assert stored.record["metrics"]["seed"] == 0 and stored.record["data"] == "simulated: tiny maps"
    net = ms.load_model("niu2018-resnet18", tmp_path)
    assert float(net.hr_offset) == pytest.approx(spec["hr_offset_bpm"])
    x = torch.rand(2, 3, 16, 30)
    with torch.no_grad():
        assert net(x).shape == (2,)
    assert isinstance(runs, pd.DataFrame) and set(runs.seed) == {0, 1}


def test_kopeliovich2019_stores_table2s_clf_of_the_first_seed(tmp_path):
    """store_network keeps Table 2's CL+F (the headline reading, first seed) with the colour signals it reads and
    its MAE on the test windows."""
    import types

    import pandas as pd

    from rppg_lib.papers.kopeliovich2019 import experiment as kx
    from rppg_lib.papers.kopeliovich2019.model import ColourSignalCNN
    from rppg_lib.profiles import resolve
    from rppg_lib.video import ROI_SETS

    rng = np.random.default_rng(0)
    t = np.arange(300) / 15.0
    videos = [kx.Video(f"cam1_stationary_s{i}", "cam1", "stationary", f"subject{i}", 15.0,
                       120 + np.sin(2 * np.pi * 1.2 * t)[:, None, None] + rng.normal(0, 0.2, (300, 6, 3)),
                       np.full(300, 72.0), {}, np.sin(2 * np.pi * 1.2 * t)) for i in range(2)]
    ds = kx.build_dataset(videos)
    test = kx.with_reference_hr(ds, ds.splits["test"])
    torch.manual_seed(0)
    clf = ColourSignalCNN("clf").eval()
    name = "CL+F [MSE on softmax]"
    runs = kx.ModelRuns({name: [(clf, None)], "CL+F [MSE on logits]": [(ColourSignalCNN("clf"), None)]},
                        pd.DataFrame({"model": [name], "seed": [3]}).set_index(["model", "seed"]), "softmax", {})
    chapter = types.SimpleNamespace(key="kopeliovich2019", profile="smoke", results_dir=tmp_path)
    kx.store_network(chapter, runs, ds, test, "simulated: tiny", resolve("kopeliovich2019", "smoke"))
    (stored,) = ms.list_models(tmp_path)
    assert stored.name == kx.STORED_MODEL == "kopeliovich2019-clf" and stored.chapter == "kopeliovich2019"
    spec = stored.input_spec
    assert spec["kind"] == "colour_signals" and spec["fps"] == 15.0 and spec["window"] == 64
    six = ROI_SETS["six_regions"]
    assert spec["roi_names"] == list(six) and spec["rois"] == [list(r) for r in six.values()]
    assert spec["hr_range_bpm"] == [40.0, 125.0]
    metrics = stored.record["metrics"]
    assert metrics["test_mae"] == pytest.approx(float(np.mean(np.abs(kx.predictions(clf, test) - test.hr))))
    assert metrics["seed"] == 3 and metrics["model"] == name and metrics["test_windows"] == len(test) > 0
    x = torch.from_numpy(test.x)
    with torch.no_grad():
        assert torch.allclose(ms.load_model("kopeliovich2019-clf", tmp_path)(x), clf(x))
