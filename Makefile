# Two commands do everything: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_ADMIN_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
HOST ?= 0.0.0.0
PORT ?= 8000
PYTEST_ARGS ?=
# Behind a reverse proxy, name its address(es): only then is X-Forwarded-For believed (the join
# limits count addresses). Empty: the app sees each phone's own address and trusts no header.
FORWARDED_ALLOW_IPS ?=
PROXY_FLAGS := $(if $(FORWARDED_ALLOW_IPS),--proxy-headers --forwarded-allow-ips=$(FORWARDED_ALLOW_IPS),--no-proxy-headers)

BACKUP ?=

.PHONY: backup purge run test install test-sqlite test-postgres e2e-deps postgres lint demo bench vendor clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make run: install, upgrade the schema, start the server on 0.0.0.0:8000 and say where to go.
run: $(STAMP)
	$(BIN)/python -m app.migrations
	@$(BIN)/python -m app.addresses $(PORT)
	$(BIN)/uvicorn app.main:app --host $(HOST) --port $(PORT) $(PROXY_FLAGS) --timeout-graceful-shutdown 3

## make demo: like run, with a workshop full of notes from the seeds (links are printed).
demo: $(STAMP)
	$(BIN)/python -m app.migrations
	$(BIN)/python -m app.demo --port $(PORT)
	@$(BIN)/python -m app.addresses $(PORT)
	$(BIN)/uvicorn app.main:app --host $(HOST) --port $(PORT) $(PROXY_FLAGS) --timeout-graceful-shutdown 3

## make test: everything the tests need, then lint, then the whole suite on SQLite and on PostgreSQL.
test: $(STAMP) e2e-deps postgres lint test-sqlite test-postgres

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app

test-sqlite: $(STAMP)
	KS_TEST_DB=sqlite $(BIN)/pytest -n 2 $(PYTEST_ARGS)

test-postgres: $(STAMP) postgres
	KS_TEST_DB=postgresql KS_PG_ADMIN_URL=$(PG_ADMIN_URL) $(BIN)/pytest -n 2 $(PYTEST_ARGS)

# Debian's Chromium for the browser tests (Playwright's own download does not work here), and
# LibreOffice Calc, which a test uses to open the Excel export.
e2e-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium (once)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@command -v soffice >/dev/null 2>&1 || { \
	  echo "installing LibreOffice Calc (once; a test opens the Excel export with it)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui >/dev/null; }

# Start the local PostgreSQL if it is down (exit 2 means it was already running).
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start || [ $$? -eq 2 ]; \
	  for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }

## make purge: erase the situation and cause notes of workshops whose retention has run out.
purge: $(STAMP)
	$(BIN)/python -m app.purge

## make backup: a consistent copy of the database while the server runs (data/backups/, or BACKUP=file).
backup: $(STAMP)
	$(BIN)/python -m app.backup $(BACKUP)

bench: $(STAMP)
	$(BIN)/python -m bench.notes
	$(BIN)/python -m bench.export

vendor:
	bash scripts/vendor.sh

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
