"""The operator's command for parked messages over the real broker: it works on the broker and names of the
services' settings and says which; it lists reason, type, age and replays; a replay asks first, takes one message
or all, counts itself, and does not replay a message parked for a permanent error more than once unless forced."""

import asyncio
import json
import sys

import pytest

from shared.events import new_event
from shared.events.cases import CaseStatusChanged
from shared.parked import list_parked, main, replay_parked
from shared.testing import eventually
from tests.integration.conftest import tables
from tests.integration.test_bus import recording_handlers, status_changed

pytestmark = pytest.mark.integration


async def parked_count(bus, count: int) -> list:
    async def listed():
        found = await list_parked(bus.amqp_url, bus.names)
        return found if len(found) == count else None

    return await eventually(listed)


@pytest.fixture
async def refusing_consumer(db, make_bus):
    """A consumer whose handler refuses every event for good (a PermanentError), and two such events parked."""
    consumer = await make_bus()
    await consumer.start_consuming(recording_handlers(CaseStatusChanged, permanent=True), db, tables.inbox)
    events = [new_event(status_changed(f"bad-{n}"), source="test") for n in range(2)]
    for event in events:
        await consumer.publish(event)
    await parked_count(consumer, 2)
    return consumer, events


async def test_two_permanently_bad_messages_are_replayed_once_each_and_then_left_parked(refusing_consumer):
    consumer, events = refusing_consumer
    first = await replay_parked(consumer.amqp_url, consumer.names)
    assert {p.message_id for p in first.replayed} == {e.id for e in events}
    assert first.refused == []

    async def parked_again():
        found = await list_parked(consumer.amqp_url, consumer.names)
        return found if len(found) == 2 and all(p.replays == 1 for p in found) else None

    again = await eventually(parked_again)
    assert {p.kind for p in again} == {"refused"}
    second = await replay_parked(consumer.amqp_url, consumer.names)
    assert second.replayed == [] and len(second.refused) == 2
    forced = await replay_parked(consumer.amqp_url, consumer.names, message_id=events[0].id, force=True)
    assert [p.message_id for p in forced.replayed] == [events[0].id]

    async def replayed_twice():
        found = {p.message_id: p.replays for p in await list_parked(consumer.amqp_url, consumer.names)}
        return found if found == {events[0].id: 2, events[1].id: 1} else None

    await eventually(replayed_twice)


async def test_the_command_names_its_broker_lists_and_asks_before_replaying(
    refusing_consumer, monkeypatch, capsys
):
    consumer, events = refusing_consumer
    monkeypatch.setenv("AMQP_URL", consumer.amqp_url)
    monkeypatch.setenv("BUS_PREFIX", consumer.names.queue.removesuffix("probe.events"))
    assert await asyncio.to_thread(main, ["probe", "list", "--json"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert (
        out[0].startswith("broker amqp://")
        and repr(consumer.names.queue.removesuffix("probe.events")) in out[0]
    )
    assert ":guest@" not in out[0]  # no password on the console
    listed = [json.loads(line) for line in out[1:]]
    assert {entry["message_id"] for entry in listed} == {e.id for e in events}
    for entry in listed:
        assert entry["type"] == "cases.case.status_changed" and entry["kind"] == "refused"
        assert "can never be applied" in entry["reason"] and entry["replays"] == 0 and entry["age"]

    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    assert (
        await asyncio.to_thread(main, ["probe", "replay"]) == 1
    )  # nobody to ask and no --yes: nothing replayed
    assert "give --yes" in capsys.readouterr().out
    assert all(p.replays == 0 for p in await list_parked(consumer.amqp_url, consumer.names))

    assert await asyncio.to_thread(main, ["probe", "replay", events[1].id, "--yes"]) == 0
    assert "replayed 1 message(s)" in capsys.readouterr().out

    async def one_replayed():
        found = {p.message_id: p.replays for p in await list_parked(consumer.amqp_url, consumer.names)}
        return found if found == {events[0].id: 0, events[1].id: 1} else None

    await eventually(one_replayed)
    assert await asyncio.to_thread(main, ["probe", "replay", "--yes"]) == 0
    said = capsys.readouterr().out
    assert "replayed 1 message(s)" in said and f"not replayed {events[1].id}" in said and "--force" in said


async def test_parked_counts_per_reason_are_in_the_metrics(refusing_consumer):
    from prometheus_client import REGISTRY

    consumer, _ = refusing_consumer
    labels = {"queue": consumer.names.queue, "reason": "refused"}
    assert REGISTRY.get_sample_value("events_parked_total", labels) == 2.0


async def test_a_message_the_broker_parked_at_its_delivery_limit_is_listed_with_that_reason(db, make_bus):
    consumer = await make_bus(delivery_limit=2)
    await consumer.declare_topology(consumer.publish_channel, ["cases.case.status_changed"])
    event = new_event(status_changed("returned"), source="test")
    await consumer.publish(event)
    channel = await consumer.connection.channel()
    queue = await channel.get_queue(consumer.names.queue)

    async def returned_once_more() -> bool:  # a consumer that crashes on it, again and again
        message = await queue.get(fail=False)
        if message is not None:
            await message.reject(requeue=True)
        return message is None

    await eventually(returned_once_more)
    [parked] = await parked_count(consumer, 1)
    assert (parked.message_id, parked.kind, parked.replays) == (event.id, "delivery_limit", 0)
    assert "x-delivery-limit" in parked.reason and parked.parked_at is not None
    assert not parked.permanent  # a crash is no fault of the event: it may be replayed again
