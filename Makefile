# The two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXAMPLE ?= examples/control-panel-parts.json

.PHONY: run test lint bench clean fonts

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
test: $(VENV)/.installed-test interop/node_modules/.package-lock.json fonts lint
	$(BIN)/python -m pytest

# The certificate PDF prints every script of the Parties with the Noto fonts of Debian
# (Chinese, Japanese, Korean, Thai, Lao, Khmer, Myanmar, Tamil, Jawi); without them such names
# print as U+FFFD. Installed with apt as root (CI), or with sudo when it asks for no password.
NOTO := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc /usr/share/fonts/truetype/noto/NotoSansKhmer-Regular.ttf
fonts:
	@if ls $(NOTO) >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1 && { [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then \
	  s=""; [ "$$(id -u)" = 0 ] || s="sudo -n"; \
	  DEBIAN_FRONTEND=noninteractive $$s apt-get install -y -qq fonts-noto-cjk fonts-noto-core >/dev/null 2>&1 \
	  || { $$s apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$s apt-get install -y -qq fonts-noto-cjk fonts-noto-core >/dev/null; }; \
	else echo "Noto fonts not installed (apt-get install fonts-noto-cjk fonts-noto-core): the PDF prints CJK, Thai, Khmer, Lao and Myanmar as U+FFFD; their tests are skipped"; fi

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
