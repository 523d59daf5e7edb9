# TU Liaison. `make run` serves the whole app with demo data; `make test` runs the full suite
# against a real PostgreSQL, Redis and Celery worker.
.DEFAULT_GOAL := help
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: help run test lint format clean bench backup restore fuzz chaos lock upgrade

help:
	@echo "make run    the app on http://127.0.0.1:8000 (PORT=8080 to change), with demo data"
	@echo "make test   the full test suite against throwaway PostgreSQL and Redis"
	@echo "make fuzz   every form and the CSV import fed the full hostile corpus (minutes)"
	@echo "make chaos  the weekly send through Resend, its worker killed at 30 points (minutes)"
	@echo "make bench  the bench/ scripts (ratios measured side by side; see docs/benchmarks.md)"
	@echo "make backup   pg_dump of the database to backups/ (DATABASE_URL, else docker compose)"
	@echo "make restore  FILE=backups/<file>.dump: put a backup back (asks first; YES=1 to skip)"
	@echo "make upgrade  move every pinned dependency to its newest allowed release, then make test"
	@echo "make lock   rewrite the lock files after a change to pyproject.toml (pins stay put)"
	@echo "make lint   ruff check and format check"
	@echo "make format ruff format and fix"

# Everything is installed from the lock file, pinned with hashes: the same versions on every
# machine until `make upgrade` moves them.
$(STAMP): requirements/dev.txt
	@test -x $(VENV)/bin/python || "$$(scripts/find-python.sh)" -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --require-hashes --no-deps -r requirements/dev.txt
	@touch $(STAMP)

run: $(STAMP)
	scripts/run.sh

test: $(STAMP)
	scripts/test.sh $(ARGS)

# The hardening tests with the whole hostile corpus and many more hypothesis examples: too long
# for every `make test`, which runs the same tests with one hostile value per kind of field.
fuzz: $(STAMP)
	TULIAISON_FUZZ=1 scripts/test.sh tests/hardening -q $(ARGS)

# The weekly send through Resend with its worker killed at 30 points of a 20,000-recipient send
# (make test tries three): each kill starts a new worker, so it takes a few minutes.
chaos: $(STAMP)
	TULIAISON_CHAOS=1 scripts/test.sh tests/newsletters/test_weekly_chaos.py -q $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

lock: $(STAMP)
	scripts/lock.sh

upgrade: $(STAMP)
	scripts/lock.sh --upgrade
	$(MAKE) test

clean:
	rm -rf $(VENV) var

bench: $(STAMP)
	scripts/bench.sh $(ARGS)

backup:
	scripts/backup.sh

restore:
	scripts/restore.sh $(FILE)
