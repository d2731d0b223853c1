"""F-12, F-42: the supervisors' service-level report. Its numbers are worked out here by hand from cases created,
answered and cancelled at set business times, in March 2026 in Madrid (UTC+1, Monday to Friday 08:00-17:00, no
holiday), and compared with the JSON and the CSV answers."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, update

from cases.case.models import Case
from services.cases.tests.cases_support import inquiry

API = "/api/cases/v1/reports/service-level"
MADRID = ZoneInfo("Europe/Madrid")
WEEKS_10_AND_11 = {"from": "2026-03-02", "to": "2026-03-15", "time_zone": "Europe/Madrid"}


def march(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=MADRID)


async def case_at(
    portal,
    clock,
    created: datetime,
    *,
    due: datetime | None = None,
    responded: datetime | None = None,
    cancelled: datetime | None = None,
    account_inquiry: bool = False,
) -> str:
    """A case created at `created` (an incident, for technical support, or an account inquiry, for the accounts
    department), first answered by an agent at `responded`, cancelled by the customer at `cancelled`, due at
    `due`."""
    clock.set(created)
    if account_inquiry:
        opened = await portal.open("admin", inquiry())
        assert opened.status_code == 201, opened.text
        case_id = opened.json()["id"]
    else:
        case_id = (await portal.new_case())["id"]
    if responded:
        clock.set(responded)
        assert (await portal.say("agent", case_id, "We are on it.")).status_code == 201
    if cancelled:
        clock.set(cancelled)
        assert (await portal.set_status("manager", case_id, "cancelled")).status_code == 200
    # The due time as the SLA clock would have set it (whatever the case got when it was created).
    async with portal.app.state.db.session() as session, session.begin():
        await session.execute(update(Case).where(Case.id == case_id).values(response_due_at=due))
    return case_id


@pytest.fixture
async def two_weeks(migrated_portal, clock):
    """Weeks 10 and 11 of 2026 in technical support and week 10 in the accounts department, and a case after
    them; the report is asked for on Monday 16 March at noon."""
    portal = migrated_portal
    # Technical support, week 10 (business hours to the first response in brackets).
    await case_at(portal, clock, march(2, 10), responded=march(2, 12), due=march(2, 14))  # in time (2)
    await case_at(portal, clock, march(3, 9), responded=march(3, 9, 15), due=march(3, 17))  # in time (0.25)
    # Friday 16:00 to Monday 10:00 is one business hour on Friday and two on Monday: in time (3).
    await case_at(portal, clock, march(6, 16), responded=march(9, 10), due=march(9, 11))
    await case_at(portal, clock, march(6, 15), responded=march(9, 12), due=march(6, 17))  # late (2 + 4)
    await case_at(portal, clock, march(4, 9), due=march(4, 13))  # never answered, past due: a breach
    await case_at(portal, clock, march(5, 9))  # no due time: opened, not measured
    # Technical support, week 11.
    await case_at(portal, clock, march(10, 17, 30), responded=march(11, 9), due=march(11, 12))  # in time (1)
    await case_at(portal, clock, march(11, 10), due=march(20, 10))  # not due yet: not measured
    await case_at(
        portal, clock, march(12, 9), due=march(12, 13), cancelled=march(12, 10)
    )  # withdrawn in time
    await case_at(portal, clock, march(12, 9, 30), due=march(12, 10), cancelled=march(12, 11))  # a breach
    # The accounts department, week 10: Monday 09:00-17:00 and Tuesday 08:00-09:30 (9.5), late; from Saturday
    # to Monday 09:00 (1), in time.
    await case_at(
        portal, clock, march(2, 9), responded=march(3, 9, 30), due=march(2, 17), account_inquiry=True
    )
    await case_at(portal, clock, march(7, 11), responded=march(9, 9), due=march(9, 16), account_inquiry=True)
    # Week 12: after the period.
    await case_at(portal, clock, march(16, 9), responded=march(16, 10), due=march(16, 17))
    clock.set(march(16, 12))
    return portal


def supervisor(portal) -> dict[str, str]:
    return portal.auth("boss")


def row(department, week, week_start, opened, measured, in_time, share, breaches, responded, median, p90):
    return {
        "department": department,
        "week": week,
        "week_start": week_start,
        "opened": opened,
        "measured": measured,
        "in_time": in_time,
        "in_time_share": share,
        "breaches": breaches,
        "responded": responded,
        "median_response_hours": median,
        "p90_response_hours": p90,
    }


EXPECTED = [
    # Times 0.25, 2, 3, 6: the median is halfway between 2 and 3; the 90th percentile the 4th of 4 (ceil 3.6).
    row("technical_support", "2026-W10", "2026-03-02", 6, 5, 3, 0.6, 2, 4, 2.5, 6.0),
    row("technical_support", "2026-W11", "2026-03-09", 4, 2, 1, 0.5, 1, 1, 1.0, 1.0),
    # Times 1 and 9.5: the median is their mean, the 90th percentile the 2nd of 2 (ceil 1.8).
    row("accounts", "2026-W10", "2026-03-02", 2, 2, 1, 0.5, 1, 2, 5.25, 9.5),
]


async def test_the_report_counts_per_department_and_week_as_worked_out_by_hand(two_weeks):
    answer = await two_weeks.client.get(API, params=WEEKS_10_AND_11, headers=supervisor(two_weeks))
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["rows"] == EXPECTED
    assert (report["first_day"], report["last_day"], report["time_zone"], report["department"]) == (
        "2026-03-02",
        "2026-03-15",
        "Europe/Madrid",
        None,
    )
    assert datetime.fromisoformat(report["generated_at"]) == march(16, 12)


async def test_one_department_only(two_weeks):
    answer = await two_weeks.client.get(
        API, params={**WEEKS_10_AND_11, "department": "accounts"}, headers=supervisor(two_weeks)
    )
    assert answer.json()["rows"] == EXPECTED[2:]
    assert answer.json()["department"] == "accounts"


async def test_the_csv_has_a_header_and_the_same_figures(two_weeks):
    headers = supervisor(two_weeks)
    as_json = (await two_weeks.client.get(API, params=WEEKS_10_AND_11, headers=headers)).json()["rows"]
    answer = await two_weeks.client.get(f"{API}.csv", params=WEEKS_10_AND_11, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == (
        'attachment; filename="service-level-2026-03-02-2026-03-15.csv"'
    )
    lines = list(csv.reader(io.StringIO(answer.text)))
    assert lines[0] == list(EXPECTED[0])
    assert lines[1:] == [["" if value is None else str(value) for value in item.values()] for item in as_json]
    assert len(lines) == 1 + len(EXPECTED)


async def test_days_and_weeks_are_those_of_the_time_zone_asked_for(migrated_portal, clock):
    # Monday 2 March at 00:30 in Madrid is still Sunday 1 March in UTC.
    await case_at(migrated_portal, clock, march(2, 0, 30))
    period = {"from": "2026-03-02", "to": "2026-03-08"}
    headers = supervisor(migrated_portal)
    in_madrid = await migrated_portal.client.get(
        API, params={**period, "time_zone": "Europe/Madrid"}, headers=headers
    )
    assert [(r["week"], r["opened"]) for r in in_madrid.json()["rows"]] == [("2026-W10", 1)]
    in_utc = await migrated_portal.client.get(API, params=period, headers=headers)
    assert in_utc.json()["rows"] == [] and in_utc.json()["time_zone"] == "UTC"


async def test_an_empty_period_has_no_rows(migrated_portal):
    answer = await migrated_portal.client.get(
        API, params={"from": "2020-01-01", "to": "2020-01-31"}, headers=supervisor(migrated_portal)
    )
    assert answer.status_code == 200 and answer.json()["rows"] == []
    csv_answer = await migrated_portal.client.get(
        f"{API}.csv", params={"from": "2020-01-01", "to": "2020-01-31"}, headers=supervisor(migrated_portal)
    )
    assert csv_answer.text.splitlines() == [",".join(EXPECTED[0])]


@pytest.mark.parametrize("path", [API, f"{API}.csv"])
@pytest.mark.parametrize("who", ["agent", "admin", "manager"])
async def test_only_supervisors_see_the_report(migrated_portal, path, who):
    answer = await migrated_portal.client.get(path, params=WEEKS_10_AND_11, headers=migrated_portal.auth(who))
    assert answer.status_code == 403 and answer.json()["code"] == "forbidden"
    # Even a request the report would refuse is refused for the role first.
    bad = await migrated_portal.client.get(path, params={"from": "x"}, headers=migrated_portal.auth(who))
    assert bad.status_code == 403
    anonymous = await migrated_portal.client.get(path, params=WEEKS_10_AND_11)
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"from": "2026-02-30", "to": "2026-03-15"}, "from", "not_a_date"),
        ({"to": "2026-03-15"}, "from", "required"),
        ({"from": "2026-03-02", "to": "15/03/2026"}, "to", "not_a_date"),
        ({"from": "2026-03-15", "to": "2026-03-02"}, "to", "ends_before_start"),
        ({"from": "2025-01-01", "to": "2026-01-07"}, "to", "period_too_long"),
        ({"from": "1999-12-27", "to": "2000-01-02"}, "from", "date_out_of_range"),
        ({**WEEKS_10_AND_11, "department": "sales"}, "department", "not_a_choice"),
        ({**WEEKS_10_AND_11, "time_zone": "Mars/Olympus"}, "time_zone", "unknown_time_zone"),
    ],
)
async def test_a_bad_period_or_filter_is_refused_naming_the_field(migrated_portal, params, field, code):
    for path in (API, f"{API}.csv"):
        answer = await migrated_portal.client.get(path, params=params, headers=supervisor(migrated_portal))
        assert answer.status_code == 422, answer.text
        assert [(e["field"], e["code"]) for e in answer.json()["errors"]] == [(field, code)]


async def test_fifty_three_weeks_are_the_longest_period(migrated_portal):
    answer = await migrated_portal.client.get(
        API, params={"from": "2025-01-01", "to": "2026-01-06"}, headers=supervisor(migrated_portal)
    )
    assert answer.status_code == 200, answer.text
    refused = await migrated_portal.client.get(
        API, params={"from": "2025-01-01", "to": "2026-01-07"}, headers=supervisor(migrated_portal)
    )
    assert refused.json()["errors"][0]["params"] == {"weeks": 53}


async def test_one_query_reads_the_cases_and_calendars_come_from_the_cache(two_weeks):
    statements: list[str] = []

    def remember(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = two_weeks.app.state.db.engine.sync_engine
    await two_weeks.client.get(API, params=WEEKS_10_AND_11, headers=supervisor(two_weeks))  # fills the cache
    event.listen(engine, "before_cursor_execute", remember)
    try:
        answer = await two_weeks.client.get(API, params=WEEKS_10_AND_11, headers=supervisor(two_weeks))
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert answer.json()["rows"] == EXPECTED
    assert len([s for s in statements if "support_case" in s]) == 1
    # The one query names the calendar each account uses; none is read again to be built.
    assert [s for s in statements if "support_case" not in s and "calendar" in s] == []
