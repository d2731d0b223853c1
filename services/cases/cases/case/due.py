"""Where an open case stands against its response due time (F-12, F-40): breached, or at risk of it.

A case counts only while the vendor owes it a first response and its clock runs: once answered, or while it
waits for the customer (paused), it is neither breached nor at risk. "At risk" is counted in business hours of
the account's calendar: a case due at 08:30 tomorrow is at risk at 16:30 today."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_
from sqlalchemy.ext.asyncio import AsyncSession

from cases.calendars.service import UnknownAccount, calendar_for_account
from cases.case.models import Case
from cases.servicelevel import BusinessCalendar

AT_RISK_WITHIN = timedelta(hours=1)  # of business time


def owes_response(case: Case) -> bool:
    return case.response_due_at is not None and case.first_response_at is None and case.paused_since is None


def breached(case: Case, now: datetime) -> bool:
    """Its due time passed without a response while the clock ran."""
    return owes_response(case) and case.response_due_at is not None and case.response_due_at <= now


def at_risk(case: Case, calendar: BusinessCalendar, now: datetime) -> bool:
    """Not breached yet, but less than one business hour of the case's calendar is left."""
    due = case.response_due_at
    if not owes_response(case) or due is None or due <= now:
        return False
    return calendar.business_time_between(now, due) < AT_RISK_WITHIN


def breached_clause(now: datetime) -> ColumnElement[bool]:
    """`breached` as a WHERE clause, to count breached cases in the database."""
    return and_(
        Case.response_due_at.is_not(None),
        Case.response_due_at <= now,
        Case.first_response_at.is_(None),
        Case.paused_since.is_(None),
    )


async def calendars_of(session: AsyncSession, account_ids: Iterable[str]) -> dict[str, BusinessCalendar]:
    """The business-hours calendar of each account; an account whose copy has not arrived yet is counted on the
    default hours in UTC (its place is unknown)."""
    found = {}
    for account_id in set(account_ids):
        try:
            found[account_id] = await calendar_for_account(session, account_id)
        except UnknownAccount:
            found[account_id] = BusinessCalendar(time_zone="UTC")
    return found
