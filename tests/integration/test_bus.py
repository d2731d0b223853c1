"""The bus over the real RabbitMQ and PostgreSQL: routing, idempotency, retries, parking, reconnection."""

import asyncio
import json
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import aio_pika
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from shared.bus import EventHandlers, HandlerContext, PermanentError
from shared.db import Database
from shared.events import VENDOR_EXCHANGE, EventData, new_event
from shared.events.cases import CaseMessageAdded, CaseStatusChanged
from shared.events.vendor import CrmProductRemoved
from shared.outbox import Outbox
from shared.testing import TcpProxy, amqp_url, eventually, fresh_postgres_database
from tests.integration.conftest import effects, metadata, tables

pytestmark = pytest.mark.integration


def status_changed(case_id: str = "c1") -> CaseStatusChanged:
    return CaseStatusChanged(
        case_id=case_id,
        number="CS-2026-000001",
        account_id="a1",
        subject="Jam",
        old_status="new",
        new_status="in_progress",
        changed_by="u1",
        changed_by_side="vendor",
        follower_ids=["u2"],
        changed_at=datetime.now(UTC),
    )


def message_added() -> CaseMessageAdded:
    return CaseMessageAdded(
        case_id="c1",
        number="CS-2026-000001",
        account_id="a1",
        subject="Jam",
        message_id="m1",
        author_id="u1",
        author_side="vendor",
        internal=False,
        body="Hi",
        follower_ids=[],
        added_at=datetime.now(UTC),
    )


def recording_handlers(
    *contracts: type[EventData], fail_times: int = 0, permanent: bool = False
) -> EventHandlers:
    handlers, failures = EventHandlers(), {"left": fail_times}

    async def record(ctx: HandlerContext, data) -> None:
        if permanent:
            raise PermanentError("this event can never be applied")
        if failures["left"] > 0:
            failures["left"] -= 1
            raise RuntimeError("database hiccup")
        await ctx.session.execute(insert(effects).values(event_id=ctx.event.id, note=ctx.event.type))

    for contract in contracts:
        handlers.on(contract)(record)
    return handlers


async def effect_count(db, event_id: str | None = None) -> int:
    async with db.session() as session:
        query = select(func.count()).select_from(effects)
        if event_id:
            query = query.where(effects.c.event_id == event_id)
        return await session.scalar(query)


async def parked_messages(bus, expected: int) -> list[aio_pika.abc.AbstractIncomingMessage]:
    channel = await bus.connection.channel()
    queue = await channel.get_queue(bus.names.parked)
    found = []

    async def collect():
        while (message := await queue.get(fail=False)) is not None:
            found.append(message)
            await message.ack()
        return len(found) >= expected

    await eventually(collect)
    return found


async def test_routing_delivers_only_bound_types_from_both_exchanges(db, make_bus):
    consumer = await make_bus()
    await consumer.start_consuming(recording_handlers(CaseStatusChanged, CrmProductRemoved), db, tables.inbox)
    publisher = await make_bus("publisher")
    wanted = new_event(status_changed(), source="test")
    vendor = new_event(CrmProductRemoved(serial="SN1"), source="crm")
    await publisher.publish(new_event(message_added(), source="test"))  # not bound: never delivered
    await publisher.publish(wanted)
    await publisher.publish(vendor, VENDOR_EXCHANGE)
    await eventually(lambda: _has(db, 2))
    async with db.session() as session:
        notes = set((await session.scalars(select(effects.c.note))).all())
    assert notes == {"cases.case.status_changed", "crm.product.removed"}


async def _has(db, count: int) -> bool:
    return await effect_count(db) >= count


async def test_the_same_event_delivered_twice_has_one_effect(db, make_bus):
    consumer = await make_bus()
    await consumer.start_consuming(recording_handlers(CaseStatusChanged), db, tables.inbox)
    publisher = await make_bus("publisher")
    event, marker = new_event(status_changed(), source="test"), new_event(status_changed("c2"), source="test")
    await publisher.publish(event)
    await publisher.publish(event)
    await publisher.publish(marker)  # once this one is handled, the duplicate before it was too
    await eventually(lambda: _has_event(db, marker.id))
    assert await effect_count(db, event.id) == 1


async def _has_event(db, event_id: str) -> bool:
    return await effect_count(db, event_id) == 1


async def test_a_failing_handler_is_retried_through_the_delay_queues(db, make_bus):
    consumer = await make_bus()
    await consumer.start_consuming(recording_handlers(CaseStatusChanged, fail_times=2), db, tables.inbox)
    publisher = await make_bus("publisher")
    event = new_event(status_changed(), source="test")
    await publisher.publish(event)
    await eventually(lambda: _has_event(db, event.id))


