"""The fleet's reports reach the cases service's handlers over the real RabbitMQ, on PostgreSQL: an outage is
started once however often it is reported (its event staged once in the outbox), a malformed toner report and a
report about an unknown device are parked with their reason, and the rest still flow."""

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import aio_pika
import pytest
from sqlalchemy import func, select

import cases.models  # noqa: F401  (the whole schema of the cases service)
from cases.database import Base, tables
from cases.directory.models import Device
from cases.fleet.handlers import handlers
from cases.fleet.models import DeviceConnection, DeviceOutage, TonerLevel
from shared.db import Database
from shared.events import VENDOR_EXCHANGE, new_event
from shared.events.vendor import FleetDeviceOffline, FleetTonerLow
from shared.outbox import Outbox
from shared.testing import eventually, fresh_postgres_database
from tests.integration.test_bus import parked_messages

pytestmark = pytest.mark.integration
SINCE = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture
async def cases_db():
    async with fresh_postgres_database() as url:
        database = Database(url)
        async with database.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        async with database.session() as session, session.begin():
            session.add(
                Device(
                    id="d1",
                    account_id="a1",
                    serial="SN-1",
                    model="C3826i",
                    response_time_hours=8,
                    location={},
                )
            )
        yield database
        await database.dispose()


async def count(db: Database, model, *where) -> int:
    async with db.session() as session:
        return (await session.scalars(select(func.count()).select_from(model).where(*where))).one()


async def test_fleet_reports_are_applied_once_and_bad_ones_parked_with_their_reason(cases_db, make_bus):
    consumer = await make_bus("cases")
    outbox = Outbox(tables.outbox, source="cases")
    await consumer.start_consuming(handlers, cases_db, tables.inbox, SimpleNamespace(outbox=outbox))
    offline = new_event(FleetDeviceOffline(serial="SN-1", since=SINCE), source="fleet")
    again = new_event(FleetDeviceOffline(serial="SN-1", since=SINCE), source="fleet")  # a new id, same report
    unknown = new_event(FleetDeviceOffline(serial="NOPE", since=SINCE), source="fleet")
    toner = new_event(
        FleetTonerLow(serial="SN-1", colour="black", level_percent=12, at=SINCE + timedelta(hours=1)),
        source="fleet",
    )
    for event in (offline, offline, again, unknown, toner):
        await consumer.publish(event, VENDOR_EXCHANGE)
    malformed = toner.model_dump(mode="json")
    malformed["data"]["level_percent"] = 150
    await consumer._exchanges[VENDOR_EXCHANGE].publish(
        aio_pika.Message(json.dumps(malformed).encode()), routing_key="fleet.toner.low"
    )

    async def applied() -> bool:
        return await count(cases_db, TonerLevel) == 1 and await count(cases_db, DeviceOutage) == 1

    await eventually(applied)
    parked = await parked_messages(consumer, 2)
    reasons = sorted(str(m.headers["x-parked-reason"]) for m in parked)
    assert any("level_percent" in reason for reason in reasons)
    assert any("no active device 'NOPE'" in reason for reason in reasons)
    assert await count(cases_db, DeviceConnection, DeviceConnection.online.is_(False)) == 1
    told = await count(cases_db, tables.outbox, tables.outbox.c.event_type == "cases.device.offline")
    assert told == 1
