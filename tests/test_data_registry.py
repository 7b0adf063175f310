"""Resolution order and hash checks of rppg_lib.data.registry.real_data_path."""
from __future__ import annotations

import hashlib
import shutil

import pytest

from rppg_lib.data import registry

SMALL = "welltory/datatypes.md"  # 447 bytes


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """No env mirror, no shared mirror, no download: each test opts in to one source."""
    monkeypatch.delenv(registry.ENV_MIRROR, raising=False)
    monkeypatch.setattr(registry, "shared_mirror", lambda: tmp_path / "no-shared-mirror")

    def offline(entries):
        raise ConnectionError("no network in this test")

    monkeypatch.setattr(registry, "_download", offline)
    return tmp_path


def _mirror_with(tmp_path, name, relpaths, corrupt=None):
    """A mirror folder holding copies of ``relpaths`` from the shared mirror."""
    root = tmp_path / name
    for rel in relpaths:
        dst = root / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(registry.real_data_path(rel, mirror=SHARED), dst)
        if rel == corrupt:
            data = bytearray(dst.read_bytes())
            data[10] ^= 0x01  # one byte changed, same size
            dst.write_bytes(bytes(data))
    return root


SHARED = registry.shared_mirror()
needs_shared = pytest.mark.skipif(not (SHARED / SMALL).is_file(), reason="shared mirror not present")


def test_registry_matches_the_shared_manifest():
    entries = registry.load_registry()
    assert len(entries) == 23
    e = entries[SMALL]
    assert e.bytes == 447 and len(e.sha256) == 64 and e.url.startswith("https://")
    manifest = SHARED / "MANIFEST.tsv"
    if manifest.is_file():
        assert manifest.read_text() == registry.REGISTRY_FILE.read_text()


@needs_shared
def test_default_is_the_shared_mirror(monkeypatch):
    monkeypatch.delenv(registry.ENV_MIRROR, raising=False)
    path = registry.real_data_path(SMALL)
    assert path == SHARED / SMALL
    assert hashlib.sha256(path.read_bytes()).hexdigest() == registry.load_registry()[SMALL].sha256
    assert registry.real_data_path("welltory") == SHARED / "welltory"  # a folder prefix
    assert registry.real_data_path() == SHARED


@needs_shared
def test_mirror_argument_comes_before_env_var(isolated, monkeypatch):
    arg = _mirror_with(isolated, "arg", [SMALL])
    env = _mirror_with(isolated, "env", [SMALL])
    monkeypatch.setenv(registry.ENV_MIRROR, str(env))
    assert registry.real_data_path(SMALL, mirror=arg) == arg / SMALL
    assert registry.real_data_path(SMALL) == env / SMALL
    # a mirror lacking the file is skipped for the next source in order
    assert registry.real_data_path(SMALL, mirror=isolated / "empty") == env / SMALL


@needs_shared
def test_hash_mismatch_is_detected(isolated):
    bad = _mirror_with(isolated, "bad", [SMALL], corrupt=SMALL)
    with pytest.raises(registry.ChecksumError, match="sha256") as err:
        registry.real_data_path(SMALL, mirror=bad)
    assert str(bad / SMALL) in str(err.value)


@needs_shared
def test_truncated_file_is_detected(isolated):
    bad = _mirror_with(isolated, "short", [SMALL])
    (bad / SMALL).write_bytes((bad / SMALL).read_bytes()[:-1])
    with pytest.raises(registry.ChecksumError, match="size 446"):
        registry.real_data_path(SMALL, mirror=bad)


def test_missing_everywhere_says_where_to_put_the_files(isolated):
    with pytest.raises(FileNotFoundError) as err:
        registry.real_data_path(SMALL, mirror=isolated / "empty")
    msg = str(err.value)
    assert registry.ENV_MIRROR in msg and "mirror=" in msg  # where to put them
    assert "pooch" in msg and "ConnectionError" in msg  # how they are fetched, and why that failed
    assert str(isolated / "empty") in msg


def test_download_is_used_last(isolated, monkeypatch):
    calls = []

    def fake_download(entries):
        calls.append([e.path for e in entries])
        return isolated / "cache"

    monkeypatch.setattr(registry, "_download", fake_download)
    assert registry.real_data_path("welltory/subject_01") == isolated / "cache" / "welltory/subject_01"
    assert calls == [["welltory/subject_01/PPG.csv", "welltory/subject_01/RR.txt"]]


def test_unknown_path_lists_the_registry_folders():
    with pytest.raises(KeyError, match="welltory"):
        registry.real_data_path("nope/file.csv")
