"""HTTP API of the business-hours calendars under /api/cases/v1 (F-12, F-42): the vendor's staff read them and
compute due times on them; supervisors change their hours and days and which account uses which."""

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.calendars import changes, presenters
from cases.calendars.models import Calendar
from cases.calendars.schemas import (
    AccountCalendarOut,
    AssignmentIn,
    CalendarAccountPage,
    CalendarDetail,
    CalendarList,
    DayNoteIn,
    DueOut,
    WeeklyHoursIn,
)
from cases.calendars.service import stored_calendar, unknown_calendar
from cases.servicelevel import InvalidHours, NeverOpen, OpeningRange, WeeklyHours
from cases.servicelevel.hours import checked_day, checked_week
from shared.app import DbSession
from shared.auth import Principal, StaffUser, SupervisorUser
from shared.errors import Problem, field_error, not_found
from shared.events.vocabulary import CalendarDayKind
from shared.paging import Paging
from shared.permissions import calendar_actions

router = APIRouter(prefix="/api/cases/v1", tags=["calendars"])
# Business time is reckoned for these years: far enough for any contract, and safe from datetime's limits.
FIRST_YEAR, LAST_YEAR = 2000, 2100
CalendarId = Annotated[str, Path(max_length=20)]
AccountId = Annotated[str, Path(max_length=36)]
Day = Annotated[date, Path(description="YYYY-MM-DD, local to the calendar")]
Year = Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR, description="of the holidays listed")]


@router.get("/calendars", response_model=CalendarList)
async def list_calendars(principal: StaffUser, session: DbSession) -> CalendarList:
    calendars = (await session.scalars(select(Calendar).order_by(Calendar.id))).all()
    counts = await presenters.account_counts(session)
    return CalendarList(
        items=[presenters.calendar_out(principal, c, counts.get(c.id, 0)) for c in calendars],
        allowed_actions=calendar_actions(principal),
    )


@router.get("/calendars/{calendar_id}", response_model=CalendarDetail)
async def get_calendar(
    calendar_id: CalendarId, principal: StaffUser, session: DbSession, year: Year = None
) -> CalendarDetail:
    calendar = await session.get(Calendar, calendar_id)
    if calendar is None:
        raise unknown_calendar()
    return await presenters.calendar_detail(session, principal, calendar, year)


@router.get("/calendars/{calendar_id}/due", response_model=DueOut)
async def due_time(
    calendar_id: CalendarId,
    _staff: StaffUser,
    session: DbSession,
    start: Annotated[
        str, Query(max_length=40, description="ISO 8601; without an offset, local to the calendar")
    ],
    hours: Annotated[float, Query(gt=0, le=10_000, description="business hours")],
) -> DueOut:
    calendar = await stored_calendar(session, calendar_id)
    begin = parse_start(start, calendar.zone)
    try:
        due, counted_from = calendar.due_at(begin, hours), calendar.next_opening(begin)
    except NeverOpen:
        raise Problem(
            409, "Never open", "This calendar has no business hours.", code="no_opening_hours"
        ) from None
    return DueOut(
        calendar_id=calendar_id,
        due_at=due,
        counted_from=counted_from,
        outside_business_hours=counted_from != begin,
    )


def parse_start(text: str, zone: ZoneInfo) -> datetime:
    try:
        start = datetime.fromisoformat(text)
    except ValueError:
        raise field_error("start", "must be an ISO 8601 date-time", field_code="not_a_datetime") from None
    within_years(start.date(), "start")
    return start if start.tzinfo else start.replace(tzinfo=zone)


def within_years(day: date, field: str) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise field_error(
            field,
            f"must lie between the years {FIRST_YEAR} and {LAST_YEAR}",
            field_code="date_out_of_range",
            first_year=str(FIRST_YEAR),
            last_year=str(LAST_YEAR),
        )


@router.get("/calendars/{calendar_id}/accounts", response_model=CalendarAccountPage)
async def calendar_accounts(
    calendar_id: CalendarId, _staff: StaffUser, session: DbSession, paging: Paging
) -> CalendarAccountPage:
    if await session.get(Calendar, calendar_id) is None:
        raise unknown_calendar()
    items, total = await presenters.accounts_using(session, calendar_id, paging)
    return CalendarAccountPage(**paging.page(items, total))


