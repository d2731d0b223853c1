"""The outbox relay over the real RabbitMQ and PostgreSQL: published after commit without polling delay,
never for a rolled-back transaction, retried until the broker confirms, once with two relays."""

import asyncio
import time

import aio_pika
import pytest
from sqlalchemy import func, select

from shared.outbox import Outbox, OutboxRelay
from shared.testing import amqp_url, eventually
from tests.integration.conftest import tables
from tests.integration.test_bus import status_changed

pytestmark = pytest.mark.integration


@pytest.fixture
async def received(make_bus):
    """Everything published on this run's portal exchange, as a list of message ids (duplicates kept)."""
    listener = await make_bus("listener")
    channel = await listener.connection.channel()
    exchange = await channel.get_exchange(listener.names.portal_exchange)
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(exchange, "#")
    ids: list[str | None] = []

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        ids.append(message.message_id)
        await message.ack()

    await queue.consume(on_message)
    return ids


async def stage(db, outbox: Outbox, count: int = 1, *, commit: bool = True) -> list[str]:
    async with db.session() as session, session.begin():
        events = [await outbox.add(session, status_changed(f"c{i}")) for i in range(count)]
        if not commit:
            await session.rollback()
    return [e.id for e in events]


async def unsent(db) -> int:
    async with db.session() as session:
        return await session.scalar(
            select(func.count()).select_from(tables.outbox).where(tables.outbox.c.sent_at.is_(None))
        )


async def test_committed_events_are_published_at_once_and_rolled_back_ones_never(db, make_bus, received):
    bus = await make_bus("cases")
    outbox = Outbox(tables.outbox, source="cases")
    relay = OutboxRelay(db, outbox, bus.publish_raw, idle_interval=60)  # only a commit can wake it in time
    relay.start()
    try:
        await asyncio.sleep(0.2)  # the relay's first pass found nothing and is now waiting
        await stage(db, outbox, commit=False)
        started = time.perf_counter()
        [event_id] = await stage(db, outbox)
        await eventually(lambda: event_id in received, timeout=5)
        assert time.perf_counter() - started < 2
        assert received == [event_id]
        assert await unsent(db) == 0
    finally:
        await relay.stop()


async def test_unconfirmed_publishes_are_retried_until_the_broker_confirms(db, make_bus, received):
    bus = await make_bus("cases")
    outbox = Outbox(tables.outbox, source="cases")
    calls = {"n": 0}

    async def flaky_publish(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] <= 3:
            raise ConnectionError("broker unavailable")
        await bus.publish_raw(*args, **kwargs)

    relay = OutboxRelay(db, outbox, flaky_publish, idle_interval=0.3)
    relay.start()
    try:
        ids = await stage(db, outbox, 3)
        await eventually(lambda: set(ids) <= set(received), timeout=20)
        assert await unsent(db) == 0
        async with db.session() as session:
            attempts = (await session.scalars(select(tables.outbox.c.attempts))).all()
        assert sum(attempts) >= 3
    finally:
        await relay.stop()


async def test_events_staged_while_the_connection_is_lost_go_out_after_reconnection(
    db, make_bus, received, broker_proxy
):
    bus = await make_bus("cases", amqp_url=broker_proxy.url_through(amqp_url()))
    outbox = Outbox(tables.outbox, source="cases")
    relay = OutboxRelay(db, outbox, bus.publish_raw, idle_interval=0.3)
    relay.start()
    try:
        assert broker_proxy.cut() == 1
        ids = await stage(db, outbox, 5)
        await eventually(lambda: set(ids) <= set(received), timeout=40)
        assert sorted(set(received)) == sorted(ids)
    finally:
        await relay.stop()


async def test_events_staged_during_a_broker_outage_go_out_when_it_is_back(
    db, make_bus, received, broker_proxy
):
    bus = await make_bus("cases", amqp_url=broker_proxy.url_through(amqp_url()))
    outbox = Outbox(tables.outbox, source="cases")
    relay = OutboxRelay(db, outbox, bus.publish_raw, idle_interval=0.3)
    relay.start()
    try:
        broker_proxy.refusing = True
        assert broker_proxy.cut() == 1
        ids = await stage(db, outbox, 3)
        await asyncio.sleep(2)  # reconnection attempts are refused meanwhile
        assert received == [] and await unsent(db) == 3
        broker_proxy.refusing = False
        await eventually(lambda: set(ids) <= set(received), timeout=40)
        assert sorted(set(received)) == sorted(ids)
    finally:
        await relay.stop()


async def test_two_relays_publish_each_event_once(db, make_bus, received):
    outbox_a, outbox_b = Outbox(tables.outbox, source="cases"), Outbox(tables.outbox, source="cases")
    relays = [
        OutboxRelay(db, outbox_a, (await make_bus("cases")).publish_raw, batch=20),
        OutboxRelay(db, outbox_b, (await make_bus("cases")).publish_raw, batch=20),
    ]
    for relay in relays:
        relay.start()
    try:
        ids = []
        for _ in range(10):
            ids += await stage(db, outbox_a, 10)
            outbox_b.pending.set()  # both replicas race for the same rows
        await eventually(lambda: len(set(received)) == 100, timeout=30)
        await asyncio.sleep(0.5)
        assert sorted(received) == sorted(ids)  # no duplicates
    finally:
        for relay in relays:
            await relay.stop()
