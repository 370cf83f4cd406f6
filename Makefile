# Aula — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Aula needs Python 3.11 or newer"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

# The H5P player, from npm (.npmrc turns off install scripts).
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "Aula needs Node.js and npm (for the H5P player)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: install
install: $(VENV)/.installed node_modules/.installed ## Create .venv, install the pinned Python and npm packages

.PHONY: messages
messages: install ## Extract translatable strings into locale/es
	$(MANAGE) makemessages --locale es --ignore '.venv/*' --ignore 'var/*' --ignore 'node_modules/*' --no-obsolete

.PHONY: compilemessages
compilemessages: install
	$(MANAGE) compilemessages --ignore '.venv/*' --ignore 'node_modules/*' -v0

.PHONY: setup
setup: install compilemessages ## Install, migrate, compile translations, collect static files
	@mkdir -p var
	$(MANAGE) migrate --noinput -v0
	$(MANAGE) createcachetable
	$(MANAGE) collectstatic --noinput -v0

.PHONY: run
run: setup ## Set everything up, seed the demo and serve it at http://127.0.0.1:$(PORT)/
	$(MANAGE) seed_demo
	$(MANAGE) runserver 127.0.0.1:$(PORT)

.PHONY: lint
lint: install ## ruff, the layering contract, bandit and the migrations check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/bandit -q -r cms courses lms
	DJANGO_SETTINGS_MODULE=cms.settings.test $(MANAGE) makemigrations --check --dry-run

.PHONY: check
check: lint ## Alias of lint, plus Django's system checks
	DJANGO_SETTINGS_MODULE=cms.settings.test $(MANAGE) check

.PHONY: test
test: install compilemessages lint ## Lint, then run the whole test suite
	$(BIN)/pytest $(PYTEST_ARGS)

.PHONY: bench
bench: install compilemessages ## Pages against a bare Django view; a registration burst; 600 certificates; reports on national data (PostgreSQL)
	$(BIN)/python -m bench.pages
	$(BIN)/python -m bench.registrations
	$(BIN)/python -m bench.certificates
	$(BIN)/python -m bench.reports

.PHONY: load
load: install compilemessages ## 600 participants over ten minutes on nginx and two app servers (PostgreSQL), then a consistency check (LOAD_ARGS="--users 20 --minutes 1" for a quick run)
	$(BIN)/python -m bench.load $(LOAD_ARGS)

.PHONY: slow3g
slow3g: install compilemessages ## Two demo lessons in Chromium over Slow 3G: bytes against the 60 KB budget, time to text (cold, warm, service worker)
	$(BIN)/python -m bench.slow3g

.PHONY: smoke-prod
smoke-prod: install compilemessages ## The production layout on loopback (nginx, 2 gunicorn, PostgreSQL, worker): a journey and every response's security headers
	$(BIN)/python -m bench.smoke_prod

.PHONY: backup-check
backup-check: install ## Back up a demo site with deploy/backup.sh, restore it with deploy/restore.sh, compare (PostgreSQL)
	$(BIN)/python -m bench.backup_check

.PHONY: bench-data
bench-data: install ## Generate the national dataset of the reports bench (PostgreSQL; kept once made)
	$(BIN)/python -m bench.national

.PHONY: format
format: install ## Format the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

.PHONY: clean
clean: ## Remove the virtualenv and local data (database, media, static)
	rm -rf $(VENV) var
