"""Supervisors' changes to the business-hours calendars (F-42), each audited with the values before and after.

Each change raises the calendar's version in the same transaction, under a lock on its row, so that concurrent
changes never lose one another and every process rebuilds its cached calendar (cases.calendars.service)."""

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit import service as audit
from cases.calendars.models import Calendar, CalendarAssignment, CalendarDay
from cases.calendars.service import unknown_calendar
from cases.directory.models import Account
from cases.servicelevel.hours import WeeklyHours, week_texts
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import not_found
from shared.events.vocabulary import Side


async def calendar_for_update(session: AsyncSession, calendar_id: str) -> Calendar:
    calendar = await session.get(Calendar, calendar_id, with_for_update=True, populate_existing=True)
    if calendar is None:
        raise unknown_calendar()
    return calendar


def set_weekly_hours(
    session: AsyncSession, principal: Principal, calendar: Calendar, week: WeeklyHours
) -> None:
    new = week_texts(week)
    if new == calendar.weekly_hours:
        return
    old, calendar.weekly_hours = calendar.weekly_hours, new
    _changed(session, principal, calendar, "calendar.hours_set", {"weekly_hours": (old, new)})


def set_day(
    session: AsyncSession, principal: Principal, calendar: Calendar, day: date, kind: str, note: str
) -> None:
    """Make a day closed or extra open (a day is one or the other: the other kind gives way)."""
    existing = day_of(calendar, day)
    old = {"kind": existing.kind, "note": existing.note} if existing else None
    new = {"kind": kind, "note": note}
    if old == new:
        return
    if existing:
        existing.kind, existing.note = kind, note
    else:
        calendar.days.append(CalendarDay(calendar_id=calendar.id, day=day, kind=kind, note=note))
    _changed(session, principal, calendar, "calendar.day_set", {day.isoformat(): (old, new)})


def remove_day(session: AsyncSession, principal: Principal, calendar: Calendar, day: date, kind: str) -> None:
    """Give a closed or extra open day back to its week; nothing to do when it is not of that kind."""
    existing = day_of(calendar, day)
    if existing is None or existing.kind != kind:
        return
    calendar.days.remove(existing)
    old = {"kind": existing.kind, "note": existing.note}
    _changed(session, principal, calendar, "calendar.day_removed", {day.isoformat(): (old, None)})


def day_of(calendar: Calendar, day: date) -> CalendarDay | None:
    return next((d for d in calendar.days if d.day == day), None)


def _changed(
    session: AsyncSession, principal: Principal, calendar: Calendar, action: str, changes: dict[str, Any]
) -> None:
    calendar.version += (
        1  # the row is locked (calendar_for_update): no other change can read the same version
    )
    calendar.updated_at = utcnow()
    audit.record(
        session,
        actor_id=principal.user_id,
        actor_side=Side.VENDOR,
        action=action,
        case_id=None,
        changes=changes,
        calendar=calendar.id,
        version=calendar.version,
    )


async def assign_calendar(
    session: AsyncSession, principal: Principal, account_id: str, calendar_id: str | None
) -> None:
    """Give an account a calendar other than its country's, or (None) give it back its country's."""
    if await session.get(Account, account_id) is None:
        raise not_found("account")
    if calendar_id is not None and await session.get(Calendar, calendar_id) is None:
        raise unknown_calendar()
    assignment = await session.scalar(
        select(CalendarAssignment).where(CalendarAssignment.account_id == account_id).with_for_update()
    )
    old = assignment.calendar_id if assignment else None
    if old == calendar_id:
        return
    if calendar_id is None:
        await session.delete(assignment)
    elif assignment is None:
        session.add(
            CalendarAssignment(account_id=account_id, calendar_id=calendar_id, assigned_by=principal.user_id)
        )
    else:
        assignment.calendar_id, assignment.assigned_by, assignment.assigned_at = (
            calendar_id,
            principal.user_id,
            utcnow(),
        )
    audit.record(
        session,
        actor_id=principal.user_id,
        actor_side=Side.VENDOR,
        action="calendar.assigned" if calendar_id else "calendar.assignment_cleared",
        case_id=None,
        changes={"calendar_id": (old, calendar_id)},
        account=account_id,
    )