async def test_malformed_messages_are_parked_with_their_reason_and_the_rest_still_flow(db, make_bus):
    consumer = await make_bus()
    await consumer.start_consuming(recording_handlers(CaseStatusChanged), db, tables.inbox)
    exchange = consumer._exchanges["selfservice.events"]
    key = "cases.case.status_changed"
    await exchange.publish(aio_pika.Message(b"{not json"), routing_key=key)
    bad_data = new_event(status_changed(), source="test").model_dump(mode="json")
    bad_data["data"]["new_status"] = "exploded"
    await exchange.publish(aio_pika.Message(json.dumps(bad_data).encode()), routing_key=key)
    good = new_event(status_changed(), source="test")
    await consumer.publish(good)
    await eventually(lambda: _has_event(db, good.id))
    parked = await parked_messages(consumer, 2)
    reasons = sorted(str(m.headers["x-parked-reason"]) for m in parked)
    assert all(r.startswith("malformed event") for r in reasons)
    assert any("new_status" in r for r in reasons)
    assert {m.body for m in parked} == {b"{not json", json.dumps(bad_data).encode()}


async def test_a_handler_that_keeps_failing_is_parked_after_the_last_retry(db, make_bus):
    consumer = await make_bus()
    await consumer.start_consuming(recording_handlers(CaseStatusChanged, fail_times=99), db, tables.inbox)
    event = new_event(status_changed(), source="test")
    await consumer.publish(event)
    [parked] = await parked_messages(consumer, 1)
    assert parked.message_id == event.id
    assert "failed after 3 attempts" in str(parked.headers["x-parked-reason"])
    assert "database hiccup" in str(parked.headers["x-parked-reason"])
    assert await effect_count(db) == 0


async def test_a_permanent_error_is_parked_at_once(db, make_bus):
    consumer = await make_bus()
    await consumer.start_consuming(recording_handlers(CaseStatusChanged, permanent=True), db, tables.inbox)
    await consumer.publish(new_event(status_changed(), source="test"))
    [parked] = await parked_messages(consumer, 1)
    assert "can never be applied" in str(parked.headers["x-parked-reason"])
    assert "x-retry-count" not in parked.headers


async def test_consumer_keeps_consuming_after_the_broker_drops_its_connection(db, make_bus, broker_proxy):
    consumer = await make_bus(amqp_url=broker_proxy.url_through(amqp_url()))
    await consumer.start_consuming(recording_handlers(CaseStatusChanged), db, tables.inbox)
    publisher = await make_bus("publisher")
    first = new_event(status_changed(), source="test")
    await publisher.publish(first)
    await eventually(lambda: _has_event(db, first.id))

    assert broker_proxy.cut() == 1
    await eventually(lambda: not consumer.is_ready(), timeout=10)
    await eventually(consumer.is_ready, timeout=30)

    second = new_event(status_changed(), source="test")
    await publisher.publish(second)
    await eventually(lambda: _has_event(db, second.id), timeout=30)


async def test_unknown_event_types_are_parked_not_lost(db, make_bus):
    consumer = await make_bus()
    await consumer.start_consuming(recording_handlers(CaseStatusChanged), db, tables.inbox)
    envelope = new_event(status_changed(), source="test").model_dump(mode="json")
    envelope["type"] = "cases.case.teleported"
    envelope["id"] = str(uuid.uuid4())
    exchange = consumer._exchanges["selfservice.events"]
    await exchange.publish(
        aio_pika.Message(json.dumps(envelope).encode()), routing_key="cases.case.status_changed"
    )
    [parked] = await parked_messages(consumer, 1)
    assert "no contract for event type 'cases.case.teleported'" in str(parked.headers["x-parked-reason"])
    assert parked.headers["x-parked-kind"] == "no_contract"


async def test_an_event_whose_type_is_not_its_routing_key_is_parked_with_the_reason(db, make_bus):
    consumer = await make_bus()
    await consumer.start_consuming(recording_handlers(CaseStatusChanged, CaseMessageAdded), db, tables.inbox)
    parked_before = _counted("events_parked_total", queue=consumer.names.queue, reason="type_mismatch")
    disguised = new_event(status_changed(), source="test")
    exchange = consumer._exchanges["selfservice.events"]
    await exchange.publish(
        aio_pika.Message(disguised.model_dump_json().encode(), message_id=disguised.id),
        routing_key="cases.message.added",
    )
    honest = new_event(message_added(), source="test")
    await consumer.publish(honest)
    await eventually(lambda: _has_event(db, honest.id))
    [parked] = await parked_messages(consumer, 1)
    assert parked.message_id == disguised.id
    assert parked.headers["x-parked-kind"] == "type_mismatch"
    assert str(parked.headers["x-parked-reason"]) == (
        "event type 'cases.case.status_changed' differs from the routing key 'cases.message.added' "
        "it was published with"
    )
    assert await effect_count(db, disguised.id) == 0
    assert (
        _counted("events_parked_total", queue=consumer.names.queue, reason="type_mismatch")
        == parked_before + 1
    )


