"""Fixtures over the real broker and database: a fresh PostgreSQL database with the messaging tables and a
probe table, and buses with this run's own exchange and queue names."""

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table

from shared.bus import Bus
from shared.db import Database
from shared.messaging_tables import messaging_tables
from shared.testing import TcpProxy, amqp_url, delete_bus_objects, fresh_postgres_database, unique_prefix

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
            amqp_url=options.pop("amqp_url", None) or amqp_url(),
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


@pytest.fixture
async def broker_proxy():
    """The broker behind a TCP proxy the test can cut (a restart) or make refuse (an outage); build a bus
    through it with `make_bus(amqp_url=broker_proxy.url_through(amqp_url()))`."""
    proxy = TcpProxy.to_url(amqp_url())
    await proxy.start()
    yield proxy
    await proxy.close()
