# Two commands do all the set-up: `make run` and `make test` (each installs into .venv if needed).
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8081

.PHONY: install run test lint typecheck layers pytest bench bench-data clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q registry_core dagster_defs dashboard
	@touch $(STAMP)

install: $(STAMP)

## run: migrate the embedded SQLite database, seed the demo subjects, serve the API on :8081
run: install
	$(BIN)/llmsr db upgrade
	$(BIN)/llmsr demo seed
	$(BIN)/llmsr serve --host $(HOST) --port $(PORT)

## test: lint, type-check, check the layer contract, run the whole suite (SQLite and PostgreSQL)
test: install lint typecheck layers pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

layers: install
	$(BIN)/lint-imports

pytest: install
	$(BIN)/pytest

## bench: load the read and write paths with wrk on PostgreSQL and print a table
bench: install
	$(BIN)/python -m compileall -q registry_core
	$(BIN)/python bench/run.py

## bench-data: validation and drift against pyarrow, jsonschema-rs and Evidently
bench-data: install
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m compileall -q registry_core
	$(BIN)/python bench/data.py

clean:
	rm -rf $(VENV) .llmsr .pytest_cache .mypy_cache .ruff_cache
