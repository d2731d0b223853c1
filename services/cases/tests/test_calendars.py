"""F-12, F-42: the business-hours calendars kept in cases, which one each account uses, due times on them, and
the supervisors' changes, each audited."""

import asyncio
from datetime import date

import pytest
from sqlalchemy import select, update

from cases.audit.models import AuditEntry
from cases.calendars.models import Calendar
from cases.calendars.service import UnknownAccount, calendar_for_account
from cases.main import create_app
from services.cases.tests.conftest import Portal, feed_directory
from shared.events import new_event
from shared.events.accounts import AccountUpserted
from shared.migrate import upgrade
from shared.testing import app_client

API = "/api/cases/v1"
WORKDAYS = [{"ranges": [{"start": "08:00", "end": "17:00"}]}] * 5 + [{"ranges": []}] * 2


@pytest.fixture
async def portal(settings, token_for):
    """The cases app on a database built by the migrations, with the calendars they seed."""
    await asyncio.to_thread(upgrade, "cases", settings.database_url)
    app = create_app(settings)
    async with app_client(app) as client:
        await feed_directory(app.state.bus)  # two Spanish accounts, acc-1 and acc-2, without a subdivision
        yield Portal(client=client, app=app, token_for=token_for)


def staff(portal, role: str = "supervisor", language: str = "en") -> dict[str, str]:
    token = portal.token_for(f"{role}-1", staff_role=role, language=language)
    return {"Authorization": f"Bearer {token}"}


async def arrive(
    portal, account_id: str, country: str, time_zone: str, subdivision: str | None = None
) -> None:
    await portal.bus.deliver(
        new_event(
            AccountUpserted(
                account_id=account_id,
                number=f"N-{account_id}",
                name=f"Account {account_id}",
                country=country,
                subdivision=subdivision,
                language="en",
                time_zone=time_zone,
                active=True,
            ),
            source="accounts",
        )
    )


async def audit_of(portal, action: str) -> list[AuditEntry]:
    async with portal.app.state.db.session() as session:
        return list((await session.scalars(select(AuditEntry).where(AuditEntry.action == action))).all())


async def calendar_of(portal, account_id: str):
    async with portal.app.state.db.session() as session:
        return await calendar_for_account(session, account_id)


async def due(portal, calendar_id: str, start: str, hours, role: str = "agent"):
    return await portal.client.get(
        f"{API}/calendars/{calendar_id}/due",
        params={"start": start, "hours": hours},
        headers=staff(portal, role),
    )


# Reading ------------------------------------------------------------------------------------------------------


async def test_staff_list_the_calendars_with_their_accounts_and_what_they_may_do(portal):
    listed = await portal.client.get(f"{API}/calendars", headers=staff(portal, "agent"))
    assert listed.status_code == 200
    by_id = {c["id"]: c for c in listed.json()["items"]}
    assert set(by_id) == {"ES", "ES-MD", "SE"}
    assert (by_id["ES"]["account_count"], by_id["ES-MD"]["account_count"]) == (2, 0)
    assert by_id["SE"]["holiday_categories"] == ["public", "de_facto"]
    assert by_id["ES-MD"]["weekly_hours"][0] == {"weekday": 0, "ranges": [{"start": "08:00", "end": "17:00"}]}
    assert by_id["ES-MD"]["weekly_hours"][6] == {"weekday": 6, "ranges": []}
    assert by_id["SE"]["allowed_actions"] == [] and listed.json()["allowed_actions"] == []
    supervisor = (await portal.client.get(f"{API}/calendars", headers=staff(portal))).json()
    assert supervisor["allowed_actions"] == ["set_hours", "edit_days", "assign_accounts"]
    accounts = (await portal.client.get(f"{API}/calendars/ES/accounts", headers=staff(portal))).json()
    assert [(a["id"], a["assigned"]) for a in accounts["items"]] == [("acc-1", False), ("acc-2", False)]
    assert accounts["total"] == 2


