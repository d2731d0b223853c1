"""The critical paths on the real PostgreSQL (migrated schema) and over the real RabbitMQ."""

import asyncio
import json
from datetime import timedelta

import aio_pika
import pytest
from sqlalchemy import func, select

from conftest import create_all
from meters.main import create_app
from meters.readings.models import Reading
from meters.requests.jobs import send_due_reminders
from meters.settings import Settings
from services.meters.tests.meters_support import billing_event, days_ago, feed_directory, fleet_event
from shared.migrate import upgrade
from shared.testing import (
    amqp_url,
    app_client,
    delete_bus_objects,
    eventually,
    fresh_postgres_database,
    unique_prefix,
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def postgres_url():
    async with fresh_postgres_database() as url:
        # The migrations create the schema, so this also proves they are complete.
        await asyncio.to_thread(upgrade, "meters", url)
        yield url


def settings_for(url: str, jwt_keys, **overrides) -> Settings:
    return Settings(
        database_url=url,
        amqp_url="memory://",
        jwt_public_keys=jwt_keys[1],
        reminder_interval_seconds=3600,
        **overrides,
    )


async def test_a_reading_of_the_same_day_committed_during_the_checks_is_refused_as_already_read(
    postgres_url, jwt_keys, token_for, monkeypatch
):
    from meters.devices.models import Account, local_date_of
    from meters.readings import rules

    app = create_app(settings_for(postgres_url, jwt_keys))
    manager = {"Authorization": f"Bearer {token_for('manager', memberships={'acc-1': 'device_manager'})}"}
    real_neighbours = rules.neighbours

    async def neighbours_once_a_rival_committed(session, device, read_at):
        # This request found no reading today; meanwhile one taken a moment earlier, with higher counters, commits.
        async with app.state.db.session() as other, other.begin():
            day = local_date_of(await other.get(Account, device.account_id), read_at)
            other.add(
                Reading(
                    id="rival",
                    device_id=device.id,
                    account_id=device.account_id,
                    local_date=day,
                    read_at=read_at - timedelta(milliseconds=1),
                    source="agent",
                    submitted_by="agent",
                    confirmed_implausible=False,
                    counters={"black": 200, "colour": 5},
                    created_at=read_at,
                )
            )
        return await real_neighbours(session, device, read_at)

    async with app_client(app) as client:
        await feed_directory(app.state.bus)
        monkeypatch.setattr(rules, "neighbours", neighbours_once_a_rival_committed)
        late = await client.post(
            "/api/meters/v1/devices/d1/readings",
            json={"counters": {"black": 100, "colour": 5}},
            headers=manager,
        )
    # Lower than the rival's, but refused for the day: the answer does not depend on when the rival committed.
    assert (late.status_code, late.json()["code"]) == (409, "already_read_today")


async def test_twenty_simultaneous_readings_of_one_device_and_day_accept_exactly_one(
    postgres_url, jwt_keys, token_for
):
    app = create_app(settings_for(postgres_url, jwt_keys))
    manager = {"Authorization": f"Bearer {token_for('manager', memberships={'acc-1': 'device_manager'})}"}
    async with app_client(app) as client:
        await feed_directory(app.state.bus)
        responses = await asyncio.gather(
            *(
                client.post(
                    "/api/meters/v1/devices/d1/readings",
                    json={"counters": {"black": 100 + n, "colour": 5}},
                    headers=manager,
                )
                for n in range(20)
            )
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201] + [409] * 19, [r.text for r in responses if r.status_code not in (201, 409)]
        assert {r.json()["code"] for r in responses if r.status_code == 409} == {"already_read_today"}
        async with app.state.db.session() as session:
            assert await session.scalar(select(func.count()).select_from(Reading)) == 1
        outbox = app.state.tables.outbox
        async with app.state.db.session() as session:
            accepted = await session.scalar(
                select(func.count())
                .select_from(outbox)
                .where(outbox.c.event_type == "meters.reading.accepted")
            )
        assert accepted == 1


async def test_two_meters_processes_send_a_reminder_once(postgres_url, jwt_keys):
    first, second = (create_app(settings_for(postgres_url, jwt_keys)) for _ in range(2))
    async with app_client(first), app_client(second):
        await feed_directory(first.state.bus)
        for n in range(5):
            await first.state.bus.deliver(billing_event(f"bill-{n}", ["d1", "d4"], due_in_days=1))
        passes = [
            send_due_reminders(app.state.db, app.state.outbox, days_before=2)
            for app in (first, second)
            for _ in range(3)
        ]
        assert sum(await asyncio.gather(*passes)) == 5
        outbox = first.state.tables.outbox
        async with first.state.db.session() as session:
            payloads = (
                await session.scalars(
                    select(outbox.c.payload).where(outbox.c.event_type == "meters.read_request.reminded")
                )
            ).all()
        assert sorted(json.loads(p)["data"]["request_id"] for p in payloads) == [
            f"bill-{n}" for n in range(5)
        ]


async def test_rules_and_request_closing_on_postgresql(postgres_url, jwt_keys, token_for):
    app = create_app(settings_for(postgres_url, jwt_keys))
    manager = {"Authorization": f"Bearer {token_for('manager', memberships={'acc-1': 'device_manager'})}"}
    async with app_client(app) as client:
        await feed_directory(app.state.bus)
        await app.state.bus.deliver(fleet_event("d1", days_ago(2), black=1_000, colour=100))
        await app.state.bus.deliver(fleet_event("d1", days_ago(1), black=900, colour=100))
        await app.state.bus.deliver(billing_event("bill-1", ["d1"]))
        lower = await client.post(
            "/api/meters/v1/devices/d1/readings",
            json={"counters": {"black": 999, "colour": 100}},
            headers=manager,
        )
        assert (lower.status_code, lower.json()["code"], lower.json()["previous_value"]) == (
            409,
            "lower_than_previous",
            1_000,
        )
        ok = await client.post(
            "/api/meters/v1/devices/d1/readings",
            json={"counters": {"black": 1_100, "colour": 100}},
            headers=manager,
        )
        assert ok.status_code == 201, ok.text
        history = (await client.get("/api/meters/v1/devices/d1/readings", headers=manager)).json()
        assert [i["source"] for i in history["items"]] == ["customer", "automatic"]
        assert (await client.get("/api/meters/v1/due-readings", headers=manager)).json()["items"] == []
        outbox = app.state.tables.outbox
        async with app.state.db.session() as session:
            types = (await session.scalars(select(outbox.c.event_type))).all()
        assert types.count("meters.reading.rejected") == 1 and types.count("meters.read_request.closed") == 1


async def test_over_rabbitmq_a_collected_meter_is_stored_as_an_automatic_reading(
    sqlite_url, jwt_keys, token_for
):
    from meters.database import Base

    amqp, prefix = amqp_url(), unique_prefix()
    await create_all(sqlite_url, Base.metadata)
    app = create_app(
        Settings(
            database_url=sqlite_url,
            amqp_url=amqp,
            bus_prefix=prefix,
            jwt_public_keys=jwt_keys[1],
            bus_retry_delays_ms=(50, 100, 200),
            reminder_interval_seconds=3600,
        )
    )
    admin = {"Authorization": f"Bearer {token_for('admin', memberships={'acc-1': 'administrator'})}"}
    connection = await aio_pika.connect(amqp)
    try:
        async with app_client(app) as client:
            channel = await connection.channel()
            exchanges = {
                name: await channel.declare_exchange(
                    f"{prefix}{name}", aio_pika.ExchangeType.TOPIC, durable=True
                )
                for name in ("selfservice.events", "canon.sync")
            }
            watcher = await channel.declare_queue(exclusive=True)
            await watcher.bind(exchanges["selfservice.events"], routing_key="meters.reading.accepted")

            async def publish(event, exchange: str) -> None:
                await exchanges[exchange].publish(
                    aio_pika.Message(
                        event.model_dump_json().encode(),
                        content_type="application/cloudevents+json",
                        message_id=event.id,
                    ),
                    routing_key=event.type,
                )

            # The directory first (accounts' events), then the fleet software's collection on canon.sync.
            await feed_directory(_Publisher(publish))
            await publish(fleet_event("d1", days_ago(1), black=4_321, colour=12), "canon.sync")

            async def stored():
                response = await client.get("/api/meters/v1/devices/d1/readings", headers=admin)
                return response.json()["latest"] if response.status_code == 200 else None

            latest = await eventually(stored, 15, interval=0.1)
            assert (latest["source"], latest["counters"]) == ("automatic", {"black": 4_321, "colour": 12})

            async def accepted_event():
                message = await watcher.get(no_ack=True, fail=False)
                return json.loads(message.body) if message else None

            event = await eventually(accepted_event, 10, interval=0.1)
            assert (event["type"], event["data"]["reading_id"], event["data"]["source"]) == (
                "meters.reading.accepted",
                latest["id"],
                "automatic",
            )
    finally:
        await connection.close()
        await delete_bus_objects(amqp, prefix, ["meters"], retry_delays_ms=(50, 100, 200))


class _Publisher:
    """feed_directory's `deliver` over the real broker: accounts' events on the portal exchange."""

    def __init__(self, publish) -> None:
        self.publish = publish

    async def deliver(self, event) -> None:
        await self.publish(event, "selfservice.events")
