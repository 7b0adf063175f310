"""`rppg simulate`: resumable, deterministic, and nothing partial left when writing fails."""
import errno

import numpy as np
import pytest

from rppg_lib import cli
from rppg_lib.data import load_ubfc_rppg
from rppg_lib.synth import writer


def test_simulate_writes_a_readable_ubfc_dataset_and_resumes(tmp_path, capsys):
    out = tmp_path / "ubfc"
    args = ["simulate", "--preset", "ubfc-like", "--subjects", "2", "--out", str(out),
            "-o", "duration_s", "4", "-o", "width", "160", "-o", "height", "120"]
    assert cli.main(args) == 0
    recordings = list(load_ubfc_rppg(out))
    assert len(recordings) == 2 and recordings[0].frames.shape[1:] == (120, 160, 3)
    stamp = (out / "subject1" / "vid.avi").stat().st_mtime_ns
    assert cli.main(args) == 0  # finished recordings are not redone
    assert (out / "subject1" / "vid.avi").stat().st_mtime_ns == stamp
    assert cli.main(["simulate", "--preset", "nope", "--subjects", "1", "--out", str(out)]) == 1
    assert "unknown preset" in capsys.readouterr().err


def test_a_full_disk_removes_the_partial_recording_and_keeps_finished_ones(tmp_path, monkeypatch):
    out = tmp_path / "ubfc"
    writer.write_dataset("ubfc-like", 1, out, progress=False, duration_s=3, width=160, height=120)
    real_write = writer._write_one

    def write_then_fail(preset, rec, tmp, out_dir, name, kw):
        (tmp / "half_written.bin").write_bytes(b"x" * 10)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writer, "_write_one", write_then_fail)
    with pytest.raises(OSError, match="No space"):
        writer.write_dataset("ubfc-like", 2, out, progress=False, duration_s=3, width=160, height=120)
    assert (out / "subject1" / "vid.avi").is_file()          # finished one kept
    assert not (out / "subject2").exists()                   # failed one absent
    assert not any((out / ".partial").rglob("*.bin"))        # and no partial files
    monkeypatch.setattr(writer, "_write_one", real_write)
    writer.write_dataset("ubfc-like", 2, out, progress=False, duration_s=3, width=160, height=120)
    assert (out / "subject2" / "vid.avi").is_file()
    assert np.isfinite(next(iter(load_ubfc_rppg(out))).ppg).all()
