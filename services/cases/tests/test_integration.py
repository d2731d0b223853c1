"""The critical paths on the real PostgreSQL (migrated schema) and over the real RabbitMQ."""

import asyncio
from datetime import timedelta

import aio_pika
import pytest
from sqlalchemy import update

from cases.case.jobs import close_resolved_cases
from cases.case.models import Case
from cases.main import create_app
from cases.settings import Settings
from services.cases.tests.cases_support import catalogue_event, shipment_event
from shared.db import utcnow
from shared.events import CloudEvent, new_event
from shared.events.accounts import DeviceUpserted, Location
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

DEVICE = DeviceUpserted(
    device_id="dev-int",
    account_id="acc-int",
    serial="SN-INT-1",
    model="imageRUNNER C3826i",
    model_class="colour",
    counters=["black", "colour"],
    location=Location(),
    response_time_hours=8,
    assigned_user_ids=["mgr-int"],
)
CASE = {
    "device_id": "dev-int",
    "type": "incident",
    "category": "print_quality",
    "subject": "Streaks",
    "description": "Grey streaks down every page.",
}


@pytest.fixture
async def postgres_url():
    async with fresh_postgres_database() as url:
        # The migrations create the schema, so this also proves they are complete.
        await asyncio.to_thread(upgrade, "cases", url)
        yield url


async def test_concurrent_creations_on_postgresql_get_distinct_sequential_numbers(
    postgres_url, jwt_keys, token_for
):
    app = create_app(Settings(database_url=postgres_url, amqp_url="memory://", jwt_public_keys=jwt_keys[1]))
    manager = {"Authorization": f"Bearer {token_for('mgr-int', memberships={'acc-int': 'device_manager'})}"}
    async with app_client(app) as client:
        await app.state.bus.deliver(new_event(DEVICE, source="accounts"))
        responses = await asyncio.gather(
            *(client.post("/api/cases/v1/cases", json=CASE, headers=manager) for _ in range(20))
        )
        assert [r.status_code for r in responses] == [201] * 20, [
            r.text for r in responses if r.status_code != 201
        ]
        numbers = sorted(int(r.json()["number"].rsplit("-", 1)[1]) for r in responses)
        assert numbers == list(range(1, 21))
        listed = await client.get("/api/cases/v1/cases", params={"limit": 100}, headers=manager)
        assert listed.json()["total"] == 20


async def test_workflow_and_auto_close_on_postgresql(postgres_url, jwt_keys, token_for):
    # The app's own auto-close job (it may run at any moment) leaves the cases to the passes the test runs itself.
    settings = Settings(
        database_url=postgres_url,
        amqp_url="memory://",
        jwt_public_keys=jwt_keys[1],
        auto_close_after_days=3650,
    )
    app = create_app(settings)
    manager = {"Authorization": f"Bearer {token_for('mgr-int', memberships={'acc-int': 'device_manager'})}"}
    agent = {"Authorization": f"Bearer {token_for('agent-int', staff_role='agent')}"}
    async with app_client(app) as client:
        await app.state.bus.deliver(new_event(DEVICE, source="accounts"))
        case_ids = [
            (await client.post("/api/cases/v1/cases", json=CASE, headers=manager)).json()["id"]
            for _ in range(3)
        ]
        base = f"/api/cases/v1/cases/{case_ids[0]}"
        for status in ("in_progress", "waiting_for_customer"):
            assert (
                await client.post(f"{base}/status", json={"status": status}, headers=agent)
            ).status_code == 200
        await client.post(f"{base}/messages", json={"body": "note", "internal": True}, headers=agent)
        assert (
            await client.post(f"{base}/messages", json={"body": "photo"}, headers=manager)
        ).status_code == 201
        detail = (await client.get(base, headers=manager)).json()
        assert detail["status"] == "in_progress"
        assert [e["kind"] for e in detail["timeline"]] == [
            "created",
            "status_changed",
            "status_changed",
            "message",
            "status_changed",
        ]
        illegal = await client.post(f"{base}/status", json={"status": "closed"}, headers=agent)
        assert illegal.status_code == 409

        for case_id in case_ids:
            for status in ["in_progress", "resolved"] if case_id != case_ids[0] else ["resolved"]:
                await client.post(
                    f"/api/cases/v1/cases/{case_id}/status", json={"status": status}, headers=agent
                )
        async with app.state.db.session() as session, session.begin():
            await session.execute(update(Case).values(resolved_at=utcnow() - timedelta(days=15)))
        # Two replicas' passes at once close each case exactly once (FOR UPDATE SKIP LOCKED).
        counts = await asyncio.gather(
            *(close_resolved_cases(app.state.db, app.state.outbox, timedelta(days=14)) for _ in range(2))
        )
        assert sum(counts) == 3
        listed = await client.get("/api/cases/v1/cases", params={"status": "closed"}, headers=manager)
        assert listed.json()["total"] == 3