async def test_an_event_retried_through_the_tiers_keeps_the_routing_key_it_was_published_with(db, make_bus):
    consumer = await make_bus()
    await consumer.start_consuming(recording_handlers(CaseStatusChanged, fail_times=2), db, tables.inbox)
    event = new_event(status_changed(), source="test")
    await consumer.publish(event)
    await eventually(lambda: _has_event(db, event.id))  # back from the retry queues, not taken for a disguise
    assert await list_parked_now(consumer) == []


async def list_parked_now(bus) -> list:
    from shared.parked import list_parked

    return await list_parked(bus.amqp_url, bus.names)


async def test_an_operator_lists_and_replays_parked_messages(db, make_bus):
    from shared.parked import list_parked, replay_parked

    handlers = recording_handlers(CaseStatusChanged, fail_times=3)  # fails through every retry once
    consumer = await make_bus()
    await consumer.start_consuming(handlers, db, tables.inbox)
    event = new_event(status_changed(), source="test")
    await consumer.publish(event)

    async def parked_listing():
        return await list_parked(consumer.amqp_url, consumer.names)

    [entry] = await eventually(parked_listing)
    assert entry.message_id == event.id and "database hiccup" in entry.reason
    assert (entry.type, entry.kind, entry.replays) == ("cases.case.status_changed", "retries_spent", 0)
    assert await effect_count(db) == 0
    assert len((await replay_parked(consumer.amqp_url, consumer.names)).replayed) == 1
    await eventually(lambda: _has_event(db, event.id))
    assert await list_parked(consumer.amqp_url, consumer.names) == []


async def test_events_are_handled_in_the_order_they_were_published(db, make_bus):
    handlers = EventHandlers()

    @handlers.on(CaseStatusChanged)
    async def record_slowly(ctx: HandlerContext, data) -> None:
        await asyncio.sleep(0.001 * (hash(ctx.event.id) % 5))  # uneven handler times must not reorder
        await ctx.session.execute(insert(effects).values(event_id=ctx.event.id, note=data.case_id))

    consumer = await make_bus(prefetch=32)
    await consumer.start_consuming(handlers, db, tables.inbox)
    case_ids = [f"c{i:03d}" for i in range(60)]
    for case_id in case_ids:
        await consumer.publish(new_event(status_changed(case_id), source="test"))
    await eventually(lambda: _has(db, len(case_ids)))
    async with db.session() as session:
        handled = (await session.scalars(select(effects.c.note).order_by(effects.c.id))).all()
    assert handled == case_ids


async def test_events_that_queue_up_are_handled_in_runs_with_one_transaction_each(db, make_bus):
    handlers, runs = EventHandlers(), []

    @handlers.on_batch(CaseStatusChanged)
    async def record_run(ctx: HandlerContext, items) -> None:
        runs.append(len(items))
        await ctx.session.execute(insert(effects), [{"event_id": e.id, "note": d.case_id} for d, e in items])
        await asyncio.sleep(0.05)  # slow enough for the rest to queue up behind the first run

    consumer = await make_bus(prefetch=50)
    await consumer.declare_topology(
        consumer.publish_channel, handlers.by_type
    )  # the queue fills before consuming
    case_ids = [f"c{i:03d}" for i in range(100)]
    for case_id in case_ids:
        await consumer.publish(new_event(status_changed(case_id), source="test"))
    await consumer.start_consuming(handlers, db, tables.inbox)
    await eventually(lambda: _has(db, len(case_ids)))
    async with db.session() as session:
        handled = (await session.scalars(select(effects.c.note).order_by(effects.c.id))).all()
    assert handled == case_ids
    assert sum(runs) == 100 and max(runs) > 1 and max(runs) <= 50


