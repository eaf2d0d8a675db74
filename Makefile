# Tsunagu — the two commands: `make run` (demo on SQLite) and `make test` (everything CI runs).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= tsunagu.config.settings
PG_URL ?= postgres://postgres@127.0.0.1:5432/tsunagu

.PHONY: run test bench install install-dev system-deps lint typecheck unit pg e2e messages clean

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make run: install, migrate, load demo data, start web server + worker on http://127.0.0.1:$(PORT)
run: install
	$(BIN)/tsunagu migrate --noinput -v0
	$(BIN)/tsunagu seed_demo
	$(BIN)/tsunagu collectstatic --noinput -v0
	PORT=$(PORT) BIN=$(BIN) scripts/run.sh

## Debian packages the tests need: Chromium and a Japanese font for the browser tests; nft,
## squid and postmap to validate the rendered gateway configuration.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing="$$missing fonts-noto-cjk"; \
	command -v nft >/dev/null || missing="$$missing nftables"; \
	command -v squid >/dev/null || missing="$$missing squid"; \
	command -v postmap >/dev/null || missing="$$missing postfix"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install-dev
	$(BIN)/mypy src

## Unit, service, API tests on SQLite.
unit: install-dev
	$(BIN)/tsunagu makemigrations --check --dry-run -v1
	DJANGO_SETTINGS_MODULE=tsunagu.config.test_settings $(BIN)/pytest -n 2 -m "not e2e" -q

## The same suite on PostgreSQL when one answers (required when REQUIRE_POSTGRES=1).
pg: install-dev
	@if $(BIN)/python scripts/pg_reachable.py "$(PG_URL)"; then \
	  echo "PostgreSQL reachable: running the suite on it"; \
	  DATABASE_URL="$(PG_URL)" DJANGO_SETTINGS_MODULE=tsunagu.config.test_settings $(BIN)/pytest -n 2 -m "not e2e" -q; \
	elif [ "$$REQUIRE_POSTGRES" = "1" ]; then \
	  echo "PostgreSQL is required but not reachable at $(PG_URL)"; exit 1; \
	else echo "PostgreSQL not reachable: skipped"; fi

## Browser end-to-end tests (Playwright driving Debian's Chromium against gunicorn + worker).
e2e: install-dev system-deps
	DJANGO_SETTINGS_MODULE=tsunagu.config.settings $(BIN)/pytest tests/e2e -m e2e -q -p no:xdist

test: install-dev system-deps lint typecheck unit pg e2e

## Benchmarks: figures and ratios printed; JSON in benchmarks/results/.
bench: install-dev
	@set -e; for b in benchmarks/bench_*.py; do echo "== $$b"; DJANGO_SETTINGS_MODULE=tsunagu.config.settings $(BIN)/python $$b; done

## Regenerate translation catalogs (needs gettext) and compile them.
messages: install-dev
	cd src/tsunagu && ../../$(BIN)/tsunagu makemessages -l ja -l en --no-obsolete --no-location
	cd src/tsunagu && ../../$(BIN)/tsunagu compilemessages

clean:
	rm -rf var .venv
