# The verbs people type. `make demo` and `make test` work on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CW := $(BIN)/commonweal

.PHONY: install demo test check lint format bench bench-import bench-open311 bench-console bench-analytics bench-dashboard clean

install: $(VENV)/.installed node_modules/.installed
	@$(CW) collectstatic --noinput --verbosity 0
	@echo "Installed: Python environment in $(VENV), front-end assets, static files."

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json tools/build_assets.mjs
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build
	touch $@

demo: install
	$(CW) migrate --noinput
	$(CW) demo --if-empty
	$(CW) serve --with-worker --host 127.0.0.1 --port 8000

check: install
	$(CW) check --fail-level WARNING
	$(CW) makemigrations --check --dry-run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The suite runs twice: on SQLite, then on PostgreSQL (tools/pytest_on_postgres.py finds or
# starts a server; under CI=true a missing one fails the run).
test: check lint
	$(BIN)/python tools/test_both.py -q --durations=15

# Benchmarks print each figure beside a baseline measured in the same run.
bench: install
	$(BIN)/python bench/run.py
	$(BIN)/python bench/run.py --postgres

# Importer speed on the NYC layout beside a raw CSV load, on SQLite and PostgreSQL.
bench-import: install
	$(BIN)/python bench/import_nyc.py
	$(BIN)/python bench/import_nyc.py --postgres

# Open311 under load on PostgreSQL; generates a million-request city first if the database
# is empty (about 15 minutes). DATABASE_URL chooses the database.
bench-open311: install
	$(BIN)/python bench/open311_load.py

# The staff console's queue and case pages on the same million-request PostgreSQL city.
bench-console: install
	cd bench && ../$(BIN)/python console_queue.py --database-url "$${DATABASE_URL:?set DATABASE_URL to the big PostgreSQL database}"

# The dashboard three ways (pandas, hand-written DuckDB, the engine) over 1M and 10M synthetic
# requests in Parquet; about 5 minutes, 8 GiB at the peak (pandas).
bench-analytics: install
	$(BIN)/python bench/analytics.py

# The performance dashboard page, charts and all, on the demo city `make demo` made (var/):
# first views, the same pages again, and the slices' figures alone.
bench-dashboard: install
	$(BIN)/python bench/dashboard_page.py

clean:
	rm -rf $(VENV) node_modules src/commonweal/static/vendor var/static
