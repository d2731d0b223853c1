"""Fixtures: a meters app on SQLite (or PostgreSQL where asked) with the in-memory bus, fed with the directory
of meters_support."""

import pytest

from conftest import create_all
from meters.database import Base
from meters.main import create_app
from meters.settings import Settings
from services.meters.tests.meters_support import Portal, feed_directory
from shared.testing import app_client, fresh_postgres_database


@pytest.fixture
async def database_url(request, sqlite_url):
    """SQLite; or, for a test parametrized with `indirect=["database_url"]` and "postgresql", a fresh PostgreSQL
    database (where a statement's SQL differs between the two)."""
    if getattr(request, "param", "sqlite") == "postgresql":
        async with fresh_postgres_database() as url:
            yield url
    else:
        yield sqlite_url


@pytest.fixture
def settings(database_url, jwt_keys) -> Settings:
    # The reminder job is driven by the tests themselves (send_due_reminders), not by the clock.
    return Settings(
        database_url=database_url,
        amqp_url="memory://",
        jwt_public_keys=jwt_keys[1],
        reminder_interval_seconds=3600,
    )


@pytest.fixture
async def portal(settings, token_for):
    await create_all(settings.database_url, Base.metadata)
    app = create_app(settings)
    async with app_client(app) as client:
        await feed_directory(app.state.bus)
        yield Portal(client=client, app=app, token_for=token_for)
