# Kinerja developer commands: `make run` starts the app, `make test` runs every test.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV        := .venv
PYTHON      ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
STAMP       := $(VENV)/.installed
PYTEST_ARGS ?=
# Two pytest-xdist workers, one per core: the suite waits on servers (Temporal, PostgreSQL, chromium) as much as
# it computes. A file's tests stay on one worker, the browser tests all on one (tests/conftest.py). TEST_WORKERS=0: serially.
TEST_WORKERS ?= 2
# The OpenID Connect provider the sign-in tests run against (npm: oidc-provider, pinned by its lock file).
OIDC_STAMP  := tests/oidc/node_modules/.package-lock.json

.PHONY: help venv install postgres chromium lint test histories mutation bench chaos run clean distclean

help:
	@echo "make run         start Kinerja locally (kinerja dev)"
	@echo "make lint        ruff (lint, format check) and mypy (strict on domain/); make test runs it first"
	@echo "make mutation    mutation testing of domain/ with mutmut (by hand; long), ends with a RESULT line"
	@echo "make test        run all tests, on SQLite and on the local PostgreSQL"
	@echo "                 (PYTEST_ARGS='-k store -x' passes options to pytest)"
	@echo "make histories   re-record the replay corpus of the current generation (tests/histories/README.md)"
	@echo "make bench       CI-sized benchmarks: event store vs raw SQLAlchemy (BENCH_ARGS='--events 20000'),"
	@echo "                 projections rebuild vs raw SELECT (bench/projections.py; full size: --appraisals 4200, over 100,000 events)"
	@echo "make chaos       fault-injection run: 200 employees on PostgreSQL, worker kill -9s, a Temporal restart,"
	@echo "                 a 30 s database cut; ends with a RESULT line (CHAOS_ARGS='--employees 30 --kills 2')"
	@echo "make venv        create/refresh .venv (re-installs when pyproject.toml changes)"
	@echo "make postgres    start the local PostgreSQL if needed and create kinerja_test"
	@echo "make chromium    install Debian's chromium (apt-get) for the browser tests if it is missing"
	@echo "make clean       remove caches and build output; 'make distclean' also removes .venv"

venv install: $(STAMP)

# The stamp is newer than pyproject.toml once the install succeeded, so re-runs are instant.
$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	touch $@

$(OIDC_STAMP): tests/oidc/package.json tests/oidc/package-lock.json
	npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error
	touch $@

postgres:
	@scripts/ensure-postgres.sh

chromium:
	@scripts/ensure-chromium.sh

# ensure-postgres.sh prints the URL only when the server answers; on CI (CI=true) it fails
# instead. A KINERJA_TEST_POSTGRES_URL already in the environment is used as given.
# ensure-chromium.sh installs Debian's chromium for the browser tests (fails on CI if it cannot).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: lint $(OIDC_STAMP)
	@scripts/ensure-chromium.sh || exit $$?
	@url="$$(scripts/ensure-postgres.sh)" || exit $$?; \
	if [ -z "$${KINERJA_TEST_POSTGRES_URL:-}" ] && [ -n "$$url" ]; then \
		export KINERJA_TEST_POSTGRES_URL="$$url"; \
	fi; \
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The replay corpus (tests/histories/README.md): every branch recorded again under the current workflow code,
# in the current generation's folder (tests/recording.py), and the table of the corpus rewritten. Commit the JSON.
histories: $(STAMP)
	KINERJA_SAVE_HISTORIES=1 $(VENV)/bin/pytest -q tests/test_workflows.py tests/test_workflow_branches.py \
		tests/test_acting_flow.py tests/test_transfer_flows.py
	$(VENV)/bin/python -m tests.recording

# By hand (it takes long; niced, as it keeps both cores busy): every mutant of domain/ against the
# domain's tests, ends with a RESULT line. MUTATION_ARGS=--fresh forgets earlier results.
mutation: $(STAMP)
	nice -n 19 $(VENV)/bin/python scripts/mutation.py $(MUTATION_ARGS)

bench: $(STAMP)
	@url="$$(scripts/ensure-postgres.sh)" || exit $$?; \
	if [ -z "$${KINERJA_TEST_POSTGRES_URL:-}" ] && [ -n "$$url" ]; then \
		export KINERJA_TEST_POSTGRES_URL="$$url"; \
	fi; \
	$(VENV)/bin/python bench/event_store.py $(BENCH_ARGS) && \
	PYTHONPATH=. $(VENV)/bin/python bench/projections.py --appraisals 200 && \
	$(VENV)/bin/python bench/partitions.py --saves 25 && \
	$(VENV)/bin/python bench/state_at.py

# About 4 minutes (.ci/run runs it after make test): the processes of production on loopback, faults
# injected while clients drive a cycle (chaos/run.py); `make test` runs a bounded one (tests/test_chaos.py).
chaos: $(STAMP)
	@url="$$(scripts/ensure-postgres.sh)" || exit $$?; \
	if [ -z "$${KINERJA_TEST_POSTGRES_URL:-}" ] && [ -n "$$url" ]; then \
		export KINERJA_TEST_POSTGRES_URL="$$url"; \
	fi; \
	$(VENV)/bin/python -m chaos.run $(CHAOS_ARGS)

run: $(STAMP)
	$(VENV)/bin/kinerja dev

clean:
	rm -rf .pytest_cache .hypothesis .ruff_cache .mypy_cache build dist test-artifacts *.egg-info
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
