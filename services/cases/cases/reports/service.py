"""The service-level report (F-12, F-42): per department and ISO week of creation, the cases opened, the share of
them responded to in time, how long the first response took in business hours, and the breaches.

- A case is measured once its outcome is known: it has a due time and was responded to, or its due time has
  passed. A case the customer cancelled before any response is measured only when its due time had passed by
  then: a request withdrawn in time is no breach. A measured case is either in time (first response at or before
  the due time) or a breach.
- The time to the first response is the business time from creation to the first response, in the calendar of
  the case's account (`calendar_in_row`), over the cases responded to: their median, and the 90th percentile by
  nearest rank (the smallest time at least 90 % of them did not exceed), in hours to two decimals.
- Days and weeks are those of the time zone asked for.

One query reads the cases of the period with the calendar each account uses; built calendars come from the
process's cache (cases.calendars.service)."""

import csv
import io
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.calendars.service import CALENDAR_COLUMNS, calendar_in_row, join_calendar_of_account
from cases.case.models import Case
from cases.reports.schemas import ServiceLevelRow
from cases.servicelevel import BusinessCalendar
from shared.events.vocabulary import CaseStatus, Department

DEPARTMENT_ORDER = {department.value: index for index, department in enumerate(Department)}


@dataclass(frozen=True)
class Period:
    """From the start of `first_day` to the end of `last_day`, local to `zone`."""

    first_day: date
    last_day: date
    zone: ZoneInfo

    def bounds(self) -> tuple[datetime, datetime]:
        start = datetime.combine(self.first_day, time(), tzinfo=self.zone)
        end = datetime.combine(self.last_day + timedelta(days=1), time(), tzinfo=self.zone)
        return start, end


@dataclass
class WeekOfDepartment:
    opened: int = 0
    in_time: int = 0
    breaches: int = 0
    response_seconds: list[float] = field(default_factory=list)

    def count(self, outcome: bool | None) -> None:
        if outcome is True:
            self.in_time += 1
        elif outcome is False:
            self.breaches += 1

    def row(self, department: str, year: int, week: int) -> ServiceLevelRow:
        measured, times = self.in_time + self.breaches, sorted(self.response_seconds)
        return ServiceLevelRow(
            department=department,
            week=f"{year}-W{week:02d}",
            week_start=date.fromisocalendar(year, week, 1),
            opened=self.opened,
            measured=measured,
            in_time=self.in_time,
            in_time_share=round(self.in_time / measured, 4) if measured else None,
            breaches=self.breaches,
            responded=len(times),
            median_response_hours=hours(statistics.median(times)) if times else None,
            p90_response_hours=hours(times[math.ceil(0.9 * len(times)) - 1]) if times else None,
        )


def hours(seconds: float) -> float:
    return round(seconds / 3600, 2)


def outcome(case: Any, now: datetime) -> bool | None:
    """In time (True), a breach (False), or not measured yet (None): see the module's docstring."""
    due, responded = case.response_due_at, case.first_response_at
    if due is None:
        return None
    if responded is not None:
        return responded <= due
    # A cancelled case changes no more: its last update is when the customer withdrew it.
    ended = case.updated_at if case.status == CaseStatus.CANCELLED else now
    return False if due <= ended else None


class AccountCalendars:
    """The calendar of each account met, looked up once per account in a report."""

    def __init__(self, session: AsyncSession) -> None:
        self.session, self.by_account = session, dict[str, BusinessCalendar]()

    async def of(self, case: Any) -> BusinessCalendar:
        if (known := self.by_account.get(case.account_id)) is None:
            known = self.by_account[case.account_id] = await calendar_in_row(
                self.session, case, case.account_id
            )
        return known


async def service_level(
    session: AsyncSession, period: Period, department: str | None, now: datetime
) -> list[ServiceLevelRow]:
    """The report's rows, by department (in the order of `Department`), then week."""
    weeks: defaultdict[tuple[str, int, int], WeekOfDepartment] = defaultdict(WeekOfDepartment)
    calendars = AccountCalendars(session)
    for case in (await session.execute(cases_of(period, department))).all():
        year, week, _ = case.created_at.astimezone(period.zone).isocalendar()
        group = weeks[(case.department, year, week)]
        group.opened += 1
        group.count(outcome(case, now))
        if case.first_response_at is not None:
            calendar = await calendars.of(case)
            business_time = calendar.business_time_between(case.created_at, case.first_response_at)
            group.response_seconds.append(business_time.total_seconds())
    ordered = sorted(weeks.items(), key=lambda item: (DEPARTMENT_ORDER.get(item[0][0], 99), item[0]))
    return [group.row(*key) for key, group in ordered]


def cases_of(period: Period, department: str | None) -> Any:
    """The cases created in the period, with what decides their outcome and the calendar of their account."""
    start, end = period.bounds()
    query = select(
        Case.department,
        Case.account_id,
        Case.status,
        Case.created_at,
        Case.updated_at,
        Case.response_due_at,
        Case.first_response_at,
        *CALENDAR_COLUMNS,
    ).select_from(Case)
    query = join_calendar_of_account(query, Case.account_id).where(
        Case.created_at >= start, Case.created_at < end
    )
    return query.where(Case.department == department) if department else query


def as_csv(rows: list[ServiceLevelRow]) -> str:
    """The rows under a header of their field names; an empty cell where the JSON answer has null."""
    columns = list(ServiceLevelRow.model_fields)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        values = row.model_dump(mode="json")
        writer.writerow(["" if values[name] is None else values[name] for name in columns])
    return out.getvalue()