async def test_customers_and_strangers_may_not_read_the_calendars(portal):
    assert (await portal.client.get(f"{API}/calendars", headers=portal.auth("admin"))).status_code == 403
    assert (await portal.client.get(f"{API}/calendars")).status_code == 401
    assert (
        await portal.client.get(
            f"{API}/calendars/SE/due?start=2026-01-05T10:00Z&hours=4", headers=portal.auth("admin")
        )
    ).status_code == 403


async def test_a_calendar_lists_its_holidays_in_the_callers_language(portal):
    swedish = await portal.client.get(f"{API}/calendars/SE?year=2026", headers=staff(portal, "agent", "sv"))
    holidays = {h["day"]: h["name"] for h in swedish.json()["holidays"]}
    assert holidays["2026-06-19"] == "Midsommarafton" and holidays["2026-12-24"] == "Julafton"
    madrid = await portal.client.get(f"{API}/calendars/ES-MD?year=2025", headers=staff(portal, "agent", "es"))
    assert {"day": "2025-05-02", "name": "Fiesta de la Comunidad de Madrid"} in madrid.json()["holidays"]
    missing = await portal.client.get(f"{API}/calendars/XX", headers=staff(portal, "agent"))
    assert (missing.status_code, missing.json()["code"]) == (404, "unknown_calendar")


async def test_due_times_on_a_calendar(portal):
    friday = await due(portal, "ES-MD", "2026-02-06T16:30:00+01:00", 4)
    assert friday.status_code == 200
    assert friday.json() == {
        "calendar_id": "ES-MD",
        "due_at": "2026-02-09T10:30:00Z",
        "counted_from": "2026-02-06T15:30:00Z",
        "outside_business_hours": False,
    }
    saturday = (await due(portal, "ES-MD", "2026-02-07T10:00", 4)).json()  # no offset: Madrid's wall time
    assert (saturday["due_at"], saturday["counted_from"]) == ("2026-02-09T11:00:00Z", "2026-02-09T07:00:00Z")
    assert saturday["outside_business_hours"] is True
    midsummer = (await due(portal, "SE", "2026-06-18T16:00:00+02:00", 4)).json()
    assert midsummer["due_at"] == "2026-06-22T09:00:00Z"  # Midsummer Eve is closed: Monday 11:00


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"start": "next friday", "hours": 4}, "start", "not_a_datetime"),
        ({"start": "1899-12-31T10:00:00Z", "hours": 4}, "start", "date_out_of_range"),
        ({"start": "2026-02-06T16:30:00Z", "hours": 0}, "hours", "must_be_greater_than"),
        ({"start": "2026-02-06T16:30:00Z", "hours": "four"}, "hours", "not_a_number"),
        ({"start": "2026-02-06T16:30:00Z", "hours": 100_000}, "hours", "must_be_at_most"),
        ({"hours": 4}, "start", "required"),
    ],
)
async def test_a_bad_start_or_number_of_hours_is_refused_naming_the_field(portal, params, field, code):
    response = await portal.client.get(
        f"{API}/calendars/ES/due", params=params, headers=staff(portal, "agent")
    )
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]


async def test_due_on_an_unknown_calendar_is_a_404_with_its_code(portal):
    response = await due(portal, "ES-XX", "2026-02-06T16:30:00Z", 4)
    assert (response.status_code, response.json()["code"]) == (404, "unknown_calendar")


# Which calendar an account uses -------------------------------------------------------------------------------


async def test_an_account_uses_its_subdivisions_calendar_else_its_countrys(portal):
    await arrive(portal, "madrid", "ES", "Europe/Madrid", "ES-MD")
    await arrive(portal, "stockholm", "SE", "Europe/Stockholm", "SE-AB")  # no holidays of its own: Sweden's
    assert (await calendar_of(portal, "madrid")).calendar_id == "ES-MD"
    assert (await calendar_of(portal, "stockholm")).calendar_id == "SE"
    assert (await calendar_of(portal, "acc-1")).calendar_id == "ES"
    with pytest.raises(UnknownAccount):
        await calendar_of(portal, "nobody")
    assert await audit_of(portal, "calendar.created") == []  # every one of them was there


