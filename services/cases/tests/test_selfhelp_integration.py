"""Guided self-help on the real PostgreSQL (migrated schema) and over the real RabbitMQ (F-16, F-51): a run's
ends reach the portal's exchange as `cases.selfhelp.run_finished`, and the supervisors' figures add up there."""

import asyncio

import aio_pika
import pytest

from cases.main import create_app
from cases.settings import Settings
from services.cases.tests.test_integration import DEVICE
from services.cases.tests.test_selfhelp import definition
from shared.events import CloudEvent, new_event
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
API = "/api/cases/v1"


async def test_over_rabbitmq_on_postgresql_a_solved_run_then_a_case_is_published_twice_and_counted(
    jwt_keys, token_for
):
    amqp, prefix = amqp_url(), unique_prefix()
    async with fresh_postgres_database() as url:
        await asyncio.to_thread(upgrade, "cases", url)
        app = create_app(
            Settings(database_url=url, amqp_url=amqp, bus_prefix=prefix, jwt_public_keys=jwt_keys[1])
        )
        manager = {
            "Authorization": f"Bearer {token_for('mgr-int', memberships={'acc-int': 'device_manager'})}"
        }
        boss = {"Authorization": f"Bearer {token_for('boss-int', staff_role='supervisor')}"}
        connection = await aio_pika.connect(amqp)
        try:
            async with app_client(app) as client:
                channel = await connection.channel()
                exchange = await channel.declare_exchange(
                    f"{prefix}selfservice.events", aio_pika.ExchangeType.TOPIC, durable=True
                )
                watcher = await channel.declare_queue(exclusive=True)
                await watcher.bind(exchange, routing_key="cases.selfhelp.run_finished")
                device = new_event(DEVICE, source="accounts")
                await exchange.publish(
                    aio_pika.Message(device.model_dump_json().encode(), message_id=device.id),
                    routing_key=device.type,
                )
                guide = (
                    await client.post(
                        f"{API}/managed-guides",
                        json={"key": "paper-jam", "definition": definition()},
                        headers=boss,
                    )
                ).json()
                assert (
                    await client.post(f"{API}/managed-guides/{guide['id']}/publish", headers=boss)
                ).status_code == 200

                async def started():
                    body = {"guide_id": guide["id"], "device_id": "dev-int"}
                    answer = await client.post(f"{API}/guide-runs", json=body, headers=manager)
                    assert answer.status_code in (201, 404), answer.text
                    return answer.json() if answer.status_code == 201 else None

                run = await eventually(started, 10, interval=0.1)
                answer = {"step": "s1", "answer": "solved"}
                solved = await client.post(
                    f"{API}/guide-runs/{run['id']}/answers", json=answer, headers=manager
                )
                assert solved.json()["status"] == "solved"
                case = {
                    "device_id": "dev-int",
                    "type": "incident",
                    "category": "paper_jam",
                    "subject": "s",
                    "description": "d",
                }
                created = await client.post(f"{API}/cases", json=case, headers=manager)
                assert created.status_code == 201, created.text

                received = []

                async def both_ends():
                    message = await watcher.get(no_ack=True, fail=False)
                    if message:
                        received.append(CloudEvent.model_validate_json(message.body))
                    return len(received) == 2

                await eventually(both_ends, 10, interval=0.1)
                assert [(e.subject, e.data["outcome"], e.data.get("previous_outcome")) for e in received] == [
                    (run["id"], "solved", None),
                    (run["id"], "escalated", "solved"),
                ]
                assert received[1].data["case_id"] == created.json()["id"]
                stats = (await client.get(f"{API}/managed-guides/{guide['id']}", headers=boss)).json()[
                    "stats"
                ]
                assert (stats["runs"], stats["solved"], stats["escalated"], stats["deflected"]) == (
                    1,
                    1,
                    1,
                    0,
                )
        finally:
            await connection.close()
            await delete_bus_objects(amqp, prefix, ["cases"])
