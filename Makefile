# The two commands of the README. Each sets up its own virtual environment
# (.venv, Python 3.11) and reinstalls it only when pyproject.toml changes.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-16)
PROFILE ?= book

.PHONY: book test paper-check publish unit notebooks smoke-book clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

## make book: run every notebook (profile $(PROFILE), simulated/bundled data) and build _build/html
book: $(STAMP)
	$(VENV)/bin/rppg book --profile $(PROFILE)

## make test: ruff, the lint of the GitHub Actions workflow, a dry run of the paper grid on the SLURM profile
## (workflow/Snakefile), unit tests + notebooks on the smoke profile (nbval, lax), the smoke grid for real (every
## chapter, then the book as `rppg book` builds it; --forceall: every run proves today's code), then the
## reader-facing checks of its HTML (fails on any defect: see rppg_lib/bookcheck.py) and of every
## page in headless Chromium at 1400 and 420 px (rppg_lib/browsercheck.py; says loudly when it cannot run)
test: $(STAMP)
	$(VENV)/bin/ruff check rppg_lib tests benchmarks notebooks
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/book.yml
	$(VENV)/bin/snakemake -n --quiet rules --profile workflow/profiles/slurm --config profile=paper
	$(PY) -m pytest -n 2 --dist loadfile tests notebooks --nbval-lax --nbval-current-env -p no:cacheprovider
	$(VENV)/bin/snakemake --cores 2 --forceall --config profile=smoke chapters=all
	$(PY) -m rppg_lib.bookcheck _build/html --bib book/references.bib
	$(PY) -m rppg_lib.browsercheck _build/html

## make paper-check: every paper chapter's networks at the paper profile's shapes on real-layout fixture data read
## through data_root by the chapter's loader: one optimiser step and one test clip each (CUDA when available), then
## results/paper_check.json (seconds per step, peak memory, steps and hours of the paper profile; rppg_lib/paper_check.py)
paper-check: $(STAMP)
	$(PY) -m rppg_lib.paper_check

## make publish REMOTE=<url, path or remote name>: push the built book ($(BUILD_DIR)) to REMOTE's gh-pages branch
## (ghp-import, from a temporary repository: this repository's branches are untouched; workflow/publish.sh)
BUILD_DIR ?= _build/html
publish:
	@GHP_IMPORT=$(abspath $(VENV)/bin/ghp-import) bash workflow/publish.sh "$(REMOTE)" "$(BUILD_DIR)"

clean:
	rm -rf _build book/executed results
