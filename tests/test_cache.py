"""The one cache entry point: its key layouts stay what the existing caches were written with."""
import numpy as np
import pytest

from rppg_lib.storage import cache_file, cache_key, cached
from rppg_lib.synth.presets import SIMULATOR_VERSION


def test_key_layouts_of_the_existing_caches():
    """Changing these would orphan every cached session (the clips cache alone is gigabytes)."""
    params = {"preset": "ubfc-like", "subject": 0}
    nested = cache_file("clips", params, version=1, folder="sessions", root="/r")
    assert str(nested) == "/r/sessions/" + cache_key({"params": params, "version": 1, "simulator": SIMULATOR_VERSION}) \
        + ".npz"
    flat = cache_file("k", {"seed": 3}, version=2, prefix="v_", length=16, layout="flat", simulator=False, root="/r")
    assert flat.name == "v_436ceb7d45ec51a1.npz" == f"v_{cache_key({'seed': 3, 'version': 2}, 16)}.npz"
    assert cache_file("n", {"rhythm": 2}, version=None, simulator=False, layout="flat", length=24).name == \
        cache_key({"rhythm": 2}, 24) + ".npz"
    with pytest.raises(ValueError, match="flat layout adds them"):
        cache_file("k", {"version": 1}, layout="flat")


def test_cached_computes_once_and_writes_atomically(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"x": np.arange(3), "fps": 30.0}

    a, hit_a = cached("t", {"n": 3}, compute, root=tmp_path)
    b, hit_b = cached("t", {"n": 3}, compute, root=tmp_path)
    assert (hit_a, hit_b) == (False, True) and len(calls) == 1
    assert np.array_equal(b["x"], a["x"]) and b["fps"] == 30.0
    assert [p.name for p in tmp_path.iterdir()] == [cache_file("t", {"n": 3}, root=tmp_path).name]  # no temp file
    cached("t", {"n": 3}, compute, version=2, root=tmp_path)  # a new code version recomputes
    cached("t", {"n": 3}, compute, root=tmp_path, use_cache=False)  # computes, stores nothing
    assert len(calls) == 3 and len(list(tmp_path.iterdir())) == 2
