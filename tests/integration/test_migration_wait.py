"""One process migrates, the replicas wait: `python -m shared.migrate <service> --wait` returns only once the
database is at the newest migration of that service, changes nothing itself, and gives up after its timeout.
(Synchronous tests: the waiting loop runs an event loop of its own, as it does in its process.)"""

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from shared.migrate import current_revisions, newest_revisions, upgrade, wait_until_migrated
from shared.testing import create_postgres_database, drop_postgres_database

pytestmark = pytest.mark.integration
UNREACHABLE = "postgresql+asyncpg://nobody@127.0.0.1:9/none"


@pytest.fixture
def url() -> Iterator[str]:
    created = asyncio.run(create_postgres_database())
    try:
        yield created
    finally:
        asyncio.run(drop_postgres_database(created))


async def table_names(url: str) -> set[str]:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    return names


def test_waiting_changes_nothing_and_gives_up_after_its_timeout(url):
    said: list[str] = []
    started = time.monotonic()
    with pytest.raises(SystemExit, match="not migrated within 1s"):
        wait_until_migrated("meters", url, timeout=1, interval=0.2, say=said.append)
    assert 1 <= time.monotonic() - started < 10
    newest = ", ".join(sorted(newest_revisions("meters")))
    assert said == [f"meters: database at none, waiting for the migration to {newest}"]
    assert asyncio.run(table_names(url)) == set()


def test_the_replicas_start_once_the_one_migration_is_done(url):
    said: list[str] = []
    done = threading.Event()

    def replica() -> None:
        wait_until_migrated("cases", url, timeout=60, interval=0.1, say=said.append)
        done.set()

    waiting = threading.Thread(target=replica)
    waiting.start()
    time.sleep(1.0)
    assert not done.is_set(), "nothing may start on an unmigrated database"
    upgrade("cases", url)  # the migration Job
    waiting.join(timeout=30)
    assert done.is_set()
    assert asyncio.run(current_revisions(url)) == newest_revisions("cases")
    assert said[-1].startswith("cases: database at the newest migration")


def test_an_unreachable_database_is_waited_for_like_an_unmigrated_one():
    said: list[str] = []
    with pytest.raises(SystemExit):
        wait_until_migrated("meters", UNREACHABLE, timeout=0.5, interval=0.1, say=said.append)
    assert said and "unreachable" in said[0]


def test_the_command_line_waits_with_the_services_settings():
    result = subprocess.run(
        [sys.executable, "-m", "shared.migrate", "meters", "--wait", "--timeout", "1"],
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": UNREACHABLE},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "meters: database at unreachable" in result.stdout
    assert "meters: the database was not migrated within 1s" in result.stderr
