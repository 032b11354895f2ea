# Two commands a newcomer needs: `make run` (build + publish on demo data) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_PROJECT_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export PYTHONPATH := $(CURDIR)/src

# Own data: make run RAW_DATA_PATH=/abs/dir AS_OF_DATE=YYYY-MM-DD [MAX_REJECT_SHARE=0.3]
#           [MIN_EVENT_DATE=YYYY-MM-DD]  (events before it are quarantined; default 1990-01-01)
#           [ZERO_PRICE_PURCHASES=keep]  (lines at price 0 are clean events worth 0; default quarantine)
# User values are taken literally (`$(value ...)`: no make or shell expansion of `$`, quotes or
# backticks) and reach the programs only as environment variables, never inside a recipe's text.
override RAW_DATA_PATH := $(value RAW_DATA_PATH)
override AS_OF_DATE := $(value AS_OF_DATE)
override MAX_REJECT_SHARE := $(value MAX_REJECT_SHARE)
override MIN_EVENT_DATE := $(value MIN_EVENT_DATE)
override ZERO_PRICE_PURCHASES := $(value ZERO_PRICE_PURCHASES)
override AUDIENCE := $(value AUDIENCE)
export RAW_DATA_PATH AS_OF_DATE MAX_REJECT_SHARE MIN_EVENT_DATE ZERO_PRICE_PURCHASES AUDIENCE
# Demo data parameters (deterministic for a given seed).
DEMO_SEED ?= 42
DEMO_USERS ?= 4000
DEMO_ITEMS ?= 400
DEMO_DAYS ?= 365
DEMO_DIR := data/demo
DEMO_STAMP := $(DEMO_DIR)/.params-$(DEMO_SEED)-$(DEMO_USERS)-$(DEMO_ITEMS)-$(DEMO_DAYS)
# `make dbt-test` builds the demo data into its own build directory, which pytest then reads
# instead of building it again.
TEST_BUILD := warehouse/test
# UCI Online Retail (real data): source file beside the clone, converted into the raw contract.
ifeq ($(origin ONLINE_RETAIL_SOURCE),undefined)
ONLINE_RETAIL_SOURCE := $(abspath ../shared/data/online_retail/online_retail.parquet)
else
override ONLINE_RETAIL_SOURCE := $(value ONLINE_RETAIL_SOURCE)
endif
export ONLINE_RETAIL_SOURCE
ONLINE_RETAIL_DIR := data/online_retail
# The last invoice day: the churn model evaluates on the 90 days before it, trained 90 days earlier.
ONLINE_RETAIL_AS_OF := 2011-12-09
# CDNOW (real data, 1997-1998): source file beside the clone, converted into the raw contract.
ifeq ($(origin CDNOW_SOURCE),undefined)
CDNOW_SOURCE := $(abspath ../shared/data/cdnow/CDNOW_sample.txt)
else
override CDNOW_SOURCE := $(value CDNOW_SOURCE)
endif
# The last purchase day of the sample (overridable: make run-cdnow CDNOW_AS_OF=1998-03-31).
ifeq ($(origin CDNOW_AS_OF),undefined)
CDNOW_AS_OF := 1998-06-30
else
override CDNOW_AS_OF := $(value CDNOW_AS_OF)
endif
export CDNOW_SOURCE CDNOW_AS_OF
CDNOW_DIR := data/cdnow
DEMO_SECRET_CMD = $(PY) -c 'from customer_intel.ops.pii import DEMO_SECRET; print(DEMO_SECRET)'

.PHONY: help setup run test lint sqlfluff dbt-score pytest dbt-test bench clean import-online-retail \
	run-online-retail online-retail-report import-cdnow run-cdnow export docs spark-check

