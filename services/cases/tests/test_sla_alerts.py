"""F-12, F-40: the alerts job tells staff of a case with less than one business hour left and of one past its due
time, once per case and threshold, only while the case's business hours are open (acc-1: Spain, Europe/Madrid),
the case's assignee or else every agent of its department; two passes at once on PostgreSQL publish once."""

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from cases.audit.models import AuditEntry
from cases.case.alerts import send_sla_alerts
from cases.case.models import SlaAlert
from cases.main import create_app
from cases.settings import Settings
from services.cases.tests.conftest import feed_directory
from shared.events import new_event
from shared.events.accounts import DeviceUpserted, Location
from shared.migrate import upgrade
from shared.testing import app_client, fresh_postgres_database

MADRID = ZoneInfo("Europe/Madrid")
WARNING, BREACHED = "cases.case.sla_warning", "cases.case.sla_breached"


def madrid(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=MADRID)  # type: ignore[misc]


@pytest.fixture
def settings(sqlite_url, jwt_keys) -> Settings:
    # The job runs when the test says (its periodic pass runs once at startup, on an empty database).
    return Settings(
        database_url=sqlite_url,
        amqp_url="memory://",
        jwt_public_keys=jwt_keys[1],
        sla_alert_interval_seconds=86400,
    )


@pytest.fixture
async def desk(portal):
    """d1 on a four-hour contract; agent and agent2 work in technical support, where incidents go."""
    await portal.upsert_device("d1", ["manager", "stock", "dsm"], response_time_hours=4)
    for member in ("agent", "agent2"):
        added = await portal.client.put(
            f"/api/cases/v1/departments/technical_support/members/{member}", headers=portal.auth("boss")
        )
        assert added.status_code == 200, added.text
    return portal


async def run(portal) -> int:
    return await send_sla_alerts(portal.app.state.db, portal.app.state.outbox)


async def alerts(portal) -> list[tuple[str, str]]:
    return [(e["type"], e["data"]["case_id"]) for e in await portal.staged() if "sla" in e["type"]]


async def test_a_warning_with_less_than_an_hour_left_then_the_breach_each_once(desk, clock):
    clock.set(madrid(2026, 2, 9, 9, 0))
    case = await desk.new_case("manager", "d1")  # due 13:00
    clock.set(madrid(2026, 2, 9, 12, 0))
    assert await run(desk) == 0  # exactly one hour left
    clock.set(madrid(2026, 2, 9, 12, 5))
    assert await run(desk) == 1
    assert await run(desk) == 0
    [warning] = await desk.staged(WARNING)
    assert (
        warning["data"]
        | {
            "number": case["number"],
            "department": "technical_support",
            "assignee_id": None,
            "recipient_ids": ["agent", "agent2"],
            "account_name": "Account acc-1",
            "response_due_at": "2026-02-09T12:00:00Z",
        }
        == warning["data"]
    )
    clock.set(madrid(2026, 2, 9, 13, 0))
    assert await run(desk) == 1
    clock.set(madrid(2026, 2, 9, 15, 0))
    assert await run(desk) == 0
    assert await alerts(desk) == [(WARNING, case["id"]), (BREACHED, case["id"])]
    async with desk.app.state.db.session() as session:
        audited = await session.scalars(
            select(AuditEntry.action).where(AuditEntry.case_id == case["id"]).order_by(AuditEntry.at)
        )
        assert [a for a in audited.all() if "sla" in a] == ["case.sla_warning", "case.sla_breached"]


async def test_the_assignee_alone_is_told(desk, clock):
    clock.set(madrid(2026, 2, 9, 9, 0))
    case = await desk.new_case("manager", "d1")
    assigned = await desk.client.post(
        f"/api/cases/v1/cases/{case['id']}/assign", json={"assignee_id": "agent2"}, headers=desk.auth("agent")
    )
    assert assigned.status_code == 200, assigned.text
    clock.set(madrid(2026, 2, 9, 13, 30))
    assert await run(desk) == 1
    [breached] = await desk.staged(BREACHED)
    assert (breached["data"]["assignee_id"], breached["data"]["recipient_ids"]) == ("agent2", ["agent2"])


