# Kaoping — the README's words. `make demo` and `make test` are all a newcomer needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432
export KAOPING_DATA_DIR ?= $(CURDIR)/var

.PHONY: install demo test test-sqlite test-postgres browser-deps lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make demo: install, migrate, load the sample campaigns, serve on http://127.0.0.1:8000/
demo: install
	$(BIN)/kaoping demo

## make test: the whole suite on SQLite, then on PostgreSQL (mandatory under CI=true)
test: install
	@# the browser tests need Debian's chromium: installed here when we may (CI, or root with apt)
	@if [ "$$CI" = "true" ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; }; then \
	  $(MAKE) --no-print-directory browser-deps; \
	else command -v chromium >/dev/null || echo "chromium not installed: browser tests will be skipped (run 'sudo make browser-deps')"; fi
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$KAOPING_DATABASE_URL" ] || [ "$$CI" = "true" ]; then \
	  $(MAKE) --no-print-directory test-postgres; \
	else echo "KAOPING_DATABASE_URL not set: PostgreSQL run skipped (CI=true makes it mandatory)"; fi

test-sqlite: install
	env -u KAOPING_DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)

# A fresh database per run: pytest-django creates test_<name> and drops it afterwards.
test-postgres: install
	@url="$${KAOPING_DATABASE_URL:-$(PG_URL)/kaoping_ci_$$$$}"; \
	$(BIN)/python -c "import psycopg,sys; psycopg.connect(sys.argv[1].rsplit('/',1)[0]+'/postgres').close()" "$$url" \
	  || { echo "PostgreSQL is not reachable at $$url"; exit 1; }; \
	echo "PostgreSQL run: $$url"; \
	KAOPING_DATABASE_URL="$$url" $(BIN)/python -m pytest $(PYTEST_ARGS)

browser-deps:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