help:
	@echo "make run    build the warehouse (demo data, or RAW_DATA_PATH=... AS_OF_DATE=...) and publish it"
	@echo "make test   ruff, sqlfluff, dbt-score beside a dbt build of the demo data (data + unit tests), then pytest"
	@echo "make bench [SCALE=1M|10M|30M]  benchmark: build vs DuckDB floor, time and peak memory -> bench/results.md"
	@echo "make export AUDIENCE=name  CSV of an audience with raw ids for a CRM (exports/, logged)"
	@echo "make docs   dbt docs site as one static file (target/static_index.html)"
	@echo "make run-online-retail   import UCI Online Retail and build/publish it (warehouse/online_retail.duckdb)"
	@echo "make online-retail-report  rebuild Online Retail (timed) and regenerate its README section"
	@echo "make import-cdnow   convert the CDNOW sample (CDNOW_SOURCE=...) into the raw contract (data/cdnow)"
	@echo "make spark-check  the same project on local Spark, every published table compared with DuckDB"
	@echo "make run-cdnow      import CDNOW and build/publish it as of CDNOW_AS_OF (1998-06-30) (warehouse/cdnow.duckdb)"

$(BIN)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@# the package in src/ importable from the venv's python without PYTHONPATH (python -m ...)
	@echo "$(CURDIR)/src" > "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/customer_intel_src.pth"
	@touch $@

setup: $(BIN)/.installed

$(DEMO_STAMP): | $(BIN)/.installed
	rm -rf $(DEMO_DIR)
	$(PY) -m customer_intel.devtools.demo_data --out $(DEMO_DIR) --seed $(DEMO_SEED) --users $(DEMO_USERS) \
		--items $(DEMO_ITEMS) --days $(DEMO_DAYS)
	@touch $@

run: $(BIN)/.installed
ifeq ($(strip $(RAW_DATA_PATH)),)
	@$(MAKE) --no-print-directory $(DEMO_STAMP)
endif
	$(PY) -m customer_intel.ops.cli run

# Real data: the UCI Online Retail file converted into the raw contract (mapping in the README).
import-online-retail: $(BIN)/.installed
	$(PY) -m customer_intel.devtools.online_retail --source "$$ONLINE_RETAIL_SOURCE" --out $(ONLINE_RETAIL_DIR)

# Public data: its customer ids are keyed with the labelled demo secret unless one is set.
run-online-retail: import-online-retail
	DBT_ENV_SECRET_PII_SALT=$${DBT_ENV_SECRET_PII_SALT:-$$($(DEMO_SECRET_CMD))} \
	$(PY) -m customer_intel.ops.cli run --raw-data-path "$(CURDIR)/$(ONLINE_RETAIL_DIR)" \
		--as-of-date $(ONLINE_RETAIL_AS_OF) --max-reject-share 0.3 \
		--build-db warehouse/online_retail_build.duckdb --published-db warehouse/online_retail.duckdb

# Real data: the CDNOW sample (1997-1998) converted into the raw contract (mapping in the README).
import-cdnow: $(BIN)/.installed
	$(PY) -m customer_intel.devtools.cdnow --source "$$CDNOW_SOURCE" --out $(CDNOW_DIR)

# Public data, keyed with the labelled demo secret unless one is set; its 1997 events are within
# the default min_event_date (1990-01-01).
run-cdnow: import-cdnow
	DBT_ENV_SECRET_PII_SALT=$${DBT_ENV_SECRET_PII_SALT:-$$($(DEMO_SECRET_CMD))} \
	$(PY) -m customer_intel.ops.cli run --raw-data-path "$(CURDIR)/$(CDNOW_DIR)" --as-of-date "$$CDNOW_AS_OF" \
		--zero-price-purchases "$${ZERO_PRICE_PURCHASES:-keep}" \
		--build-db warehouse/cdnow_build.duckdb --published-db warehouse/cdnow.duckdb

online-retail-report: $(BIN)/.installed
	$(PY) -m customer_intel.devtools.report online-retail --source "$$ONLINE_RETAIL_SOURCE" --data-dir $(ONLINE_RETAIL_DIR)

# make export AUDIENCE=name: the audience as a CSV with raw ids, for a CRM upload (logged)
export: $(BIN)/.installed
	$(PY) -m customer_intel.ops.export

# The docs site with lineage from the raw files to every exposure; the catalog comes from the
# build file of `make run` (built first when missing).
docs: $(BIN)/.installed
	@test -f warehouse/build.duckdb || $(MAKE) --no-print-directory run
	DBT_ENV_SECRET_PII_SALT=$${DBT_ENV_SECRET_PII_SALT:-$$($(DEMO_SECRET_CMD))} \
	$(BIN)/dbt docs generate --static
	@echo "docs: $(CURDIR)/target/static_index.html"

