# consult — two commands: `make run` and `make test`. Everything else is a helper of those.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
PIP := $(PY) -m pip install -q --disable-pip-version-check
# One stamp per set of requirements: `make run` installs only what running needs, `make test` adds the dev tools.
RUN_STAMP := $(VENV)/.installed-run-$(shell cat requirements.txt 2>/dev/null | cksum | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat requirements.txt requirements-dev.txt 2>/dev/null | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 5000
# Test processes (pytest-xdist); a test file stays in one process (the journeys build on each other). Browser, proxy
# and several-host tests mostly wait, so two processes per suite finish sooner even on two cores.
TEST_WORKERS ?= 2

.PHONY: run test lint install install-dev serve demo-reset screenshots

$(RUN_STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) -r requirements.txt
	rm -f $(VENV)/.installed-run-*
	touch $(RUN_STAMP)

$(DEV_STAMP): $(RUN_STAMP) requirements-dev.txt
	$(PIP) -r requirements-dev.txt
	rm -f $(VENV)/.installed-dev-*
	touch $(DEV_STAMP)

## make install: the runtime packages only (requirements.txt); make install-dev: also the test and lint tools
install: $(RUN_STAMP)
install-dev: $(DEV_STAMP)

instance/secret_key:
	mkdir -p instance
	umask 077 && $(PY) -c 'import secrets; print(secrets.token_urlsafe(32))' > instance/secret_key

## make run [HOST=127.0.0.1] [PORT=5000]: venv, runtime packages, migrate, seed demo data on first run, serve
## on http://HOST:PORT (demo mode; mail off unless CONSULT_MAIL_SERVER is set)
run: $(RUN_STAMP) instance/secret_key
	CONSULT_SECRET_KEY=$$(cat instance/secret_key) $(FLASK) db upgrade
	test -f instance/.demo-seeded || (CONSULT_SECRET_KEY=$$(cat instance/secret_key) $(FLASK) seed-demo && touch instance/.demo-seeded)
	CONSULT_SECRET_KEY=$$(cat instance/secret_key) CONSULT_DEMO=1 $(FLASK) run --host $(HOST) --port $(PORT)

## make serve: production mode — gunicorn with several workers (needs CONSULT_SECRET_KEY; PostgreSQL via CONSULT_DATABASE_URL)
serve: $(RUN_STAMP)
	@test -n "$$CONSULT_SECRET_KEY" || (echo "CONSULT_SECRET_KEY を設定してください" >&2; exit 1)
	$(FLASK) db upgrade
	$(FLASK) search sync
	$(VENV)/bin/gunicorn -c gunicorn.conf.py app:app

## make lint: ruff and bandit (high severity)
lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/bandit -q -r consult models -lll

## make test [TEST_WORKERS=2]: lint, then the whole suite in TEST_WORKERS processes (SQLite; PostgreSQL instead when
## CONSULT_TEST_DATABASE_URL is set, one database per process next to it). TEST_WORKERS=0: one process.
test: lint
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

## make screenshots: the browser tests, saving their screenshots into docs/screenshots/ (the README's pictures);
## a plain `make test` saves them in a temporary folder and leaves the work tree as it was
screenshots: $(DEV_STAMP)
	CONSULT_SCREENSHOTS=docs/screenshots $(PY) -m pytest -q tests/e2e

## make demo-reset: forget the local demo (SQLite database, attachments, search index); the next `make run`
## migrates and seeds it again. Only for the default locations: refuses when CONSULT_DATABASE_URL, CONSULT_INSTANCE,
## CONSULT_ATTACHMENTS or CONSULT_SEARCH_INDEX point elsewhere. The secret key is kept.
demo-reset:
	@test -z "$$CONSULT_DATABASE_URL$$CONSULT_INSTANCE$$CONSULT_ATTACHMENTS$$CONSULT_SEARCH_INDEX" || \
	  (echo "CONSULT_DATABASE_URL / CONSULT_INSTANCE / CONSULT_ATTACHMENTS / CONSULT_SEARCH_INDEX が設定されています。デモの初期化は既定の場所だけを対象にします。" >&2; exit 1)
	rm -f instance/consult.sqlite3 instance/consult.sqlite3-journal instance/consult.sqlite3-wal instance/consult.sqlite3-shm instance/.demo-seeded
	rm -rf instance/attachments
	find search_index -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