async def test_an_account_in_a_new_place_gets_a_calendar_with_the_default_hours(portal):
    await arrive(portal, "lisbon", "PT", "Europe/Lisbon")
    await arrive(portal, "barcelona", "ES", "Europe/Madrid", "ES-CT")  # Catalonia has holidays of its own
    lisbon, barcelona = await calendar_of(portal, "lisbon"), await calendar_of(portal, "barcelona")
    assert (lisbon.calendar_id, lisbon.zone.key, barcelona.calendar_id) == ("PT", "Europe/Lisbon", "ES-CT")
    assert barcelona.is_holiday(date(2026, 9, 11)) and not (await calendar_of(portal, "acc-1")).is_holiday(
        date(2026, 9, 11)
    )
    listed = (await portal.client.get(f"{API}/calendars/PT", headers=staff(portal))).json()
    assert (listed["name"], listed["account_count"], listed["weekly_hours"][4]["ranges"]) == (
        "Portugal",
        1,
        [{"start": "08:00", "end": "17:00"}],
    )
    created = await audit_of(portal, "calendar.created")
    assert sorted(e.details["calendar"] for e in created) == ["ES-CT", "PT"]
    assert all(e.actor_id == "system" and e.old_values == dict.fromkeys(e.new_values) for e in created)
    assert {e.new_values["name"] for e in created} == {"Portugal", "Spain (ES-CT)"}
    await arrive(portal, "lisbon", "PT", "Europe/Lisbon")  # again: nothing new
    assert len(await audit_of(portal, "calendar.created")) == 2


async def test_a_supervisor_assigns_an_account_another_calendar_and_takes_it_back(portal):
    path = f"{API}/accounts/acc-1/calendar"
    assert (await portal.client.get(path, headers=staff(portal, "agent"))).json() == {
        "account_id": "acc-1",
        "assigned": False,
        "calendar_id": "ES",
        "allowed_actions": [],
    }
    refused = await portal.client.put(path, json={"calendar_id": "SE"}, headers=staff(portal, "agent"))
    assert refused.status_code == 403
    assigned = await portal.client.put(path, json={"calendar_id": "SE"}, headers=staff(portal))
    assert assigned.json() == {
        "account_id": "acc-1",
        "assigned": True,
        "calendar_id": "SE",
        "allowed_actions": ["assign_accounts"],
    }
    assert (await calendar_of(portal, "acc-1")).calendar_id == "SE"
    users = (await portal.client.get(f"{API}/calendars/SE/accounts", headers=staff(portal))).json()["items"]
    assert [(a["id"], a["assigned"]) for a in users] == [("acc-1", True)]
    cleared = await portal.client.delete(path, headers=staff(portal))
    assert (cleared.json()["assigned"], cleared.json()["calendar_id"]) == (False, "ES")
    assert (await calendar_of(portal, "acc-1")).calendar_id == "ES"
    [given, taken] = await audit_of(portal, "calendar.assigned") + await audit_of(
        portal, "calendar.assignment_cleared"
    )
    assert (given.old_values, given.new_values) == ({"calendar_id": None}, {"calendar_id": "SE"})
    assert (taken.old_values, taken.new_values) == ({"calendar_id": "SE"}, {"calendar_id": None})
    assert given.actor_id == "supervisor-1" and given.details["account"] == "acc-1"


