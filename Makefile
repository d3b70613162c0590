# The two commands of the README: `make run` and `make test`.
# Everything is installed into .venv from the project's own files.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB ?= $(CURDIR)/demo/clinic.db

.PHONY: run demo test test-thorough test-postgres lint bench snapshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

## run: install, build (or refresh) the demo clinic, open ma-tui on it
# exec: ma-tui takes the shell's place, so a closed terminal's SIGHUP reaches it.
run: $(VENV)/.installed
	@mkdir -p $(dir $(DEMO_DB))
	$(BIN)/ma-tui demo --db "$(DEMO_DB)"
	exec $(BIN)/ma-tui --db "$(DEMO_DB)"

## demo: only build (or refresh) the demo clinic
demo: $(VENV)/.installed
	@mkdir -p $(dir $(DEMO_DB))
	$(BIN)/ma-tui demo --db "$(DEMO_DB)"

## test: install the test extras and run the whole suite, lint and types included
# Four workers on two cores: the screen and pty tests spend much of their time waiting
# (timers, a program starting in a pty), so two workers kept the cores half idle.
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 4
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## test-thorough: the suite with 5,000 examples a property test (far longer than make test)
test-thorough: $(VENV)/.installed-test
	MA_TUI_HYPOTHESIS=thorough MA_TUI_CRASH_RUNS=12 $(BIN)/python -m pytest -n auto

## test-postgres: every demo-clinic test again on PostgreSQL: a throwaway server the tests
## start (PostgreSQL's binaries installed), or MA_TUI_TEST_POSTGRES_URL (an empty database it may wipe)
test-postgres: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet -e '.[test,postgres]'
	MA_TUI_TEST_POSTGRES=1 $(BIN)/python -m pytest -n auto -k postgresql

## snapshots: re-record the screen snapshots after a deliberate UI change
snapshots: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n auto --snapshot-update

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $(VENV)/.installed $@

## bench: keys per reference visit, UI latency in and out of the process, search, signing,
## memory, start-up, FHIR (about an hour)
bench: $(VENV)/.installed-bench
	$(BIN)/python bench/keystrokes.py
	$(BIN)/python bench/ui.py
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/queue_load.py
	$(BIN)/python bench/concurrency.py
	$(BIN)/python bench/fhir_exchange.py

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache .hypothesis
