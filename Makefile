# Two commands on a fresh machine: `make run` and `make test`. Each bootstraps its own tools:
# uv is installed with pip into .tools/ (never a downloaded Python), then `uv sync --frozen`
# builds .venv from uv.lock with this machine's Python 3.11.
SHELL := /bin/bash
# The interpreter's real path, not a shim's (pyenv puts a script named python3.11 first on PATH):
# uv compares this path with the one .venv was made from, and on a mismatch deletes and rebuilds
# .venv on every sync, so `make run` after `make test` reinstalled all 180 packages.
PYTHON ?= $(shell $$(command -v python3.11 || command -v python3) -c 'import sys; print(sys.executable)')
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
# The 0.5B model's wheels are installed only when asked for: INTERVIEWER_LOCAL_MODEL=small make run
EXTRAS := --extra voice $(if $(filter small,$(INTERVIEWER_LOCAL_MODEL)),--extra small)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test test-fast lint typecheck unit bench eval audit clean browser-deps voice-deps sync sync-dev knowledge

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

sync: $(UV)
	$(UV) sync --frozen --inexact --no-dev $(EXTRAS) --python $(PYTHON)

sync-dev: $(UV)
	$(UV) sync --frozen $(EXTRAS) --group dev --python $(PYTHON)

run: sync
	$(BIN)/python app.py

knowledge:
	$(BIN)/interviewer knowledge check

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/basedpyright

# Debian's chromium for the browser tests (Playwright's own browser download cannot work here).
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian chromium for browser tests..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "could not install chromium: browser tests will be skipped"; \
	  else echo "chromium missing and not root: browser tests will be skipped"; fi; \
	fi

# espeak-ng: the fallback voice, and the second voice of the WER evaluation.
voice-deps:
	@if ! command -v espeak-ng >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng >/dev/null) \
	      || echo "could not install espeak-ng: the espeak voice is skipped"; \
	  else echo "espeak-ng missing and not root: the espeak voice is skipped"; fi; \
	fi

unit:
	@$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; exit $$rc

test: sync-dev browser-deps voice-deps knowledge lint typecheck unit

# The inner loop: no browser, model, eval, word-error-rate or crash tests (all marked slow, model
# or browser). `make test` stays the gate CI runs.
test-fast: sync-dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "not browser and not model and not slow and not live"

bench: sync-dev
	$(BIN)/python -m benchmarks.run_all

eval: sync-dev
	$(BIN)/interviewer eval grading
	$(BIN)/interviewer eval retrieval
	$(BIN)/interviewer eval interviewer
	$(BIN)/interviewer eval voice

audit: sync-dev
	$(BIN)/pip-audit --progress-spinner off

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .ruff_cache
