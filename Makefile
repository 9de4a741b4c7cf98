# Two commands do all the set-up: `make run` and `make test` (each installs into .venv if needed).
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8081
DAGSTER_PORT ?= 3000
DASHBOARD_PORT ?= 8501
DAGSTER_HOME ?= $(CURDIR)/.llmsr/dagster-home

.PHONY: install run test lint typecheck layers pytest bench bench-data bench-orchestration \
	bench-dashboard clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q registry_core dagster_defs dashboard
	@touch $(STAMP)

install: $(STAMP)

## run: migrate the embedded SQLite database, seed the demo subjects, serve the API on :8081,
## the Dagster UI (the demo dataset catalog) on :3000 and the dashboard on :8501; Ctrl-C stops all
run: install
	$(BIN)/llmsr db upgrade
	$(BIN)/llmsr demo seed
	@mkdir -p $(DAGSTER_HOME)
	@test -f $(DAGSTER_HOME)/dagster.yaml || printf 'telemetry:\n  enabled: false\n' > $(DAGSTER_HOME)/dagster.yaml
	@DAGSTER_HOME=$(DAGSTER_HOME) setsid $(BIN)/dagster dev -w workspace.yaml -h $(HOST) \
		-p $(DAGSTER_PORT) > .llmsr/dagster.log 2>&1 & \
	dagster=$$!; \
	setsid $(BIN)/streamlit run dashboard/app.py --server.headless true \
		--server.address $(HOST) --server.port $(DASHBOARD_PORT) \
		--browser.gatherUsageStats false > .llmsr/dashboard.log 2>&1 & \
	dashboard=$$!; \
	stop="pkill -TERM -g $$dagster; pkill -TERM -g $$dashboard; sleep 2"; \
	trap "$$stop; pkill -KILL -g $$dagster; pkill -KILL -g $$dashboard" EXIT; \
	trap 'exit 130' INT TERM HUP; \
	echo "Dagster UI on http://$(HOST):$(DAGSTER_PORT) (log: .llmsr/dagster.log)"; \
	echo "Dashboard on http://$(HOST):$(DASHBOARD_PORT) (log: .llmsr/dashboard.log)"; \
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

## bench-orchestration: a 1M-event dataset as a Dagster asset against llmsr validate
bench-orchestration: install
	$(BIN)/python -m compileall -q registry_core dagster_defs
	$(BIN)/python bench/orchestration.py

## bench-dashboard: every dashboard page against 1,000 subjects x 20 versions and a year of reports
bench-dashboard: install
	$(BIN)/python -m compileall -q registry_core dashboard
	$(BIN)/python bench/dashboard.py

clean:
	rm -rf $(VENV) .llmsr .pytest_cache .mypy_cache .ruff_cache
