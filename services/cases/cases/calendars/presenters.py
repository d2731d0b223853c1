"""The calendars as the API answers them: with their accounts counted and what the caller may do."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.calendars.models import Calendar, CalendarAssignment
from cases.calendars.schemas import (
    AccountCalendarOut,
    CalendarAccountOut,
    CalendarDayOut,
    CalendarDetail,
    CalendarOut,
    DayHoursOut,
    HolidayOut,
    OpeningRangeOut,
)
from cases.calendars.service import accounts_with_their_calendar, build, calendar_in_use
from cases.directory.models import Account
from shared import clock
from shared.auth import Principal
from shared.events.vocabulary import CalendarAction, CalendarDayKind
from shared.paging import PageQuery, count_of
from shared.permissions import calendar_actions


async def account_counts(session: AsyncSession) -> dict[str, int]:
    """How many active accounts use each calendar, by calendar id."""
    in_use = (
        select(calendar_in_use().label("calendar_id"))
        .select_from(accounts_with_their_calendar())
        .where(Account.active.is_(True))
        .subquery()
    )
    rows = await session.execute(
        select(in_use.c.calendar_id, func.count())
        .where(in_use.c.calendar_id.is_not(None))
        .group_by(in_use.c.calendar_id)
    )
    return {calendar_id: count for calendar_id, count in rows}


def calendar_out(principal: Principal, calendar: Calendar, account_count: int) -> CalendarOut:
    days = sorted(calendar.days, key=lambda d: d.day)
    return CalendarOut(
        id=calendar.id,
        name=calendar.name,
        time_zone=calendar.time_zone,
        country=calendar.country,
        subdivision=calendar.subdivision,
        holiday_categories=calendar.holiday_categories,
        weekly_hours=[
            DayHoursOut(
                weekday=weekday, ranges=[OpeningRangeOut(start=start, end=end) for start, end in ranges]
            )
            for weekday, ranges in enumerate(calendar.weekly_hours)
        ],
        closed_days=[
            CalendarDayOut(day=d.day, note=d.note) for d in days if d.kind == CalendarDayKind.CLOSED
        ],
        extra_open_days=[
            CalendarDayOut(day=d.day, note=d.note) for d in days if d.kind == CalendarDayKind.EXTRA_OPEN
        ],
        version=calendar.version,
        updated_at=calendar.updated_at,
        account_count=account_count,
        allowed_actions=calendar_actions(principal),
    )


async def calendar_detail(
    session: AsyncSession, principal: Principal, calendar: Calendar, year: int | None = None
) -> CalendarDetail:
    """A calendar with the public holidays of a year (by default this year in its time zone)."""
    counts = await account_counts(session)
    business = build(calendar)
    year = year or clock.now().astimezone(business.zone).year
    holidays = business.holidays_in(year, principal.language)
    return CalendarDetail(
        **calendar_out(principal, calendar, counts.get(calendar.id, 0)).model_dump(),
        year=year,
        holidays=[HolidayOut(day=day, name=name) for day, name in sorted(holidays.items())],
    )


async def accounts_using(
    session: AsyncSession, calendar_id: str, paging: PageQuery
) -> tuple[list[CalendarAccountOut], int]:
    """The active accounts that use a calendar, by account number."""
    query = (
        select(Account, CalendarAssignment.calendar_id.is_not(None))
        .select_from(accounts_with_their_calendar())
        .where(calendar_in_use() == calendar_id, Account.active.is_(True))
        .order_by(Account.number)
    )
    rows = (await session.execute(paging.of(query))).all()
    items = [
        CalendarAccountOut(
            id=account.id,
            number=account.number,
            name=account.name,
            country=account.country,
            subdivision=account.subdivision,
            assigned=assigned,
        )
        for account, assigned in rows
    ]
    return items, await count_of(session, query)


async def account_calendar(
    session: AsyncSession, principal: Principal, account_id: str
) -> AccountCalendarOut | None:
    """Which calendar an account uses, or None when no copy of the account is here."""
    row = (
        await session.execute(
            select(calendar_in_use(), CalendarAssignment.calendar_id.is_not(None))
            .select_from(accounts_with_their_calendar())
            .where(Account.id == account_id)
        )
    ).first()
    if row is None:
        return None
    calendar_id, assigned = row
    return AccountCalendarOut(
        account_id=account_id,
        assigned=assigned,
        calendar_id=calendar_id,
        allowed_actions=[a for a in calendar_actions(principal) if a == CalendarAction.ASSIGN_ACCOUNTS],
    )