async def test_a_run_that_fails_is_handled_one_event_at_a_time_and_only_the_bad_one_is_parked(db, make_bus):
    handlers = EventHandlers()

    @handlers.on(CaseStatusChanged)
    async def record_unless_bad(ctx: HandlerContext, data) -> None:
        if data.case_id == "bad":
            raise PermanentError("this case can never be applied")
        await ctx.session.execute(insert(effects).values(event_id=ctx.event.id, note=data.case_id))

    consumer = await make_bus(prefetch=50)
    await consumer.declare_topology(consumer.publish_channel, handlers.by_type)
    case_ids = ["c1", "c2", "bad", "c3", "c4"]
    events = [new_event(status_changed(case_id), source="test") for case_id in case_ids]
    for event in events:
        await consumer.publish(event)
    await consumer.start_consuming(handlers, db, tables.inbox)
    [parked] = await parked_messages(consumer, 1)
    assert parked.message_id == events[2].id
    await eventually(lambda: _has(db, 4))
    async with db.session() as session:
        handled = (await session.scalars(select(effects.c.note).order_by(effects.c.id))).all()
    assert handled == ["c1", "c2", "c3", "c4"]


async def test_events_a_handler_is_not_for_are_acked_without_a_transaction_or_an_inbox_row(db, make_bus):
    handlers, transactions = EventHandlers(), []

    @handlers.on(CaseStatusChanged, when=lambda data: data.case_id.startswith("keep"))
    async def record(ctx: HandlerContext, data) -> None:
        transactions.append(id(ctx.session))
        await ctx.session.execute(insert(effects).values(event_id=ctx.event.id, note=data.case_id))

    consumer = await make_bus(prefetch=50)
    await consumer.declare_topology(
        consumer.publish_channel, handlers.by_type
    )  # the queue fills before consuming
    kept = new_event(status_changed("keep-1"), source="test")
    skipped = [new_event(status_changed(f"skip-{n}"), source="test") for n in range(40)]
    last = new_event(status_changed("keep-2"), source="test")  # handled in order: once it is, so is the rest
    for event in [skipped[0], kept, *skipped[1:], last]:
        await consumer.publish(event)
    await consumer.start_consuming(handlers, db, tables.inbox)
    await eventually(lambda: _has_event(db, last.id))
    async with db.session() as session:
        handled = (await session.scalars(select(effects.c.note).order_by(effects.c.id))).all()
        inbox_rows = set((await session.scalars(select(tables.inbox.c.event_id))).all())
    assert handled == ["keep-1", "keep-2"]
    assert inbox_rows == {kept.id, last.id}
    assert len(transactions) <= 2  # none for the runs of skipped events alone


async def test_an_event_no_queue_is_bound_for_is_confirmed_and_counted_as_unroutable(make_bus):
    publisher = await make_bus("publisher")
    nobody_binds = new_event(message_added(), source="test")
    before = _counted("events_unroutable_total", type=nobody_binds.type)
    await publisher.publish(nobody_binds)
    await eventually(lambda: _counted("events_unroutable_total", type=nobody_binds.type) == before + 1)


