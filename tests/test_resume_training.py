"""Resumable training: a run killed with SIGKILL mid-epoch and rerun with the same checkpoint folder ends
with exactly the weights of an uninterrupted run (CPU); a changed setting starts over."""
import os
import signal
import subprocess
import sys
import textwrap

import pytest
import torch

# Trains a small regressor with the library's niu2018 trainer (the shared TrainingLoop); with KILL_AT set,
# the process SIGKILLs itself in the middle of a later epoch (the n-th forward pass).
WORKER = textwrap.dedent("""
    import os, signal, sys
    import torch
    from rppg_lib.papers.niu2018.training import train_regressor

    torch.set_num_threads(1)
    ckpt, out, lr, kill_at = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])

    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                                           torch.nn.LazyLinear(1))
            self.calls = 0

        def forward(self, x):
            self.calls += 1
            if kill_at and self.calls == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return self.net(x).squeeze(1)

    g = torch.Generator().manual_seed(1)
    x = torch.randn(40, 3, 8, 8, generator=g)
    hr = (60 + 40 * torch.rand(40, generator=g)).numpy()
    torch.manual_seed(0)
    model = Tiny()
    model(x[:1]); model.calls = 0  # materialise the lazy layer before the optimiser sees it
    res = train_regressor(model, x, hr, epochs=8, lr=lr, batch_size=8, seed=3, progress=False,
                          checkpoint_dir=ckpt)
    torch.save({"state": model.state_dict(), "epochs": len(res.history),
                "resumed": res.extra.get("resumed_at_epoch")}, out)
""")


def _run(tmp_path, ckpt, out, lr=1e-2, kill_at=0):
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.run([sys.executable, "-c", WORKER, str(tmp_path / ckpt), str(tmp_path / out), str(lr),
                           str(kill_at)], env=env, capture_output=True, text=True)


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_weights(tmp_path):
    full = _run(tmp_path, "full", "full.pt")
    assert full.returncode == 0, full.stderr
    killed = _run(tmp_path, "cut", "never.pt", kill_at=27)  # 5 batches per epoch: mid-epoch 6
    assert killed.returncode == -signal.SIGKILL and not (tmp_path / "never.pt").exists()
    assert (tmp_path / "cut" / "resume.pt").exists()
    again = _run(tmp_path, "cut", "resumed.pt")
    assert again.returncode == 0, again.stderr
    a, b = torch.load(tmp_path / "full.pt"), torch.load(tmp_path / "resumed.pt")
    assert b["resumed"] == 5 and b["epochs"] == a["epochs"] == 8  # continued after epoch 5, history whole
    for k in a["state"]:
        assert torch.equal(a["state"][k], b["state"][k]), k


@pytest.mark.slow
def test_a_changed_setting_starts_over(tmp_path):
    assert _run(tmp_path, "run", "first.pt").returncode == 0
    other = _run(tmp_path, "run", "other.pt", lr=5e-3)
    assert other.returncode == 0, other.stderr
    assert "written with other settings" in other.stderr
    assert torch.load(tmp_path / "other.pt")["resumed"] is None


def test_track_rng_refuses_other_objects():
    from rppg_lib.train.loop import TrainingLoop

    loop = TrainingLoop({"m": torch.nn.Linear(2, 1)}, lambda p: torch.optim.SGD(p, lr=0.1), device="cpu",
                        selection="loss", higher_is_better=False, progress=False)
    with pytest.raises(TypeError, match="numpy or torch generators"):
        loop.track_rng(object())
    assert loop.resume() == 0  # no checkpoint folder: nothing to resume
    with pytest.raises(ValueError, match="checkpoint_every"):
        TrainingLoop({"m": torch.nn.Linear(2, 1)}, lambda p: torch.optim.SGD(p, lr=0.1), device="cpu",
                     selection="loss", higher_is_better=False, checkpoint_every=0)


def _fit(folder, hr, epochs=3, lr=1e-2):
    """A tiny regressor trained by the niu2018 trainer into ``folder``: its result and weights."""
    from rppg_lib.papers.niu2018.training import train_regressor

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 4, 1), torch.nn.Flatten(0))
    x = torch.linspace(0, 1, 12 * 3 * 4 * 4).reshape(12, 3, 4, 4)
    res = train_regressor(model, x, hr, epochs=epochs, lr=lr, batch_size=4, seed=1, progress=False,
                          checkpoint_dir=folder)
    return res, model.state_dict()


def test_the_same_data_resume_and_other_data_start_over(tmp_path):
    import numpy as np

    hr = np.linspace(60, 100, 12)
    first, weights = _fit(tmp_path / "run", hr)
    assert first.extra.get("resumed_at_epoch") is None and len(first.history) == 3
    again, weights_again = _fit(tmp_path / "run", hr)  # finished run, same data: nothing left to train
    assert again.extra["resumed_at_epoch"] == 3 and len(again.history) == 3
    assert all(torch.equal(weights[k], weights_again[k]) for k in weights)
    with pytest.warns(UserWarning, match="other settings"):
        other, _ = _fit(tmp_path / "run", hr[::-1].copy())  # same settings and shapes, other heart rates
    assert other.extra.get("resumed_at_epoch") is None
    assert [h["epoch"] for h in other.history] == [0, 1, 2]
    with pytest.warns(UserWarning, match="other settings"):
        longer, _ = _fit(tmp_path / "run", hr[::-1].copy(), epochs=5)  # another setting: starts over too
    assert longer.extra.get("resumed_at_epoch") is None and len(longer.history) == 5


def test_data_fingerprint_follows_dtype_shape_and_values():
    import numpy as np

    from rppg_lib.train import loop as L

    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    fp = L.data_fingerprint(a, None)
    assert fp == L.data_fingerprint(a.copy(), None) == L.data_fingerprint(torch.as_tensor(a), None)
    assert len(fp) == 16
    changed = a.copy()
    changed[1, 2, 3] += 1
    others = [L.data_fingerprint(changed, None), L.data_fingerprint(a.astype(np.float64), None),
              L.data_fingerprint(a.reshape(3, 2, 4), None), L.data_fingerprint(a, a), L.data_fingerprint([a[0], a[1]])]
    assert len({fp, *others}) == 1 + len(others)


def test_a_large_array_is_fingerprinted_by_an_even_sample(monkeypatch):
    import numpy as np

    from rppg_lib.train import loop as L

    monkeypatch.setattr(L, "FINGERPRINT_FULL_BYTES", 100)
    monkeypatch.setattr(L, "FINGERPRINT_SAMPLES", 10)
    big = np.zeros(1000, np.uint8)
    fp = L.data_fingerprint(big)
    sampled, unsampled = big.copy(), big.copy()
    sampled[111] = 1  # np.linspace(0, 999, 10) holds 111
    unsampled[112] = 1
    assert L.data_fingerprint(sampled) != fp and L.data_fingerprint(unsampled) == fp


def test_another_architecture_starts_over(tmp_path):
    from rppg_lib.train.loop import TrainingLoop

    def loop(width):
        return TrainingLoop({"m": torch.nn.Linear(2, width)}, lambda p: torch.optim.SGD(p, lr=0.1), device="cpu",
                            selection="loss", higher_is_better=False, progress=False, checkpoint_dir=tmp_path,
                            config={"lr": 0.1}, data=torch.ones(3))

    first = loop(1)
    first.start_epoch()
    first.end_epoch(0, first.epoch_record(), 1.0)
    assert loop(1).resume() == 1
    with pytest.warns(UserWarning, match="other settings"):
        assert loop(2).resume() == 0  # a wider layer would not load the saved weights
