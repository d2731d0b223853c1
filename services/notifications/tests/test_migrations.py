"""The migrations create exactly what the models describe (SQLite here; PostgreSQL in the integration tests)."""

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

import notifications.models  # noqa: F401  (registers every table)
from notifications.database import Base
from shared.migrate import upgrade


async def test_migrations_match_the_models(sqlite_url):
    await asyncio.to_thread(upgrade, "notifications", sqlite_url)
    engine = create_async_engine(sqlite_url)
    async with engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
            )
        )
    await engine.dispose()
    assert differences == []
