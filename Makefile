# Two commands: `make run` and `make test`. Both set everything up on a fresh machine first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODEPS := $(wildcard requirements-nodeps.txt)
export TEST_POSTGRES_URL ?= $(shell scripts/find-postgres.sh)
export TEST_REDIS_URL ?= $(shell scripts/find-redis.sh)

.PHONY: setup run worker cluster test eval bench lint format models clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt $(NODEPS) vision/models/models.toml scripts/system-deps.sh
	scripts/system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev,eval]"
	if [ -f requirements-nodeps.txt ]; then $(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt; fi
	$(PY) -m vision.models fetch
	$(PY) -m vision.faces
	touch $(STAMP)

models: setup
	$(PY) -m vision.models fetch
	$(PY) -m vision.faces

run: setup
	$(PY) -m bot

# A work-queue worker (WORK_QUEUE_URL in .env): photo analysis for any number of bot replicas. WORKER_PROCESSES
# event-loop processes, each with its own worker pools (ANALYSIS_WORKERS, PICTURE_WORKERS).
# WORKER_TASKS: tasks one process runs at once (about ANALYSIS_WORKERS + 2: more only sit in its pool's queue).
WORKER_PROCESSES ?= 1
WORKER_TASKS ?= 8
worker: setup
	$(VENV)/bin/taskiq worker bot.worker:broker --workers $(WORKER_PROCESSES) --max-async-tasks $(WORKER_TASKS) --shutdown-timeout 60

# The scale-out topology on loopback: PostgreSQL and Redis (started when not running), the emulator as Telegram's
# webhook, a round-robin proxy, 2 bot replicas in webhook mode, 2 workers, blobs in moto's S3 server; a burst of strips,
# QR strips, commands and button presses with one replica and one worker kill -9ed half-way; METRIC cluster.* lines.
CLUSTER_ARGS ?= --chats 3 --qr-chats 2 --photos 2 --kill-replicas 1 --kill-workers 1 --s3
cluster: setup
	source scripts/start-services.sh && $(PY) -m playground.stress.cluster $(CLUSTER_ARGS)

test: setup
	$(PY) -m pytest

eval: setup
	$(PY) -m evals

# evals/bench_cluster.py needs PostgreSQL and Redis on loopback: started here as for `make cluster`.
bench: setup
	source scripts/start-services.sh && $(PY) -m evals --bench

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
