# The two commands of the README: `make demo` (the main job) and `make test` (the whole suite).
# Both do every set-up step themselves: virtual environment, Python packages, Chromium, Neo4j jars.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
GE := $(BIN)/graphengine
# The local Neo4j of `make test` (Bolt on 127.0.0.1); its folder is GRAPHENGINE_NEO4J_HOME or .neo4j.
NEO4J_PORT ?= 7687

.PHONY: help setup venv chromium java-maven neo4j-jars neo4j-start neo4j-stop neo4j-status test test-unit lint format demo bench clean

help:  ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

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

java-maven:  ## install Debian's Java 17 and Maven when missing (they run the local Neo4j)
	@if command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1; then \
	  echo "java: $$(command -v java), maven: $$(command -v mvn)"; \
	else echo "installing Debian's Java 17 and Maven (needed for the local Neo4j)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    openjdk-17-jre-headless maven >/dev/null; fi

neo4j-jars: venv java-maven  ## fetch Neo4j Community's jars once (Maven; cached in ~/.m2 and neo4j/lib)
	$(BIN)/python -c "from graphengine.store.jars import ensure_jars; ensure_jars()"

neo4j-start: venv java-maven  ## start the local Neo4j in the background (NEO4J_PORT, default 7687)
	$(GE) neo4j start --port $(NEO4J_PORT)

neo4j-stop: venv  ## stop the local Neo4j
	$(GE) neo4j stop

neo4j-status: venv  ## print the local Neo4j's URI and version
	$(GE) neo4j status --port $(NEO4J_PORT)

setup: venv chromium java-maven neo4j-jars  ## all set-up steps

lint: venv  ## ruff (lint + format check), mypy on graphengine/, import contracts (lint-imports)
	$(BIN)/ruff check graphengine loaders tests benchmarks
	$(BIN)/ruff format --check graphengine loaders tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

format: venv  ## apply ruff's formatter and safe fixes
	$(BIN)/ruff check --fix graphengine loaders tests benchmarks
	$(BIN)/ruff format graphengine loaders tests benchmarks

test-unit: venv  ## the fast unit tests only (no server)
	$(BIN)/pytest tests/unit -q

# The server is stopped on every way out (tests failing, Ctrl-C): the trap runs when the shell exits,
# and the shell keeps pytest's exit status.
test: setup lint  ## everything CI runs: lint, start the local Neo4j, the suite and the notebooks, stop Neo4j
	@trap '$(GE) neo4j stop' EXIT; \
	$(GE) neo4j start --port $(NEO4J_PORT) && \
	export NEO4J_URI=bolt://127.0.0.1:$(NEO4J_PORT) NEO4J_DATABASE= GRAPHENGINE_SCRATCH_DATABASE=1 && \
	echo "tests marked neo4j: $$($(BIN)/pytest -q -m neo4j --collect-only 2>/dev/null | tail -1)" && \
	$(BIN)/pytest -q --nbmake --durations=15 tests notebooks

demo: venv chromium  ## the main job, end to end, on generated data
	$(GE) demo

clean:  ## remove the venv and generated outputs (keeps cached Neo4j jars)
	rm -rf $(VENV) out demo-out .pytest_cache .mypy_cache .ruff_cache
