# revhouse — the two set-up commands are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_DIR := $(CURDIR)/data/run
DAGSTER_PORT ?= 3000
STREAMLIT_PORT ?= 8501
export DAGSTER_HOME ?= $(RUN_DIR)/dagster_home
# Test data lives apart from the demo data `make run` shows.
TEST_DATA := $(CURDIR)/data/test

.PHONY: help install run stop build test lint docs bench clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "revhouse needs Python 3.11 (python3 is %d.%d); set PYTHON=python3.11" % sys.version_info[:2])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the locked stack

run: install  ## generate demo data, build every asset, serve Dagster UI + Streamlit
	@mkdir -p $(RUN_DIR) $(DAGSTER_HOME)
	$(BIN)/revhouse generate
	$(BIN)/revhouse build
	@$(MAKE) --no-print-directory stop >/dev/null 2>&1 || true
	@$(BIN)/python -m dagster_project.wait_http --free $(DAGSTER_PORT) $(STREAMLIT_PORT)
	@# setsid as the background command itself: its pid is the new process group, which stop kills whole
	@setsid nohup $(BIN)/dagster dev -m dagster_project.definitions -h 127.0.0.1 -p $(DAGSTER_PORT) \
		< /dev/null > $(RUN_DIR)/dagster.log 2>&1 & echo $$! > $(RUN_DIR)/dagster.pid
	@setsid nohup $(BIN)/streamlit run dashboards/app.py --server.headless true \
		--server.address 127.0.0.1 --server.port $(STREAMLIT_PORT) --browser.gatherUsageStats false \
		< /dev/null > $(RUN_DIR)/streamlit.log 2>&1 & echo $$! > $(RUN_DIR)/streamlit.pid
	@$(BIN)/python -m dagster_project.wait_http http://127.0.0.1:$(DAGSTER_PORT)/server_info http://127.0.0.1:$(STREAMLIT_PORT)/_stcore/health
	@echo ""
	@echo "  Dagster UI : http://127.0.0.1:$(DAGSTER_PORT)"
	@echo "  Streamlit  : http://127.0.0.1:$(STREAMLIT_PORT)"
	@echo "  warehouse  : $$($(BIN)/revhouse paths | awk '/duckdb_path/ {print $$2}')"
	@echo "  published  : $$($(BIN)/revhouse paths | awk '/published_path/ {print $$2}')"
	@echo "  logs in $(RUN_DIR); stop with: make stop"

stop:  ## stop what make run started
	@for p in dagster streamlit; do \
		f=$(RUN_DIR)/$$p.pid; \
		if [ -f $$f ]; then \
			pg=$$(cat $$f); kill -TERM -- -$$pg 2>/dev/null || true; \
			for i in $$(seq 1 30); do kill -0 -- -$$pg 2>/dev/null || break; sleep 0.5; done; \
			kill -KILL -- -$$pg 2>/dev/null || true; rm -f $$f; echo "stopped $$p"; \
		fi; \
	done

build: install  ## ingest, dbt build (data tests), publish — no servers
	$(BIN)/revhouse build

lint: install  ## ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install  ## lint, build on fresh demo data (dbt unit + data tests: --unit-tests), pytest
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	rm -rf $(TEST_DATA)
	REVHOUSE_DATA_DIR=$(TEST_DATA) DAGSTER_HOME=$(TEST_DATA)/run/dagster_home $(BIN)/revhouse generate
	REVHOUSE_DATA_DIR=$(TEST_DATA) DAGSTER_HOME=$(TEST_DATA)/run/dagster_home $(BIN)/revhouse build --unit-tests
	REVHOUSE_DATA_DIR=$(TEST_DATA) DAGSTER_HOME=$(TEST_DATA)/run/dagster_home $(BIN)/python -m pytest -q -p no:cacheprovider --durations=10

# dbt reads the warehouse path from REVHOUSE_DUCKDB_PATH in profiles.yml, `docs serve` too:
# export it to the whole recipe, not to one command of it.
DOCS_PORT ?= 8080
docs: install  ## dbt docs (generate, then serve on :8080)
	$(BIN)/revhouse prepare
	export REVHOUSE_DUCKDB_PATH="$$($(BIN)/revhouse paths | awk '/duckdb_path/ {print $$2}')" && \
		cd dbt_project && $(BIN)/dbt docs generate --profiles-dir . && \
		$(BIN)/dbt docs serve --profiles-dir . --port $(DOCS_PORT)

bench: install  ## speed of ingestion, rating, cash application and metrics vs bare DuckDB (REVHOUSE_BENCH_EVENTS, _PAYMENTS, _METRICS_CUSTOMERS, _PARTS)
	$(BIN)/revhouse bench

clean: stop  ## remove generated data, warehouses and build output (keeps .venv)
	rm -rf data/landing data/truth data/warehouse data/published data/run data/test data/bench dbt_project/target dbt_project/logs
