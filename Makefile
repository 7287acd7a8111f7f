# Two commands for a newcomer: `make run` (portal with demo data) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Debian packages: gettext compiles the Chinese catalogue; Pango/HarfBuzz (with libharfbuzz-subset0, see
# ../shared/STACK.md) and Noto CJK let WeasyPrint render Chinese PDFs; poppler-utils and chromium are for tests.
RUN_PACKAGES := gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk
TEST_PACKAGES := $(RUN_PACKAGES) poppler-utils chromium
# `make test` uses the local PostgreSQL and Redis when they answer (this machine kind runs both).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/quota_registry
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# The suite runs in two processes (pytest-xdist): each has a database and a Redis database of its own
# (quota_registry/settings/test.py). TEST_WORKERS=0 runs it in one.
TEST_WORKERS ?= 2
PYTEST_ARGS ?=

.PHONY: run test fuzz install install-test system-packages-run system-packages-test messages check-services \
	bench bench-setup system-packages-bench bench-data bench-pages bench-throughput bench-allocation bench-pdf bench-excel bench-report bench-verify bench-log bench-bidding

run: system-packages-run install messages
	@echo "Preparing the demo database (var/db.sqlite3)..."
	@$(BIN)/python manage.py migrate --noinput -v0
	@$(BIN)/python manage.py seed_demo -v0
	@$(BIN)/python manage.py serve 127.0.0.1:8000 --skip-checks

test: system-packages-test install-test messages
	$(BIN)/ruff check .
	@set -e; \
	if [ -z "$$DATABASE_URL" ] && command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then \
	  export DATABASE_URL="$(TEST_DATABASE_URL)"; fi; \
	if [ -z "$$REDIS_URL" ] && command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then \
	  export REDIS_URL="$(TEST_REDIS_URL)"; fi; \
	echo "Testing with DATABASE_URL=$${DATABASE_URL:-<SQLite>} REDIS_URL=$${REDIS_URL:-<none>}"; \
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The deep API fuzzing (schemathesis' coverage phase and many cases per operation; tens of minutes). `make test`
# runs the quick depth of the same test.
fuzz: system-packages-test install-test messages
	@set -e; \
	if [ -z "$$DATABASE_URL" ] && command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then \
	  export DATABASE_URL="$(TEST_DATABASE_URL)"; fi; \
	FUZZ_DEPTH=deep DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest tests/security/test_api_fuzz.py $(PYTEST_ARGS)

# Another apt or dpkg run (unattended upgrades, a second make) holds the package lock: wait for it (10 minutes).
APT_WAIT := -o DPkg::Lock::Timeout=600
define apt_install
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo -n "$$p "; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing system packages: $$missing"; \
	  apt-get $(APT_WAIT) update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get $(APT_WAIT) install -y -q --no-install-recommends $$missing; \
	else \
	  echo "Please install these system packages (Debian names): $$missing" >&2; \
	fi
endef

system-packages-run:
	$(call apt_install,$(RUN_PACKAGES))

system-packages-test:
	$(call apt_install,$(TEST_PACKAGES))

$(BIN)/python:
	@echo "Creating $(VENV) and installing the Python packages (a minute or two the first time)..."
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install -q --upgrade uv >/dev/null 2>&1 || true

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@if [ -x $(BIN)/uv ]; then $(BIN)/uv pip install --python $(BIN)/python -q -r pyproject.toml; \
	else $(BIN)/pip install -q -e .; fi
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	@if [ -x $(BIN)/uv ]; then $(BIN)/uv pip install --python $(BIN)/python -q -r pyproject.toml --extra test; \
	else $(BIN)/pip install -q -e ".[test]"; fi
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

messages: install
	@$(BIN)/python manage.py compilemessages --ignore=.venv -v0

# Benchmarks (bench/, results appended to docs/benchmarks.md): a PostgreSQL database of their own, rebuilt
# by bench-data at SCALE (1 = city scale: 10,000 enterprises, 100,000 applications, 1,000,000 movements).
# `make bench` is the complete run: pages at scale 0.01, then everything at scale 1, then the summary table.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/quota_registry_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14
SCALE ?= 1
CITIES ?= 1
BENCH_PACKAGES := $(TEST_PACKAGES) wrk
BENCH_PY = BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) BENCH_REDIS_URL=$(BENCH_REDIS_URL) $(BIN)/python -m

system-packages-bench:
	$(call apt_install,$(BENCH_PACKAGES))

bench-setup: system-packages-bench install-test messages

bench-data: bench-setup
	$(BENCH_PY) bench.data --scale $(SCALE) --cities $(CITIES)

bench-pages bench-throughput bench-allocation bench-pdf bench-excel bench-report bench-verify bench-log bench-bidding: bench-setup
	$(BENCH_PY) bench.$(@:bench-%=%)

bench: bench-setup
	@set -e; export BENCH_RUN=$$(date -u +%Y%m%dT%H%M%SZ); \
	$(BENCH_PY) bench.data --scale 0.01; \
	$(BENCH_PY) bench.pages; \
	$(BENCH_PY) bench.data --scale 1; \
	for b in pages throughput pdf excel report verify allocation; do $(BENCH_PY) bench.$$b; done; \
	$(BENCH_PY) bench.summary
