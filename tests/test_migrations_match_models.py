"""Each service's migrations create exactly what its models describe (the audit trail's shared columns among them)."""

import asyncio
import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from shared.migrate import upgrade


@pytest.mark.parametrize("service", ["accounts", "cases", "meters", "notifications"])
async def test_migrations_match_the_models(service, tmp_path):
    importlib.import_module(f"{service}.models")  # registers every table
    metadata = importlib.import_module(f"{service}.database").Base.metadata
    url = f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}"
    await asyncio.to_thread(upgrade, service, url)
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), metadata
            )
        )
    await engine.dispose()
    assert differences == []
