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
test: $(VENV)/.installed-test interop/node_modules/.package-lock.json lint
	$(BIN)/python -m pytest

# The independent verifier (Node, Digital Bazaar) the interop tests and benchmarks use.
interop/node_modules/.package-lock.json: interop/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix interop --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the interop tests will be skipped (CI requires them)"; fi

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
