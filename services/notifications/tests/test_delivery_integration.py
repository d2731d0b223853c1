"""F-61 over the real RabbitMQ and PostgreSQL: a duplicated event gives one email; two replicas share the
work and send every email exactly once, also through a mail server that refuses for a while; an order shipped and
a technician visit reach the followers through the service's own queue bindings."""

import asyncio
from datetime import UTC, datetime

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from notifications.emails.models import Email
from notifications.main import create_app
from notifications.recipients.models import Recipient
from notifications.settings import Settings
from notifications.testing import CollectingHandler, SmtpServer, email_parts
from shared.bus import Bus
from shared.events import new_event
from shared.events.cases import OrderShipped, VisitUpdated
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


def duplicates_seen(event_type: str) -> float:
    return (
        REGISTRY.get_sample_value("events_consumed_total", {"type": event_type, "outcome": "duplicate"})
        or 0.0
    )


@pytest.fixture
async def environment(jwt_keys, smtp):
    """A migrated PostgreSQL database, this run's own bus names, a publisher, and settings for replicas."""
    amqp, prefix = amqp_url(), unique_prefix()
    async with fresh_postgres_database() as url:
        await asyncio.to_thread(upgrade, "notifications", url)  # the migration itself is under test too
        settings = Settings(
            database_url=url,
            amqp_url=amqp,
            bus_prefix=prefix,
            jwt_public_keys=jwt_keys[1],
            public_url="https://portal.example",
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            bus_retry_delays_ms=(200, 1_000, 5_000),
        )
        publisher = Bus(amqp_url=amqp, service="notifications-test-publisher", prefix=prefix)
        await publisher.connect()
        try:
            yield settings, publisher
        finally:
            await publisher.close()
            await delete_bus_objects(amqp, prefix, ["notifications"])


async def count_emails(app, **where) -> int:
    async with app.state.db.session() as session:
        query = select(func.count()).select_from(Email)
        for column, value in where.items():
            query = query.where(getattr(Email, column) == value)
        return await session.scalar(query)


async def test_an_event_published_twice_sends_exactly_one_email(
    environment, smtp, user_upserted, case_created
):
    settings, publisher = environment
    app = create_app(settings)
    async with app_client(app):
        before = duplicates_seen("cases.case.created")
        await publisher.publish(user_upserted("ana", language="es"))
        event = case_created(["ana"])
        await publisher.publish(event)
        await publisher.publish(event)  # the same event id again, as a redelivery would bring it
        (message,) = await smtp.wait_for(1)
        await eventually(
            lambda: duplicates_seen("cases.case.created") > before, what="the duplicate to be consumed"
        )
        await eventually(lambda: _all_sent(app), what="the email to be marked sent", timeout=30)
        assert len(smtp.messages()) == 1
        assert await count_emails(app, event_id=event.id) == 1
        assert message["Subject"] == "Caso CS-2026-000123 creado: Paper jam in tray 2"
        text, _ = email_parts(message)
        assert f"https://portal.example/cases/{event.data['case_id']}" in text


async def test_two_replicas_send_every_email_once_through_a_refusing_server(
    environment, smtp, user_upserted, case_created
):
    settings, publisher = environment
    smtp.handler.refusals = 4
    first, second = create_app(settings), create_app(settings)
    async with app_client(first), app_client(second):
        await publisher.publish(user_upserted("ann"))
        await eventually(lambda: _recipient_known(first, "ann"), what="the recipient copy", timeout=30)
        events = [case_created(["ann"], number=f"CS-2026-{n:06d}") for n in range(20)]
        for event in events:
            await publisher.publish(event)
        await smtp.wait_for(20, timeout=30)
        await eventually(
            lambda: _all_sent(first, expected=20), what="every email to be marked sent", timeout=30
        )
        assert len(smtp.messages()) == 20
        assert len({m["Message-ID"] for m in smtp.messages()}) == 20
        assert sorted(m["Subject"].split()[1] for m in smtp.messages()) == sorted(
            e.data["number"] for e in events
        )


class SlowServer(CollectingHandler):
    async def handle_DATA(self, server, session, envelope) -> str:
        await asyncio.sleep(0.05)  # a mail server slower than the database: the senders overlap
        return await super().handle_DATA(server, session, envelope)


async def test_one_replica_sends_on_several_connections_and_every_email_once(
    environment, user_upserted, case_created
):
    settings, publisher = environment
    slow = SmtpServer()
    slow.handler = SlowServer()
    slow.start()
    app = create_app(settings.model_copy(update={"email_connections": 3, "smtp_port": slow.port}))
    try:
        async with app_client(app):
            await publisher.publish(user_upserted("ann"))
            await eventually(lambda: _recipient_known(app, "ann"), what="the recipient copy", timeout=30)
            for n in range(30):
                await publisher.publish(case_created(["ann"], number=f"CS-2026-{n:06d}"))
            await slow.wait_for(30, timeout=30)
            await eventually(
                lambda: _all_sent(app, expected=30), what="every email to be marked sent", timeout=30
            )
    finally:
        slow.stop()
    assert len({m["Message-ID"] for m in slow.messages()}) == len(slow.messages()) == 30
    assert slow.connections() >= 2


async def test_an_order_shipped_and_a_visit_scheduled_arrive_over_the_bus(environment, smtp, user_upserted):
    settings, publisher = environment
    app = create_app(settings)
    case = {
        "case_id": "case-9",
        "number": "CS-2026-000900",
        "account_id": "acc-1",
        "device_id": "dev-1",
        "subject": "Toner",
        "follower_ids": ["sven"],
    }
    async with app_client(app):
        await publisher.publish(user_upserted("sven", language="sv"))
        await eventually(lambda: _recipient_known(app, "sven"), what="the recipient copy", timeout=30)
        await publisher.publish(
            new_event(
                OrderShipped(
                    **case, tracking_reference="TRK-42", carrier="PostNord", shipped_at=datetime.now(UTC)
                ),
                source="cases",
                subject="case-9",
            )
        )
        await publisher.publish(
            new_event(
                VisitUpdated(
                    **case,
                    type="consumables",
                    status="scheduled",
                    scheduled_for=datetime(2026, 6, 3, 7, 30, tzinfo=UTC),
                    technician=None,
                    at=datetime.now(UTC),
                ),
                source="cases",
                subject="case-9",
            )
        )
        await smtp.wait_for(2)
        await eventually(lambda: _all_sent(app, expected=2), what="both emails to be marked sent", timeout=30)
        subjects = sorted(m["Subject"] for m in smtp.messages())
        assert subjects == [
            "Din beställning CS-2026-000900 har skickats",
            "Teknikerbesök inbokat den 3 juni 2026",
        ]
        assert all("https://portal.example/cases/case-9" in email_parts(m)[0] for m in smtp.messages())


async def _all_sent(app, expected: int = 1) -> bool:
    return (
        await count_emails(app, status="sent") == expected and await count_emails(app, status="pending") == 0
    )


async def _recipient_known(app, user_id: str) -> bool:
    async with app.state.db.session() as session:
        return await session.get(Recipient, user_id) is not None
