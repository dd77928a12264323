# Pitstop: `make run` serves the demo, `make test` runs every test. Both set up what they need.
.DEFAULT_GOAL := help
.PHONY: help install run serve test bench check-deploy lint format messages demo icons

VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
SCALE ?= small

# The first Python >= 3.12 on this machine: python3.13, python3.12, python3, then pyenv's installs.
define find_python
for candidate in python3.13 python3.12 python3 \
    $$(ls -d "$${PYENV_ROOT:-$$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
  if "$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
    echo "$$candidate"; exit 0; fi; \
done; echo "No Python 3.12 or newer found; install python3.12 or python3.13." >&2; exit 1
endef

help:
	@echo "make run           install, migrate, load the demo, serve http://127.0.0.1:8000 with its task worker"
	@echo "make serve         production settings: gunicorn and the task worker on :8000 (DATABASE_URL, REDIS_URL)"
	@echo "make test          install and run the whole test suite (SQLite; DATABASE_URL for PostgreSQL)"
	@echo "make bench         benchmarks, one 'BENCH <name> <value> <unit>' line per figure (SCALE=full)"
	@echo "make check-deploy  Django's deployment checks with production settings"
	@echo "make lint          ruff check and ruff format --check"
	@echo "make messages      update the nl and en translation catalogues"
	@echo "make icons         draw the app's PNG icons from static/icons/*.svg (needs Chromium)"

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || "$$($(find_python))" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

demo: install
	$(MANAGE) migrate --no-input
	$(MANAGE) seed_demo

# The task worker (suggested red threads) runs beside the server and stops with it, also on
# Ctrl-C. No autoreload for the worker: restart `make run` after changing a task's code.
run: demo
	@$(MANAGE) db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(MANAGE) runserver 127.0.0.1:8000

# The production set-up on this machine (deploy/serve says how); no demo data.
serve: install
	@deploy/serve

test: install
	$(PY) -m pytest

bench: install
	$(PY) -m tests.benchmarks --scale $(SCALE)

check-deploy: install
	DJANGO_SETTINGS_MODULE=expeditie.settings.production \
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	ALLOWED_HOSTS=pitstop.example.org DEBUG=false \
	EMAIL_URL=smtp+tls://pitstop:secret@mail.example.org:587 \
	$(MANAGE) check --deploy --fail-level WARNING

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: install
	$(MANAGE) makemessages --locale nl --locale en --no-obsolete --ignore '.venv/*' --ignore 'tests/*' --ignore 'static/*'
	$(PY) -m expeditie.catalogues

# The PNG icons of the web app manifest, from their SVGs (commit the PNGs with them).
icons: install
	$(PY) -m expeditie.icons
