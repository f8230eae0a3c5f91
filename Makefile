# The two commands of the README: `make demo` (the main job) and `make test` (the whole suite).
# Both do every set-up step themselves: virtual environment, Python packages, Chromium, Neo4j jars.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
GE := $(BIN)/graphengine

.PHONY: help setup venv chromium neo4j-jars test test-unit lint format demo bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

venv: $(STAMP)  ## create .venv and install graphengine with its test extras

chromium:  ## install Debian's Chromium when no browser is found (needed for PNG/SVG/PDF export)
	@if [ -n "$$BROWSER_PATH" ] && [ -x "$$BROWSER_PATH" ]; then echo "browser: $$BROWSER_PATH"; \
	elif command -v chromium >/dev/null 2>&1; then echo "browser: $$(command -v chromium)"; \
	else echo "installing Debian's chromium (needed for static image export)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi

setup: venv chromium  ## all set-up steps

lint: venv  ## ruff (lint + format check) and mypy on graphengine/
	$(BIN)/ruff check graphengine loaders tests benchmarks
	$(BIN)/ruff format --check graphengine loaders tests benchmarks
	$(BIN)/mypy

format: venv  ## apply ruff's formatter and safe fixes
	$(BIN)/ruff check --fix graphengine loaders tests benchmarks
	$(BIN)/ruff format graphengine loaders tests benchmarks

test-unit: venv  ## the fast unit tests only (no server)
	$(BIN)/pytest tests/unit -q

test: setup lint  ## everything CI runs
	$(BIN)/pytest -q

demo: setup  ## the main job, end to end, on generated data
	$(GE) demo

clean:  ## remove the venv and generated outputs (keeps cached Neo4j jars)
	rm -rf $(VENV) out demo-out .pytest_cache .mypy_cache .ruff_cache
