# uv from the machine, else the one `make` installs from PyPI into .uv/ (it needs only Python 3.11+).
export PATH := $(CURDIR)/.uv/bin:$(PATH)

.PHONY: run test install logs lint validate bench uv

install: uv .venv/.installed

uv:
	@command -v uv >/dev/null || $(MAKE) --no-print-directory .uv/bin/uv

.venv/.installed: pyproject.toml shared/pyproject.toml $(wildcard services/*/pyproject.toml) uv.lock | uv
	uv sync --frozen --compile-bytecode
	touch $@

.uv/bin/uv:
	@echo "uv is not installed: installing it from PyPI into .uv/"
	python3 -m venv .uv || { echo "python3 -m venv failed: install python3-venv, or uv itself (pip install uv)"; exit 1; }
	.uv/bin/python -m pip install --quiet --disable-pip-version-check uv

run: install
	uv run --frozen python deploy/run.py

test: install
	uv run --frozen pytest

# The services' JSON logs of `make run`, as they are written.
logs:
	@mkdir -p var/log
	tail -n 20 -F $(addprefix var/log/,$(addsuffix .log,$(SERVICES)))

lint: install
	uv run --frozen ruff check .
	uv run --frozen ruff format --check .
	uv run --frozen mypy
	uv run --frozen lint-imports

# The deployment descriptions through the compose CLI's `config` and kustomize, every Kubernetes object against
# its schema (docs/operations.md).
validate: install
	uv run --frozen python -m deploy.manifests

# Benchmarks (not part of `make test`): the portal on this machine's PostgreSQL and RabbitMQ, under wrk.
bench: install
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	AMQP_URL="$${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/}" \
	TEST_DATABASE_URL="$${TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/postgres}" \
	uv run --frozen python -m bench $(BENCH_OPTIONS)
