"""Fixtures over the real broker and database: a fresh PostgreSQL database with the messaging tables and a
probe table, and buses with this run's own exchange and queue names."""

import asyncio
import inspect
import subprocess

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table

from shared.bus import Bus
from shared.db import Database
from shared.messaging_tables import messaging_tables
from shared.testing import amqp_url, delete_bus_objects, fresh_postgres_database, unique_prefix

pytestmark = pytest.mark.integration
RETRY_DELAYS_MS = (50, 100)

metadata = MetaData()
tables = messaging_tables(metadata)
# What the probe handlers do: one row per handling, no uniqueness, so a double effect would show.
effects = Table(
    "effect",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(100)),
    Column("note", String(200)),
)


@pytest.fixture
async def db():
    async with fresh_postgres_database() as url:
        database = Database(url)
        async with database.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        yield database
        await database.dispose()


@pytest.fixture
async def make_bus():
    prefix, buses = unique_prefix(), []

    async def build(service: str = "probe", **options) -> Bus:
        bus = Bus(
            amqp_url=amqp_url(),
            service=service,
            prefix=prefix,
            retry_delays_ms=options.pop("retry_delays_ms", RETRY_DELAYS_MS),
            **options,
        )
        await bus.connect()
        buses.append(bus)
        return bus

    yield build
    for bus in buses:
        await bus.close()
    await delete_bus_objects(amqp_url(), prefix, sorted({b.service for b in buses}), RETRY_DELAYS_MS)


async def eventually(predicate, timeout: float = 15.0, interval: float = 0.05):
    """Poll a predicate (plain or async) until it returns a truthy value or the deadline passes."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = predicate()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


def close_broker_connections(name_prefix: str) -> int:
    """Make the broker close every connection whose name starts with the prefix, as on a broker restart."""
    listing = subprocess.run(
        ["rabbitmqctl", "-q", "list_connections", "pid", "client_properties", "--no-table-headers"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    closed = 0
    for line in listing.stdout.splitlines():
        pid, _, properties = line.partition("\t")
        if f'{{"connection_name","{name_prefix}' in properties:
            subprocess.run(
                ["rabbitmqctl", "-q", "close_connection", pid, "test: broker closes"],
                check=True,
                timeout=60,
                capture_output=True,
            )
            closed += 1
    return closed
