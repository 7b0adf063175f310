#!/usr/bin/env bash
# Push a built book to the gh-pages branch of a remote with ghp-import (the Jupyter Book convention).
#
#   bash workflow/publish.sh REMOTE [BUILD_DIR]      (what `make publish REMOTE=...` runs)
#
# REMOTE: a URL, a path to a repository, or the name of a remote of this repository. BUILD_DIR (default
# _build/html) must hold index.html. The commit is made in a temporary repository on top of the remote's
# gh-pages branch when it has one (its history is kept; the push is a fast-forward), so this repository's
# own branches are never touched. GHP_IMPORT names the ghp-import program (default: ghp-import on PATH).
set -euo pipefail

remote=${1:-}
build=${2:-_build/html}
ghp_import=${GHP_IMPORT:-ghp-import}
fail() { echo "publish: $*" >&2; exit 1; }

[ -n "$remote" ] || fail "name the remote: make publish REMOTE=<url, path or remote name>"
[ -f "$build/index.html" ] || fail "no built book at $build/index.html (build it first: make book)"
command -v "$ghp_import" >/dev/null || fail "$ghp_import not found (pip install -e \".[dev]\")"

url=$remote
if git remote get-url "$remote" >/dev/null 2>&1; then url=$(git remote get-url "$remote"); fi
if [ -d "$url" ]; then url=$(cd "$url" && pwd); fi          # a relative path still works from the temporary repo
git ls-remote "$url" >/dev/null 2>&1 || fail "cannot reach a git repository at $remote"
build=$(cd "$build" && pwd)
name=$(git config user.name || echo "rppg publish")
email=$(git config user.email || echo "rppg-publish@localhost")
revision=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git -C "$work" init -q
if git ls-remote --exit-code --heads "$url" gh-pages >/dev/null 2>&1; then
    git -C "$work" fetch -q "$url" gh-pages:gh-pages
fi
(cd "$work" && GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email \
    "$ghp_import" --no-jekyll --push --remote "$url" --branch gh-pages \
    --message "book built from revision $revision" "$build")
echo "publish: $build -> gh-pages of $remote"
