SERVICES := accounts cases meters notifications gateway
export PYTHONPATH := $(CURDIR):$(addprefix $(CURDIR)/services/,$(subst $() ,:$(CURDIR)/services/,$(SERVICES)))

.PHONY: run test install lint

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