lint: $(BIN)/.installed
	$(BIN)/ruff check src python_models tests/python
	$(BIN)/ruff format --check src python_models tests/python
	$(MAKE) --no-print-directory sqlfluff
	$(MAKE) --no-print-directory dbt-score

# dbt conventions (owners, descriptions of models, columns and macros, example queries, keys)
# scored on the parsed manifest; below 9.5 fails.
dbt-score: $(BIN)/.installed
	DBT_ENV_SECRET_PII_SALT=$${DBT_ENV_SECRET_PII_SALT:-$$($(DEMO_SECRET_CMD))} \
	$(BIN)/dbt parse --quiet --target-path target/score
	$(BIN)/dbt-score lint --manifest target/score/manifest.json --show failing-items --fail-project-under 9.5

sqlfluff: $(BIN)/.installed
	$(BIN)/sqlfluff lint models tests --processes 2

# dbt build (models, seeds, data tests and unit tests) on the demo data, in its own build,
# target and log directories so that it can run beside the linters (and never touches the
# build of `make run`).
dbt-test: $(BIN)/.installed $(DEMO_STAMP)
	@rm -rf $(TEST_BUILD) && mkdir -p $(TEST_BUILD)
	DBT_ENV_SECRET_PII_SALT=$${DBT_ENV_SECRET_PII_SALT:-$$($(DEMO_SECRET_CMD))} \
	DBT_DUCKDB_PATH=$(TEST_BUILD)/build.duckdb $(BIN)/dbt build --full-refresh \
		--target-path $(TEST_BUILD)/target --log-path $(TEST_BUILD)/logs \
		--vars '{"raw_data_path": "$(CURDIR)/$(DEMO_DIR)", "load_time": "2026-11-01"}'

# pytest on both cores (pytest-xdist, one module per worker at a time so that a module's
# fixtures are built once); tests that only query a finished build share the one of dbt-test.
# Includes the full Online Retail build (tests/python/test_online_retail.py).
PYTEST_SHARED = CUSTOMER_INTEL_SHARED_BUILD=$(TEST_BUILD) CUSTOMER_INTEL_SHARED_RAW=$(CURDIR)/$(DEMO_DIR) \
	$(BIN)/pytest -n 2 --dist loadfile
pytest: $(BIN)/.installed dbt-test
	$(PYTEST_SHARED)

# The linters run beside the dbt build (one core each), then pytest takes both cores.
test: $(BIN)/.installed
	$(MAKE) --no-print-directory -j2 --output-sync=target lint dbt-test
	$(PYTEST_SHARED)

# make bench [SCALE=1M|10M|30M|100k]: ~1M events by default, 10M/30M for the memory budget,
# 100k as a smoke test (written to bench/work/). SCALE reaches the program as an environment
# variable; CUSTOMER_INTEL_DUCKDB_MEMORY_LIMIT passes through only when the user sets it.
override SCALE := $(value SCALE)
export SCALE
bench: $(BIN)/.installed
	$(PY) -m customer_intel.devtools.bench

# The same project on local Spark (dbt-spark, method session), compared table by table with a
# DuckDB build of the demo data. Its own pinned environment (requirements-spark.txt, .venv-spark)
# and Java 17 (installed with apt-get when missing). See README, "Scaling out".
SPARK_VENV := .venv-spark
$(SPARK_VENV)/bin/.installed: requirements-spark.txt
	@java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])' || { echo "Java 17+ not found: installing it with apt-get"; \
		export DEBIAN_FRONTEND=noninteractive; $$(command -v sudo) apt-get update -qq && \
		{ $$(command -v sudo) apt-get install -y -qq openjdk-17-jre-headless || \
		  $$(command -v sudo) apt-get install -y -qq default-jre-headless; }; }
	@test -x $(SPARK_VENV)/bin/python || $(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-spark.txt
	@touch $@

spark-check: $(BIN)/.installed $(SPARK_VENV)/bin/.installed $(DEMO_STAMP)
	$(PY) -m customer_intel.devtools.spark_check --spark-python $(SPARK_VENV)/bin/python --raw $(DEMO_DIR)

clean:
	rm -rf target logs warehouse data bench/work .pytest_cache exports
