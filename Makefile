# The two commands of the README. Each sets up its own virtual environment
# (.venv, Python 3.11) and reinstalls it only when pyproject.toml changes.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-16)
PROFILE ?= book

.PHONY: book test unit notebooks smoke-book clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

## make book: run every notebook (profile $(PROFILE), simulated/bundled data) and build _build/html
book: $(STAMP)
	$(VENV)/bin/rppg book --profile $(PROFILE)

## make test: ruff, unit tests + notebooks on the smoke profile (nbval, lax) + a smoke build of the book,
## then the reader-facing checks of its HTML (fails on any defect: see rppg_lib/bookcheck.py) and of every
## page in headless Chromium at 1400 and 420 px (rppg_lib/browsercheck.py; says loudly when it cannot run)
test: $(STAMP)
	$(VENV)/bin/ruff check rppg_lib tests benchmarks notebooks
	$(PY) -m pytest -n 2 --dist loadfile tests notebooks --nbval-lax --nbval-current-env -p no:cacheprovider
	$(VENV)/bin/rppg book --profile smoke
	$(PY) -m rppg_lib.bookcheck _build/html --bib book/references.bib
	$(PY) -m rppg_lib.browsercheck _build/html

clean:
	rm -rf _build book/executed results
