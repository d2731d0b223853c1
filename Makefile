SERVICES := accounts cases meters notifications gateway
export PYTHONPATH := $(CURDIR):$(addprefix $(CURDIR)/services/,$(subst $() ,:$(CURDIR)/services/,$(SERVICES)))

.PHONY: run test install lint bench

install: .venv/.installed

.venv/.installed: pyproject.toml uv.lock
	uv sync --frozen --compile-bytecode
	touch $@

run: install
	uv run --frozen python deploy/run.py

test: install
	uv run --frozen pytest

lint: install
	uv run --frozen ruff check .
	uv run --frozen ruff format --check .
	uv run --frozen mypy
	uv run --frozen lint-imports

# Benchmarks (not part of `make test`): the portal on this machine's PostgreSQL and RabbitMQ, under wrk.
bench: install
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	AMQP_URL="$${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/}" \
	TEST_DATABASE_URL="$${TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/postgres}" \
	uv run --frozen python -m bench $(BENCH_OPTIONS)