async def test_over_rabbitmq_a_device_event_enables_cases_and_the_created_event_is_routed(
    sqlite_url, jwt_keys, token_for
):
    from cases.database import Base
    from conftest import create_all

    amqp, prefix = amqp_url(), unique_prefix()
    await create_all(sqlite_url, Base.metadata)
    app = create_app(
        Settings(
            database_url=sqlite_url,
            amqp_url=amqp,
            bus_prefix=prefix,
            jwt_public_keys=jwt_keys[1],
            bus_retry_delays_ms=(50, 100, 200),
        )
    )
    manager = {"Authorization": f"Bearer {token_for('mgr-int', memberships={'acc-int': 'device_manager'})}"}
    connection = await aio_pika.connect(amqp)
    try:
        async with app_client(app) as client:
            channel = await connection.channel()
            portal_exchange = await channel.declare_exchange(
                f"{prefix}selfservice.events", aio_pika.ExchangeType.TOPIC, durable=True
            )
            watcher = await channel.declare_queue(exclusive=True)
            await watcher.bind(portal_exchange, routing_key="cases.case.created")

            event = new_event(DEVICE, source="accounts")
            await portal_exchange.publish(
                aio_pika.Message(
                    event.model_dump_json().encode(),
                    content_type="application/cloudevents+json",
                    message_id=event.id,
                ),
                routing_key=event.type,
            )

            async def create_when_device_known():
                response = await client.post("/api/cases/v1/cases", json=CASE, headers=manager)
                assert response.status_code in (201, 404), response.text
                return response.json() if response.status_code == 201 else None

            case = await eventually(create_when_device_known, 10, interval=0.1)

            async def created_event():
                message = await watcher.get(no_ack=True, fail=False)
                return CloudEvent.model_validate_json(message.body) if message else None

            received = await eventually(created_event, 10, interval=0.1)
            assert (received.type, received.subject, received.data["number"]) == (
                "cases.case.created",
                case["id"],
                case["number"],
            )
            assert received.data["follower_ids"] == ["mgr-int"]
    finally:
        await connection.close()
        await delete_bus_objects(amqp, prefix, ["cases"])


async def test_over_rabbitmq_on_postgresql_logistics_reports_move_an_order_to_resolved(
    postgres_url, jwt_keys, token_for
):
    amqp, prefix = amqp_url(), unique_prefix()
    app = create_app(
        Settings(
            database_url=postgres_url,
            amqp_url=amqp,
            bus_prefix=prefix,
            jwt_public_keys=jwt_keys[1],
            bus_retry_delays_ms=(50, 100, 200),
        )
    )
    stock = {"Authorization": f"Bearer {token_for('stock-int', memberships={'acc-int': 'stock_manager'})}"}
    device = DEVICE.model_copy(update={"assigned_user_ids": ["stock-int"]})
    order = {
        "type": "consumables",
        "device_id": "dev-int",
        "items": [{"sku": "T-BK", "quantity": 2}],
        "shipping": {"use_device_location": True},
    }
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
            await watcher.bind(exchanges["selfservice.events"], routing_key="cases.order.shipped")

            async def publish(event, exchange: str) -> None:
                await exchanges[exchange].publish(
                    aio_pika.Message(
                        event.model_dump_json().encode(),
                        content_type="application/cloudevents+json",
                        message_id=event.id,
                    ),
                    routing_key=event.type,
                )

            await publish(new_event(device, source="accounts"), "selfservice.events")
            await publish(catalogue_event(model=DEVICE.model), "canon.sync")

            async def order_when_device_and_catalogue_known():
                response = await client.post("/api/cases/v1/cases", json=order, headers=stock)
                assert response.status_code in (201, 404, 422), response.text
                return response.json() if response.status_code == 201 else None

            case = await eventually(order_when_device_and_catalogue_known, 10, interval=0.1)
            assert case["department"] == "supplies"
            for status, extra in (
                ("accepted", {}),
                ("shipped", {"tracking_reference": "TR-INT", "carrier": "DHL"}),
                ("delivered", {}),
            ):
                await publish(shipment_event(case, status, **extra), "canon.sync")

            async def resolved():
                detail = (await client.get(f"/api/cases/v1/cases/{case['id']}", headers=stock)).json()
                return detail if detail["status"] == "resolved" else None

            detail = await eventually(resolved, 10, interval=0.1)
            assert detail["tracking_reference"] == "TR-INT"
            assert [e["status"] for e in detail["timeline"] if e["kind"] == "shipment"] == [
                "accepted",
                "shipped",
                "delivered",
            ]

            async def shipped_event():
                message = await watcher.get(no_ack=True, fail=False)
                return CloudEvent.model_validate_json(message.body) if message else None

            received = await eventually(shipped_event, 10, interval=0.1)
            assert (received.subject, received.data["tracking_reference"]) == (case["id"], "TR-INT")
    finally:
        await connection.close()
        await delete_bus_objects(amqp, prefix, ["cases"])
