"""`make publish REMOTE=...` pushes a built book to the gh-pages branch of a repository (here a local bare
one), keeps that branch's history, and never touches this repository's own branches."""
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def git(*args, **kwargs) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True, **kwargs).stdout


def publish(remote, build_dir) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-s", "-C", str(REPO), "publish", f"REMOTE={remote}", f"BUILD_DIR={build_dir}"],
                          capture_output=True, text=True)


def fake_book(folder: Path, text: str) -> Path:
    (folder / "chapter").mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(text)
    (folder / "chapter" / "page.html").write_text(f"page of {text}")
    return folder


@pytest.fixture
def bare(tmp_path) -> Path:
    path = tmp_path / "site.git"
    git("init", "--bare", "-q", str(path))
    return path


def test_publish_pushes_the_book_to_gh_pages_and_keeps_its_history(tmp_path, bare):
    own_branches = git("-C", str(REPO), "for-each-ref", "refs/heads")
    first = publish(bare, fake_book(tmp_path / "html1", "<h1>first</h1>"))
    assert first.returncode == 0, first.stderr
    assert git("--git-dir", str(bare), "show", "gh-pages:index.html") == "<h1>first</h1>"
    assert git("--git-dir", str(bare), "show", "gh-pages:chapter/page.html") == "page of <h1>first</h1>"
    assert ".nojekyll" in git("--git-dir", str(bare), "ls-tree", "--name-only", "gh-pages").split()

    second = publish(bare, fake_book(tmp_path / "html2", "<h1>second</h1>"))
    assert second.returncode == 0, second.stderr
    assert git("--git-dir", str(bare), "show", "gh-pages:index.html") == "<h1>second</h1>"
    assert git("--git-dir", str(bare), "rev-list", "--count", "gh-pages").strip() == "2"
    assert git("-C", str(REPO), "for-each-ref", "refs/heads") == own_branches


def test_publish_without_remote_says_how_to_name_it(tmp_path):
    result = publish("", fake_book(tmp_path / "html", "x"))
    assert result.returncode != 0
    assert "name the remote" in result.stderr


def test_publish_without_a_built_book_says_so(tmp_path, bare):
    result = publish(bare, tmp_path / "nothing")
    assert result.returncode != 0
    assert "no built book" in result.stderr
    assert git("--git-dir", str(bare), "for-each-ref") == ""


def test_publish_to_an_unreachable_remote_fails_before_pushing(tmp_path):
    result = publish(tmp_path / "no-such-repo", fake_book(tmp_path / "html", "x"))
    assert result.returncode != 0
    assert "cannot reach" in result.stderr
