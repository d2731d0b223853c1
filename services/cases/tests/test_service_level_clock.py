"""F-12: the response clock of a case on its account's business hours (acc-1: Spain, Europe/Madrid). It is due the
device contract's response time after creation, or after the next opening for a case received in closed time; it
stands still while the case waits for the customer and moves on by exactly the business time waited; the
vendor's first response is recorded once, and the target is met, at risk or breached."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from cases.audit.models import AuditEntry
from cases.case.models import Case
from services.cases.tests.cases_support import inquiry

MADRID = ZoneInfo("Europe/Madrid")


def madrid(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=MADRID)  # type: ignore[misc]


def at(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@pytest.fixture
async def four_hours(portal):
    """d1 on a four-hour contract."""
    await portal.upsert_device("d1", ["manager", "stock", "dsm"], response_time_hours=4)
    return portal


async def level(portal, case_id: str, user_id: str = "manager") -> dict:
    response = await portal.get(user_id, case_id)
    assert response.status_code == 200, response.text
    return response.json()["service_level"]


async def test_a_case_from_friday_afternoon_is_due_on_monday_late_morning(four_hours, clock):
    clock.set(madrid(2026, 2, 6, 16, 30))
    case = await four_hours.new_case("manager", "d1")
    assert at(case["response_due_at"]) == madrid(2026, 2, 9, 11, 30)
    assert case["received_outside_business_hours"] is False
    assert await level(four_hours, case["id"]) == {
        "due_at": "2026-02-09T10:30:00Z",
        "paused": False,
        "met": None,
        "breached": False,
        "at_risk": False,
        "received_outside_business_hours": False,
    }
    [created] = await four_hours.staged("cases.case.created")
    assert at(created["data"]["response_due_at"]) == madrid(2026, 2, 9, 11, 30)
    assert created["data"]["received_outside_business_hours"] is False


async def test_a_case_from_saturday_counts_from_the_next_opening_and_says_so(four_hours, clock):
    clock.set(madrid(2026, 2, 7, 10, 0))
    case = await four_hours.new_case("manager", "d1")
    assert at(case["response_due_at"]) == madrid(2026, 2, 9, 12, 0)
    assert case["received_outside_business_hours"] is True
    assert (await level(four_hours, case["id"]))["received_outside_business_hours"] is True
    [created] = await four_hours.staged("cases.case.created")
    assert created["data"]["received_outside_business_hours"] is True
    [entry] = [e for e in await audit_of(four_hours, case["id"]) if e.action == "case.created"]
    assert at(entry.details["response_due_at"]) == madrid(2026, 2, 9, 12, 0)
    assert entry.details["received_outside_business_hours"] is True


async def test_a_holiday_moves_the_due_time(four_hours, clock):
    # 6 January (Epiphany) is a public holiday all over Spain: Monday 5 January 16:30 is due on Wednesday.
    clock.set(madrid(2026, 1, 5, 16, 30))
    case = await four_hours.new_case("manager", "d1")
    assert at(case["response_due_at"]) == madrid(2026, 1, 7, 11, 30)


async def test_the_device_contract_sets_the_response_time(portal, clock):
    clock.set(madrid(2026, 2, 9, 9, 0))
    case = await portal.new_case("manager", "d1")  # an eight-hour contract: due at closing time
    assert at(case["response_due_at"]) == madrid(2026, 2, 9, 17, 0)


async def test_a_case_without_a_device_is_due_in_the_default_response_time(portal, clock):
    clock.set(madrid(2026, 2, 9, 9, 0))
    response = await portal.open("admin", inquiry())
    assert response.status_code == 201, response.text
    assert at(response.json()["response_due_at"]) == madrid(2026, 2, 10, 16, 0)  # 16 business hours


async def test_waiting_for_the_customer_moves_the_due_time_by_the_business_time_waited(four_hours, clock):
    clock.set(madrid(2026, 2, 9, 9, 0))
    case = await four_hours.new_case("manager", "d1")  # due 13:00
    clock.set(madrid(2026, 2, 9, 9, 30))
    assert (await four_hours.set_status("agent", case["id"], "in_progress")).status_code == 200
    clock.set(madrid(2026, 2, 9, 10, 0))
    assert (await four_hours.set_status("agent", case["id"], "waiting_for_customer")).status_code == 200
    clock.set(madrid(2026, 2, 9, 11, 15))
    paused = await level(four_hours, case["id"])
    assert paused["paused"] is True and at(paused["due_at"]) == madrid(2026, 2, 9, 14, 15)
    clock.set(madrid(2026, 2, 9, 12, 0))
    assert (await four_hours.say("manager", case["id"], "Here is the photo.")).status_code == 201
    detail = (await four_hours.get("agent", case["id"])).json()
    assert detail["status"] == "in_progress"
    assert at(detail["response_due_at"]) == madrid(2026, 2, 9, 15, 0)  # two business hours later
    assert detail["paused_seconds"] == 2 * 3600
    assert detail["service_level"]["paused"] is False
    resumed = next(
        e for e in await audit_of(four_hours, case["id"]) if e.new_values and "paused_seconds" in e.new_values
    )
    assert (resumed.old_values["paused_seconds"], resumed.new_values["paused_seconds"]) == (0, 7200)
    assert at(resumed.new_values["response_due_at"]) == madrid(2026, 2, 9, 15, 0)


async def test_a_wait_over_the_night_and_the_weekend_counts_business_hours_only(four_hours, clock):
    clock.set(madrid(2026, 2, 6, 9, 0))
    case = await four_hours.new_case("manager", "d1")  # due Friday 13:00
    await four_hours.set_status("agent", case["id"], "in_progress")
    clock.set(madrid(2026, 2, 6, 16, 0))
    await four_hours.set_status("agent", case["id"], "waiting_for_customer")
    clock.set(madrid(2026, 2, 9, 9, 0))  # Monday: one hour on Friday and one on Monday
    await four_hours.set_status("agent", case["id"], "in_progress")
    detail = (await four_hours.get("agent", case["id"])).json()
    assert at(detail["response_due_at"]) == madrid(2026, 2, 6, 15, 0)
    assert detail["paused_seconds"] == 2 * 3600


async def test_the_first_response_is_the_vendors_first_reply_and_is_recorded_once(four_hours, clock):
    clock.set(madrid(2026, 2, 9, 9, 0))
    case = await four_hours.new_case("manager", "d1")
    clock.set(madrid(2026, 2, 9, 9, 10))
    await four_hours.say("manager", case["id"], "Any news?")
    await four_hours.say("agent", case["id"], "Looking at the logs.", internal=True)
    assert (await four_hours.get("agent", case["id"])).json()["first_response_at"] is None
    clock.set(madrid(2026, 2, 9, 9, 20))
    await four_hours.say("agent", case["id"], "We are on it.")
    clock.set(madrid(2026, 2, 9, 9, 40))
    await four_hours.say("agent", case["id"], "A technician comes at noon.")
    await four_hours.set_status("agent", case["id"], "in_progress")
    detail = (await four_hours.get("agent", case["id"])).json()
    assert at(detail["first_response_at"]) == madrid(2026, 2, 9, 9, 20)
    assert detail["service_level"]["met"] is True
    answered = [
        e for e in await audit_of(four_hours, case["id"]) if "first_response_at" in (e.new_values or {})
    ]
    assert [e.action for e in answered] == ["case.message_added"]


async def test_the_first_move_to_in_progress_is_a_first_response(four_hours, clock):
    clock.set(madrid(2026, 2, 9, 9, 0))
    case = await four_hours.new_case("manager", "d1")
    clock.set(madrid(2026, 2, 9, 14, 0))
    await four_hours.set_status("agent", case["id"], "in_progress")
    detail = (await four_hours.get("agent", case["id"])).json()
    assert at(detail["first_response_at"]) == madrid(2026, 2, 9, 14, 0)
    assert detail["service_level"]["met"] is False  # an hour after it was due
    assert detail["service_level"]["breached"] is False  # answered, if late


async def test_at_risk_with_less_than_one_business_hour_left_then_breached(four_hours, clock):
    clock.set(madrid(2026, 2, 9, 9, 0))
    case = await four_hours.new_case("manager", "d1")  # due 13:00
    clock.set(madrid(2026, 2, 9, 12, 0))
    assert (await level(four_hours, case["id"]))["at_risk"] is False
    clock.set(madrid(2026, 2, 9, 12, 1))
    assert (await level(four_hours, case["id"]))["at_risk"] is True
    clock.set(madrid(2026, 2, 9, 13, 0))
    breached = await level(four_hours, case["id"], "agent")
    assert (breached["at_risk"], breached["breached"], breached["met"]) == (False, True, None)
    clock.set(madrid(2026, 2, 9, 13, 30))
    await four_hours.say("agent", case["id"], "Sorry for the wait.")
    late = await level(four_hours, case["id"])
    assert (late["breached"], late["met"]) == (False, False)


async def test_at_risk_counts_business_time_over_the_weekend(four_hours, clock):
    clock.set(madrid(2026, 2, 6, 16, 30))
    case = await four_hours.new_case("manager", "d1")  # due Monday 11:30
    clock.set(madrid(2026, 2, 9, 10, 31))  # Monday: 59 minutes left
    assert (await level(four_hours, case["id"]))["at_risk"] is True
    clock.set(madrid(2026, 2, 7, 12, 0))  # Saturday: three and a half business hours left
    assert (await level(four_hours, case["id"]))["at_risk"] is False


async def test_a_cancelled_case_is_never_breached(four_hours, clock):
    clock.set(madrid(2026, 2, 9, 9, 0))
    case = await four_hours.new_case("manager", "d1")
    await four_hours.set_status("manager", case["id"], "cancelled")
    clock.set(madrid(2026, 2, 10, 9, 0))
    assert (await level(four_hours, case["id"]))["breached"] is False


async def test_the_list_carries_the_level_and_sorts_open_cases_by_due_time(four_hours, clock):
    clock.set(madrid(2026, 2, 9, 9, 0))
    later = await four_hours.new_case("admin", "d4", subject="Eight hours")  # d4: eight hours
    sooner = await four_hours.new_case("admin", "d1", subject="Four hours")
    done = await four_hours.new_case("admin", "d1", subject="Cancelled")
    await four_hours.set_status("admin", done["id"], "cancelled")
    clock.set(madrid(2026, 2, 9, 12, 30))
    by_due = (await four_hours.cases("admin", sort="due")).json()["items"]
    assert [c["id"] for c in by_due] == [sooner["id"], later["id"], done["id"]]
    assert by_due[0]["service_level"]["at_risk"] is True
    newest = (await four_hours.cases("admin")).json()["items"]
    assert [c["id"] for c in newest] == [done["id"], sooner["id"], later["id"]]
    assert (await four_hours.cases("admin", sort="oldest")).status_code == 422


async def test_the_list_takes_several_statuses_and_types_the_soonest_due_first(four_hours, clock):
    """The dashboard's question (F-71): the first few open cases of some types, the soonest due first, and how
    many there are in all."""
    clock.set(madrid(2026, 2, 9, 9, 0))
    later = await four_hours.new_case("admin", "d4", subject="Eight hours")
    sooner = await four_hours.new_case("admin", "d1", subject="Four hours")
    clock.set(madrid(2026, 2, 9, 9, 10))
    waiting = await four_hours.new_case("admin", "d1", subject="Asked back")
    await four_hours.set_status("agent", waiting["id"], "in_progress")
    await four_hours.set_status("agent", waiting["id"], "waiting_for_customer")
    done = await four_hours.new_case("admin", "d1", subject="Cancelled")
    await four_hours.set_status("admin", done["id"], "cancelled")
    open_ones = {"status": ["new", "in_progress", "waiting_for_customer"], "type": ["incident", "removal"]}
    first = (await four_hours.cases("admin", sort="due", limit=2, **open_ones)).json()
    assert [c["id"] for c in first["items"]] == [sooner["id"], waiting["id"]]
    assert first["total"] == 3
    rest = (await four_hours.cases("admin", sort="due", limit=2, offset=2, **open_ones)).json()
    assert [c["id"] for c in rest["items"]] == [later["id"]]
    assert (await four_hours.cases("admin", status=["new"], type=["relocation", "removal"])).json()[
        "total"
    ] == 0
    refused = await four_hours.cases("admin", status=["new", "lost"])
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["status"]


async def audit_of(portal, case_id: str) -> list[AuditEntry]:
    async with portal.app.state.db.session() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.at)
        )
        return list(rows.all())


async def test_the_clock_is_kept_on_the_case(four_hours, clock):
    clock.set(madrid(2026, 2, 7, 10, 0))
    case = await four_hours.new_case("manager", "d1")
    async with four_hours.app.state.db.session() as session:
        row = await session.get(Case, case["id"])
    assert row.response_warning_at == madrid(2026, 2, 9, 11, 0)
    assert row.resolution_due_at is None