async def test_no_alert_at_night_and_the_breach_at_the_next_opening(desk, clock):
    clock.set(madrid(2026, 2, 9, 13, 0))
    case = await desk.new_case("manager", "d1")  # due at closing time, 17:00
    for night in (madrid(2026, 2, 9, 17, 30), madrid(2026, 2, 10, 3, 0), madrid(2026, 2, 10, 7, 59)):
        clock.set(night)
        assert await run(desk) == 0
    clock.set(madrid(2026, 2, 10, 8, 0))
    assert await run(desk) == 1
    assert await alerts(desk) == [(BREACHED, case["id"])]  # past its due time: no warning any more


async def test_a_warning_due_at_the_weekend_waits_for_monday(desk, clock):
    clock.set(madrid(2026, 2, 6, 16, 30))
    case = await desk.new_case("manager", "d1")  # due Monday 11:30, warned from 10:30
    clock.set(madrid(2026, 2, 7, 12, 0))
    assert await run(desk) == 0
    clock.set(madrid(2026, 2, 9, 10, 45))
    assert await run(desk) == 1
    assert await alerts(desk) == [(WARNING, case["id"])]


async def test_answered_waiting_and_cancelled_cases_are_not_alerted(desk, clock):
    clock.set(madrid(2026, 2, 9, 9, 0))
    answered, waiting, cancelled = [await desk.new_case("manager", "d1") for _ in range(3)]
    await desk.say("agent", answered["id"], "On it.")
    await desk.set_status("agent", waiting["id"], "in_progress")
    await desk.set_status("agent", waiting["id"], "waiting_for_customer")
    await desk.set_status("manager", cancelled["id"], "cancelled")
    clock.set(madrid(2026, 2, 9, 16, 0))
    assert await run(desk) == 0


async def test_a_department_without_active_staff_publishes_to_nobody(portal, clock):
    await portal.upsert_device("d1", ["manager"], response_time_hours=4)
    clock.set(madrid(2026, 2, 9, 9, 0))
    await portal.new_case("manager", "d1")
    clock.set(madrid(2026, 2, 9, 13, 30))
    assert await run(portal) == 1
    [breached] = await portal.staged(BREACHED)
    assert breached["data"]["recipient_ids"] == []


# On PostgreSQL ---------------------------------------------------------------------------------------------------


@pytest.fixture
async def postgres_portal(jwt_keys, token_for):
    from services.cases.tests.conftest import Portal

    async with fresh_postgres_database() as url:
        await asyncio.to_thread(upgrade, "cases", url)
        settings = Settings(
            database_url=url,
            amqp_url="memory://",
            jwt_public_keys=jwt_keys[1],
            sla_alert_interval_seconds=86400,
        )
        app = create_app(settings)
        async with app_client(app) as client:
            await feed_directory(app.state.bus)
            yield Portal(client=client, app=app, token_for=token_for)


async def test_two_passes_at_once_publish_each_alert_once_on_postgresql(postgres_portal, clock):
    portal = postgres_portal
    await portal.bus.deliver(
        new_event(
            DeviceUpserted(
                device_id="d1",
                account_id="acc-1",
                serial="SN-d1",
                model="imageRUNNER C3826i",
                model_class="colour",
                counters=["black"],
                location=Location(),
                response_time_hours=4,
                assigned_user_ids=["manager"],
            ),
            source="accounts",
        )
    )
    clock.set(madrid(2026, 2, 9, 9, 0))
    cases = [await portal.new_case("manager", "d1") for _ in range(5)]
    clock.set(madrid(2026, 2, 9, 12, 30))
    assert sum(await asyncio.gather(run(portal), run(portal), run(portal))) == 5
    clock.set(madrid(2026, 2, 9, 13, 30))
    assert sum(await asyncio.gather(run(portal), run(portal), run(portal))) == 5
    assert sorted(await alerts(portal)) == sorted(
        [(WARNING, c["id"]) for c in cases] + [(BREACHED, c["id"]) for c in cases]
    )
    assert await portal.count(SlaAlert) == 10
    async with portal.app.state.db.session() as session:
        per_case = await session.execute(
            select(SlaAlert.case_id, func.count()).group_by(SlaAlert.case_id).having(func.count() != 2)
        )
        assert per_case.all() == []