async def test_assigning_an_unknown_calendar_or_account_is_a_404(portal):
    unknown = await portal.client.put(
        f"{API}/accounts/acc-1/calendar", json={"calendar_id": "XX"}, headers=staff(portal)
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_calendar")
    nobody = await portal.client.put(
        f"{API}/accounts/nobody/calendar", json={"calendar_id": "SE"}, headers=staff(portal)
    )
    assert (nobody.status_code, nobody.json()["code"]) == (404, "not_found")


# Supervisors' changes -----------------------------------------------------------------------------------------


async def test_a_supervisor_sets_the_weekly_hours_and_due_times_follow(portal):
    before = await calendar_of(portal, "acc-1")
    short_fridays = [*WORKDAYS[:4], {"ranges": [{"start": "08:00", "end": "14:00"}]}, *WORKDAYS[5:]]
    refused = await portal.client.put(
        f"{API}/calendars/ES/weekly-hours",
        json={"weekly_hours": short_fridays},
        headers=staff(portal, "agent"),
    )
    assert refused.status_code == 403
    changed = await portal.client.put(
        f"{API}/calendars/ES/weekly-hours", json={"weekly_hours": short_fridays}, headers=staff(portal)
    )
    assert changed.status_code == 200
    assert (changed.json()["version"], changed.json()["weekly_hours"][4]["ranges"]) == (
        2,
        [{"start": "08:00", "end": "14:00"}],
    )
    after = await calendar_of(portal, "acc-1")
    assert after is not before and (await calendar_of(portal, "acc-1")) is after  # rebuilt once, then cached
    assert (await due(portal, "ES", "2026-02-06T13:00:00+01:00", 4)).json()[
        "due_at"
    ] == "2026-02-09T10:00:00Z"
    [entry] = await audit_of(portal, "calendar.hours_set")
    assert entry.old_values["weekly_hours"][4] == [["08:00", "17:00"]]
    assert entry.new_values["weekly_hours"][4] == [["08:00", "14:00"]]
    again = await portal.client.put(
        f"{API}/calendars/ES/weekly-hours", json={"weekly_hours": short_fridays}, headers=staff(portal)
    )
    assert again.json()["version"] == 2 and len(await audit_of(portal, "calendar.hours_set")) == 1


@pytest.mark.parametrize(
    ("friday", "field", "code"),
    [
        ([{"start": "17:00", "end": "08:00"}], "weekly_hours.4.ranges.0", "closes_before_opening"),
        (
            [{"start": "08:00", "end": "13:00"}, {"start": "12:00", "end": "17:00"}],
            "weekly_hours.4.ranges.1",
            "overlapping_hours",
        ),
        ([{"start": "8:00", "end": "17:00"}], "weekly_hours.4.ranges.0.start", "invalid_format"),
        ([{"start": "08:00", "end": "24:01"}], "weekly_hours.4.ranges.0.end", "invalid_format"),
    ],
)
async def test_impossible_hours_are_refused_naming_the_range(portal, friday, field, code):
    week = [*WORKDAYS[:4], {"ranges": friday}, *WORKDAYS[5:]]
    response = await portal.client.put(
        f"{API}/calendars/ES/weekly-hours", json={"weekly_hours": week}, headers=staff(portal)
    )
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]


