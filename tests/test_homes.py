"""Every chapter home is complete: settings per profile, experiment, claims, numbers, notebook, toc entry."""
import pytest

from rppg_lib import homes, profiles


@pytest.mark.parametrize("key", sorted(homes.homes()))
def test_every_home_is_complete(key):
    assert homes.missing_pieces(homes.home(key)) == []


def test_the_papers_and_foundations_are_found():
    found = homes.homes()
    assert {"kopeliovich2019", "gideon2021"} <= {k for k, h in found.items() if h.kind == "paper"}
    assert {"simulated_data", "classical_real"} <= {k for k, h in found.items() if h.kind == "foundation"}


def test_a_missing_piece_is_named(tmp_path):
    toc = tmp_path / "_toc.yml"
    toc.write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: book/executed/gideon2021\n")
    missing = homes.missing_pieces(homes.home("kopeliovich2019"), toc_path=toc)
    assert missing == ["_toc.yml entry book/executed/kopeliovich2019"]


def test_unknown_key_lists_the_known_ones():
    with pytest.raises(ValueError, match="known: .*classical_real"):
        homes.home("nobody2099")


@pytest.mark.parametrize("key", sorted(homes.homes()))
def test_every_profile_resolves(key):
    for p in profiles.PROFILES:
        profiles.resolve(key, p)
