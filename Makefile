# The two entry points of the README (`make demo`, `make test`) set everything up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint bench bench-growth screenshots package system-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

system-deps:
	./tools/install-system-deps.sh

# `make demo BOT=1`: the agent bot runs beside the demo hub and answers a customer's "where is my order #1234?"
demo: $(STAMP)
	$(BIN)/deskapp --demo $(if $(BOT),--bot)

lint: $(STAMP)
	$(BIN)/ruff check deskapp tests migrations tools
	$(BIN)/lint-imports
	$(BIN)/mypy

# The suite runs twice: on today's clock, then with the wall clock a year ahead (libfaketime), so a test
# that depends on the day it runs fails today rather than on some later day.
test: system-deps $(STAMP) lint
	$(BIN)/python -m pytest
	PYTHON=$(BIN)/python ./tools/pytest-shifted-clock +365d -q

# The desktop benchmark runs in a process of its own: its RSS figure must not carry the others' memory.
bench: $(STAMP)
	./tools/install-system-deps.sh --bench
	$(BIN)/python -m pytest tests/perf -q -s --ignore=tests/perf/test_ui_bench.py
	$(BIN)/python -m pytest tests/perf/test_ui_bench.py -q -s

# How the figures grow with the cache: 100k, 1M and 10M messages (the caches are generated once, kept in
# ~/.cache/deskapp-bench or $$DESKAPP_BENCH_DIR; 10M takes about 7.5 GB and half an hour to make).
# `make bench` runs the same benchmark at 100k and 1M.
bench-growth: $(STAMP)
	DESKAPP_BENCH_SIZES=$${DESKAPP_BENCH_SIZES:-100k,1M,10M} nice -n 10 $(BIN)/python -m pytest \
		tests/perf/test_growth_bench.py -q -s

# The documentation's screenshots (docs/screenshots/), one per main screen, made by the app itself on the
# demo workspace in temp folders with a private keyring; nothing of yours is touched.
screenshots: system-deps $(STAMP)
	PYTHON=$(BIN)/python ./tools/docs-screenshots docs/screenshots

package: system-deps $(STAMP)
	$(BIN)/python -m pip install -q -e '.[package]'
	$(BIN)/pyinstaller --noconfirm --clean --distpath dist --workpath build packaging/deskapp.spec

clean:
	rm -rf build dist .pytest_cache .ruff_cache