async def test_a_week_without_any_hours_or_without_seven_days_is_refused(portal):
    closed = await portal.client.put(
        f"{API}/calendars/ES/weekly-hours", json={"weekly_hours": [{"ranges": []}] * 7}, headers=staff(portal)
    )
    assert [(e["field"], e["code"]) for e in closed.json()["errors"]] == [
        ("weekly_hours", "no_opening_hours")
    ]
    short = await portal.client.put(
        f"{API}/calendars/ES/weekly-hours", json={"weekly_hours": WORKDAYS[:5]}, headers=staff(portal)
    )
    assert [(e["field"], e["code"]) for e in short.json()["errors"]] == [("weekly_hours", "too_few_items")]
    unknown = await portal.client.put(
        f"{API}/calendars/XX/weekly-hours", json={"weekly_hours": WORKDAYS}, headers=staff(portal)
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_calendar")


async def test_closed_days_and_extra_open_days(portal):
    closed = await portal.client.put(
        f"{API}/calendars/ES-MD/closed-days/2026-02-09", json={"note": "Office move"}, headers=staff(portal)
    )
    assert closed.status_code == 200
    assert closed.json()["closed_days"] == [{"day": "2026-02-09", "note": "Office move"}]
    assert (await due(portal, "ES-MD", "2026-02-06T16:30:00+01:00", 4)).json()[
        "due_at"
    ] == "2026-02-10T10:30:00Z"
    # The same day made an extra open day stops being closed; a Saturday opens 08:00-17:00.
    opened = await portal.client.put(
        f"{API}/calendars/ES-MD/extra-open-days/2026-02-09", headers=staff(portal)
    )
    assert (opened.json()["closed_days"], opened.json()["extra_open_days"]) == (
        [],
        [{"day": "2026-02-09", "note": ""}],
    )
    await portal.client.put(f"{API}/calendars/ES-MD/extra-open-days/2026-02-07", headers=staff(portal))
    assert (await due(portal, "ES-MD", "2026-02-06T16:30:00+01:00", 4)).json()[
        "due_at"
    ] == "2026-02-07T10:30:00Z"
    removed = await portal.client.delete(
        f"{API}/calendars/ES-MD/extra-open-days/2026-02-07", headers=staff(portal)
    )
    assert removed.json()["extra_open_days"] == [{"day": "2026-02-09", "note": ""}]
    nothing = await portal.client.delete(
        f"{API}/calendars/ES-MD/closed-days/2026-02-09", headers=staff(portal)
    )
    assert nothing.json()["version"] == removed.json()["version"]  # not a closed day: nothing changed
    [first_closed, made_open, saturday] = await audit_of(portal, "calendar.day_set")
    assert saturday.new_values == {"2026-02-07": {"kind": "extra_open", "note": ""}}
    assert (first_closed.old_values, first_closed.new_values) == (
        {"2026-02-09": None},
        {"2026-02-09": {"kind": "closed", "note": "Office move"}},
    )
    assert made_open.old_values == {"2026-02-09": {"kind": "closed", "note": "Office move"}}
    [gone] = await audit_of(portal, "calendar.day_removed")
    assert (gone.old_values, gone.new_values) == (
        {"2026-02-07": {"kind": "extra_open", "note": ""}},
        {"2026-02-07": None},
    )


async def test_only_supervisors_change_days_and_bad_days_are_refused(portal):
    agent = await portal.client.put(
        f"{API}/calendars/ES/closed-days/2026-02-09", headers=staff(portal, "agent")
    )
    assert agent.status_code == 403
    customer = await portal.client.delete(
        f"{API}/calendars/ES/closed-days/2026-02-09", headers=portal.auth("admin")
    )
    assert customer.status_code == 403
    bad = await portal.client.put(f"{API}/calendars/ES/closed-days/2026-02-30", headers=staff(portal))
    assert [(e["field"], e["code"]) for e in bad.json()["errors"]] == [("day", "not_a_date")]
    far = await portal.client.put(f"{API}/calendars/ES/extra-open-days/2250-01-01", headers=staff(portal))
    assert [(e["field"], e["code"]) for e in far.json()["errors"]] == [("day", "date_out_of_range")]
    long_note = await portal.client.put(
        f"{API}/calendars/ES/closed-days/2026-02-09", json={"note": "x" * 201}, headers=staff(portal)
    )
    assert [(e["field"], e["code"]) for e in long_note.json()["errors"]] == [("note", "too_long")]


async def test_a_change_made_by_another_process_applies_here(portal):
    before = await calendar_of(portal, "acc-1")
    async with portal.app.state.db.session() as session, session.begin():
        await session.execute(
            update(Calendar)
            .where(Calendar.id == "ES")
            .values(weekly_hours=[[["09:00", "17:00"]]] * 5 + [[]] * 2, version=Calendar.version + 1)
        )
    after = await calendar_of(portal, "acc-1")
    assert after is not before and after.weekly_hours[0][0].start == 9 * 60
