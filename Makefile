# Newsroom: `make run` to try it, `make test` to check it. PYTHON=... picks the interpreter.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

# Local development: debug on, a development secret key (settings.py refuses to start without
# one when debug is off).
export DJANGO_DEBUG ?= 1

# The first interpreter of at least 3.12 found on PATH or in pyenv (Django 6.1 needs 3.12).
PYTHON ?= $(shell for c in python3.13 python3.12 python3.14 python3 \
	$$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	if command -v $$c >/dev/null 2>&1 && \
	   $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	   command -v $$c; break; fi; done)

.PHONY: install install-dev run test check lint migrate demo messages clean benchmark race archive-benchmark image-benchmark search-benchmark bench bench-render nginx-test lighthouse fuzz loadtest

define make_venv
	@if [ -z "$(PYTHON)" ]; then echo "No Python >= 3.12 found: install one or pass PYTHON=/path/to/python3.12" >&2; exit 1; fi
	@if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then rm -rf $(VENV); fi
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
endef

# What the site runs on; `make run` needs nothing more.
$(VENV)/.installed: requirements.txt
	$(make_venv)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

# The tests and linters on top.
$(VENV)/.installed-dev: requirements.txt requirements-dev.txt
	$(make_venv)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py demo

# The task worker (archiving, captures, renditions) runs beside the server and stops with it;
# tasks a killed worker left RUNNING are queued again first.
run: demo
	@echo "Serving on http://$(HOST):$(PORT)/  (admin: /admin/, live desk: /desk/)"
	@$(PY) manage.py recover_tasks
	@$(PY) manage.py db_worker --interval 2 --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# Connections are not kept between requests in tests: the live server's threads would otherwise
# hold the test database open when pytest drops it.
test: install-dev
	DJANGO_CONN_MAX_AGE=0 $(PY) -m pytest $(PYTEST_ARGS)

# What CI checks before the tests: lint, formatting, migrations in step with the models, and
# Django's own system checks.
check: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

lint: check

messages: install-dev
	$(PY) manage.py makemessages -l fr -l en --ignore=.venv --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

benchmark: install
	$(PY) scripts/benchmark.py

# The story page (cached, uncached, through nginx), the poll (fresh and 304) and the home page
# against Django's hello view on the same gunicorn, with wrk on 127.0.0.1: req/s, p50/p99 and
# server CPU per request, as ratios of hello. SQLite, then PostgreSQL + Redis when DATABASE_URL
# (a scratch database: it is emptied) and REDIS_URL are set. Needs wrk and nginx. Not in CI.
bench: install
	$(PY) scripts/bench.py $(BENCH_ARGS)

# In-process render cost of the story page for 10, 200 and 1,000 updates (no server).
bench-render: install-dev
	$(PY) scripts/bench_render.py $(BENCH_ARGS)

# deploy/nginx.conf in front of gunicorn: micro-caching, revalidation, stale copies.
nginx-test: install-dev
	DJANGO_CONN_MAX_AGE=0 $(PY) -m pytest tests/test_nginx.py -q $(PYTEST_ARGS)

# Lighthouse 12.2.3 (npm) on Debian's chromium, mobile profile: the demo story, an update's
# page and the home page. Not in CI.
lighthouse: install
	$(PY) scripts/lighthouse.py $(LIGHTHOUSE_ARGS)

# One capture of a 2 MB cited page from a server on 127.0.0.1: time and peak memory.
archive-benchmark: install-dev
	$(PY) scripts/archive_benchmark.py
# Time and peak memory of a 6,000 × 4,000 JPEG upload with all its renditions (not part of CI).
image-benchmark: install
	$(PY) scripts/image_benchmark.py

# Search latency over 10,000 stories and 100,000 updates in a scratch database (PostgreSQL when
# DATABASE_URL is set): median and worst of 100 varied queries. Not in CI.
search-benchmark: install
	$(PY) scripts/search_benchmark.py $(BENCHMARK_ARGS)

# Barrier-synchronised pins, pinned posts and double Saves against gunicorn (PostgreSQL when
# DATABASE_URL is set).
race: install-dev
	$(PY) scripts/race.py

# Load with writes: readers polling and loading a live story while five staff post, edit, pin
# and delete through the desk, against gunicorn (PostgreSQL when DATABASE_URL is set). Not in CI.
loadtest: install-dev
	$(PY) scripts/loadtest.py $(LOADTEST_ARGS)

# Coverage-guided fuzzing (atheris) of the renderer and the URL validator, FUZZ_SECONDS each.
# Not in CI. What it finds is written as crash-* files in the current folder.
FUZZ_SECONDS ?= 60
fuzz: install-dev
	$(PY) scripts/fuzz.py render -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048
	$(PY) scripts/fuzz.py url -max_total_time=$(FUZZ_SECONDS) -timeout=10

clean:
	rm -rf $(VENV) staticfiles .pytest_cache test-artifacts