def _counted(metric: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(metric, labels) or 0.0


async def test_closing_lets_the_run_in_hand_commit_and_be_acked_and_leaves_the_rest_for_the_next_consumer(
    db, make_bus
):
    handlers, started = EventHandlers(), asyncio.Event()

    @handlers.on(CaseStatusChanged)
    async def record_slowly(ctx: HandlerContext, data) -> None:
        started.set()
        await asyncio.sleep(0.05)
        await ctx.session.execute(insert(effects).values(event_id=ctx.event.id, note=data.case_id))

    first = await make_bus(prefetch=50)
    await first.declare_topology(first.publish_channel, handlers.by_type)
    events = [new_event(status_changed(f"c{n:02d}"), source="test") for n in range(30)]
    for event in events:
        await first.publish(event)
    duplicates = _counted("events_consumed_total", type="cases.case.status_changed", outcome="duplicate")
    await first.start_consuming(handlers, db, tables.inbox)
    await started.wait()
    await first.close()
    in_hand = await effect_count(db)
    assert (
        0 < in_hand < len(events)
    )  # the run in hand committed before the connection went, the rest did not start

    second = await make_bus(prefetch=50)
    await second.start_consuming(handlers, db, tables.inbox)
    await eventually(lambda: _has(db, len(events)))
    async with db.session() as session:
        handled = (await session.scalars(select(effects.c.event_id).order_by(effects.c.id))).all()
    assert handled == [e.id for e in events]
    # The run in hand was acked: none of it came again.
    assert (
        _counted("events_consumed_total", type="cases.case.status_changed", outcome="duplicate") == duplicates
    )


async def test_not_ready_while_the_broker_has_cancelled_the_consumer(db, make_bus):
    consumer = await make_bus()
    await consumer.start_consuming(recording_handlers(CaseStatusChanged), db, tables.inbox)
    assert consumer.is_ready()
    connection = await aio_pika.connect(consumer.amqp_url)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(consumer.names.queue)  # the broker cancels the consumer; the channel stays
    await eventually(lambda: not consumer.is_ready(), timeout=10)
    assert not consumer.consume_channel.is_closed


async def test_a_handler_publishes_through_its_context_in_its_own_transaction(db, make_bus):
    handlers = EventHandlers()

    @handlers.on(CrmProductRemoved)
    async def announce_removal(ctx: HandlerContext, data: CrmProductRemoved) -> None:
        await ctx.session.execute(insert(effects).values(event_id=ctx.event.id, note=data.serial))
        await ctx.publish(status_changed(data.serial), subject=data.serial)
        if data.serial == "SN-bad":
            raise PermanentError("rolled back with its event")

    outbox = Outbox(tables.outbox, source="probe")
    consumer = await make_bus()
    await consumer.start_consuming(handlers, db, tables.inbox, SimpleNamespace(outbox=outbox))
    bad, good = (new_event(CrmProductRemoved(serial=s), source="crm") for s in ("SN-bad", "SN-1"))
    await consumer.publish(bad, VENDOR_EXCHANGE)
    await consumer.publish(good, VENDOR_EXCHANGE)
    await eventually(lambda: _has_event(db, good.id))
    async with db.session() as session:
        staged = (await session.execute(select(tables.outbox.c.event_type, tables.outbox.c.payload))).all()
    assert [row.event_type for row in staged] == ["cases.case.status_changed"]
    assert json.loads(staged[0].payload)["subject"] == "SN-1"
    assert outbox.pending.is_set()  # the relay is woken by the handler's commit


async def test_a_database_outage_longer_than_every_retry_holds_the_events_and_parks_none(make_bus):
    """The retry tiers here take 150 ms in all; the database refuses connections for seconds while events
    arrive. The consumer holds them, says it is paused, and handles each once the database is back."""
    async with fresh_postgres_database() as url:
        direct = Database(url)
        async with direct.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        target = make_url(url)
        proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
        await proxy.start()
        through_proxy = Database(
            target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        )
        try:
            consumer = await make_bus(prefetch=20)
            await consumer.start_consuming(recording_handlers(CaseStatusChanged), through_proxy, tables.inbox)
            before = new_event(status_changed("before"), source="test")
            await consumer.publish(before)
            await eventually(lambda: _has_event(direct, before.id))

            proxy.refusing = True
            proxy.cut()
            during = [new_event(status_changed(f"c{n:02d}"), source="test") for n in range(30)]
            for event in during:
                await consumer.publish(event)
                await asyncio.sleep(0.1)
            paused = {"queue": consumer.names.queue}
            assert REGISTRY.get_sample_value("bus_consumer_paused", paused) == 1.0
            assert not await through_proxy.ping()
            assert await effect_count(direct) == 1
            proxy.refusing = False

            await eventually(lambda: _has(direct, 1 + len(during)), timeout=30)
            assert await list_parked_now(consumer) == []
            for event in during:
                assert await effect_count(direct, event.id) == 1, event.id
            assert REGISTRY.get_sample_value("bus_consumer_paused", paused) == 0.0
        finally:
            await through_proxy.dispose()
            await direct.dispose()
            await proxy.close()


async def test_a_broker_connection_lost_mid_event_spends_no_retry_and_handles_it_once(
    db, make_bus, broker_proxy
):
    handlers, started, release = EventHandlers(), asyncio.Event(), asyncio.Event()

    @handlers.on(CaseStatusChanged)
    async def record_slowly(ctx: HandlerContext, data) -> None:
        started.set()
        await release.wait()
        await ctx.session.execute(insert(effects).values(event_id=ctx.event.id, note=data.case_id))

    retried = _counted("events_consumed_total", type="cases.case.status_changed", outcome="retried")
    consumer = await make_bus(amqp_url=broker_proxy.url_through(amqp_url()), prefetch=20)
    await consumer.start_consuming(handlers, db, tables.inbox)
    publisher = await make_bus("publisher")
    events = [new_event(status_changed(f"c{n}"), source="test") for n in range(5)]
    for event in events:
        await publisher.publish(event)
    await started.wait()
    assert broker_proxy.cut() == 1  # the deliveries in hand can no longer be acked
    release.set()
    await eventually(consumer.is_ready, timeout=30)
    await eventually(lambda: _has(db, len(events)), timeout=30)
    for event in events:  # the inbox absorbed the redelivery of what was handled before the ack could go
        assert await effect_count(db, event.id) == 1
    assert await list_parked_now(consumer) == []
    assert _counted("events_consumed_total", type="cases.case.status_changed", outcome="retried") == retried