@router.put("/calendars/{calendar_id}/weekly-hours", response_model=CalendarDetail)
async def set_weekly_hours(
    calendar_id: CalendarId, body: WeeklyHoursIn, principal: SupervisorUser, session: DbSession
) -> CalendarDetail:
    week = checked_hours(body)
    async with session.begin():
        calendar = await changes.calendar_for_update(session, calendar_id)
        changes.set_weekly_hours(session, principal, calendar, week)
    return await presenters.calendar_detail(session, principal, calendar)


def checked_hours(body: WeeklyHoursIn) -> WeeklyHours:
    """The week asked for, or a 422 naming the range at fault."""
    days = []
    for weekday, day in enumerate(body.weekly_hours):
        try:
            days.append(list(checked_day([OpeningRange.parse(r.start, r.end) for r in day.ranges])))
        except InvalidHours as exc:
            raise field_error(
                f"weekly_hours.{weekday}.ranges.{exc.index}", str(exc), field_code=exc.code
            ) from None
    try:
        return checked_week(days)
    except InvalidHours as exc:
        raise field_error("weekly_hours", str(exc), field_code=exc.code) from None


async def change_day(
    session: AsyncSession,
    principal: Principal,
    calendar_id: str,
    day: date,
    kind: CalendarDayKind,
    note: str | None,
) -> CalendarDetail:
    """Make the day of that kind (a note given) or give it back to its week (no note)."""
    within_years(day, "day")
    async with session.begin():
        calendar = await changes.calendar_for_update(session, calendar_id)
        if note is None:
            changes.remove_day(session, principal, calendar, day, kind)
        else:
            changes.set_day(session, principal, calendar, day, kind, note)
    return await presenters.calendar_detail(session, principal, calendar, day.year)


def day_routes(segment: str, kind: CalendarDayKind, meaning: str) -> None:
    """PUT makes a day of this kind, with a note; DELETE gives it back to its week."""
    path = f"/calendars/{{calendar_id}}/{segment}/{{day}}"

    @router.put(path, response_model=CalendarDetail, name=f"set_{kind}_day", description=meaning)
    async def set_day(
        calendar_id: CalendarId,
        day: Day,
        principal: SupervisorUser,
        session: DbSession,
        body: DayNoteIn | None = None,
    ) -> CalendarDetail:
        note = (body or DayNoteIn()).note
        return await change_day(session, principal, calendar_id, day, kind, note)

    @router.delete(path, response_model=CalendarDetail, name=f"remove_{kind}_day")
    async def remove_day(
        calendar_id: CalendarId, day: Day, principal: SupervisorUser, session: DbSession
    ) -> CalendarDetail:
        return await change_day(session, principal, calendar_id, day, kind, None)


day_routes(
    "closed-days",
    CalendarDayKind.CLOSED,
    "The calendar is closed that day (an extra open day of that date stops being one).",
)
day_routes(
    "extra-open-days",
    CalendarDayKind.EXTRA_OPEN,
    "The calendar opens that day although its week or a holiday closes it: with its weekday's hours, or "
    "08:00-17:00 when the weekday has none (a closed day of that date stops being one).",
)


@router.get("/accounts/{account_id}/calendar", response_model=AccountCalendarOut)
async def get_account_calendar(
    account_id: AccountId, principal: StaffUser, session: DbSession
) -> AccountCalendarOut:
    return await account_calendar_or_404(session, principal, account_id)


@router.put("/accounts/{account_id}/calendar", response_model=AccountCalendarOut)
async def assign_calendar(
    account_id: AccountId, body: AssignmentIn, principal: SupervisorUser, session: DbSession
) -> AccountCalendarOut:
    async with session.begin():
        await changes.assign_calendar(session, principal, account_id, body.calendar_id)
    return await account_calendar_or_404(session, principal, account_id)


@router.delete("/accounts/{account_id}/calendar", response_model=AccountCalendarOut)
async def clear_calendar(
    account_id: AccountId, principal: SupervisorUser, session: DbSession
) -> AccountCalendarOut:
    """The account goes back to the calendar of its country and subdivision."""
    async with session.begin():
        await changes.assign_calendar(session, principal, account_id, None)
    return await account_calendar_or_404(session, principal, account_id)


async def account_calendar_or_404(
    session: DbSession, principal: Principal, account_id: str
) -> AccountCalendarOut:
    found = await presenters.account_calendar(session, principal, account_id)
    if found is None:
        raise not_found("account")
    return found
