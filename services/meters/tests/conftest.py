"""Fixtures: a meters app on SQLite with the in-memory bus, fed with the directory of meters_support."""

import sys
from pathlib import Path

import pytest

# Appended, not prepended: the repository's root conftest must stay the one `import conftest` finds.
sys.path.append(str(Path(__file__).parent))

from meters.database import Base
from meters.main import create_app
from meters.settings import Settings
from meters_support import Portal, feed_directory

from conftest import create_all
from shared.testing import app_client


@pytest.fixture
def settings(sqlite_url, jwt_keys) -> Settings:
    # The reminder job is driven by the tests themselves (send_due_reminders), not by the clock.
    return Settings(database_url=sqlite_url, amqp_url="memory://", jwt_public_keys=jwt_keys[1],
                    reminder_interval_seconds=3600)


@pytest.fixture
async def portal(settings, token_for):
    await create_all(settings.database_url, Base.metadata)
    app = create_app(settings)
    async with app_client(app) as client:
        await feed_directory(app.state.bus)
        yield Portal(client=client, app=app, token_for=token_for)
