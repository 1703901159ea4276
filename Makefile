# The two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXAMPLE ?= examples/control-panel-parts.json

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

## run: set up and determine the origin of the built-in example declaration
run: $(VENV)/.installed
	$(BIN)/rcep-origin determine $(EXAMPLE)

## test: install what the tests need, check style, types and architecture, run the tests
test: $(VENV)/.installed-test lint
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

## bench: latency of determinations (figures and ratios, not a pass/fail test)
bench: $(VENV)/.installed-test
	$(BIN)/python bench/bench_determine.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
