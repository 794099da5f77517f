# consult — two commands: `make run` and `make test`. Everything else is a helper of those.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt 2>/dev/null | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint install serve

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

instance/secret_key:
	mkdir -p instance
	umask 077 && $(PY) -c 'import secrets; print(secrets.token_urlsafe(32))' > instance/secret_key

## make run: venv, install, migrate, seed demo data on first run, serve on http://127.0.0.1:5000
run: $(STAMP) instance/secret_key
	CONSULT_SECRET_KEY=$$(cat instance/secret_key) $(FLASK) db upgrade
	test -f instance/.demo-seeded || (CONSULT_SECRET_KEY=$$(cat instance/secret_key) $(FLASK) seed-demo && touch instance/.demo-seeded)
	CONSULT_SECRET_KEY=$$(cat instance/secret_key) CONSULT_DEMO=1 $(FLASK) run --host $(HOST) --port $(PORT)

## make serve: production mode — gunicorn with several workers (needs CONSULT_SECRET_KEY; PostgreSQL via CONSULT_DATABASE_URL)
serve: $(STAMP)
	@test -n "$$CONSULT_SECRET_KEY" || (echo "CONSULT_SECRET_KEY を設定してください" >&2; exit 1)
	$(FLASK) db upgrade
	$(FLASK) search sync
	$(VENV)/bin/gunicorn -c gunicorn.conf.py app:app

## make lint: ruff and bandit (high severity)
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/bandit -q -r consult models -lll

## make test: lint, then the whole suite (SQLite; PostgreSQL too when CONSULT_TEST_DATABASE_URL is set)
test: lint
	$(PY) -m pytest -q
