"""Where an open case stands against its response due time (F-12, F-40): breached, or at risk of it.

A case counts only while the vendor owes it a first response and its clock runs: once answered, or while it
waits for the customer (paused), it is neither breached nor at risk."""

from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, and_

from cases.case.models import Case
from cases.directory.models import Account

AT_RISK_WITHIN = timedelta(hours=1)  # of business time


class BusinessTime(Protocol):
    """What the flags need of a business-hours calendar."""

    def business_time_between(self, earlier: datetime, later: datetime) -> timedelta: ...


class AroundTheClock:
    """Every hour counts. The calendar of an account until the business-hours calendars are kept here."""

    def business_time_between(self, earlier: datetime, later: datetime) -> timedelta:
        return max(later - earlier, timedelta(0))


def calendar_of(account: Account | None) -> BusinessTime:
    """The business-hours calendar the account's cases are due on."""
    return AroundTheClock()


def owes_response(case: Case) -> bool:
    return case.response_due_at is not None and case.first_response_at is None and case.paused_since is None


def breached(case: Case, now: datetime) -> bool:
    """Its due time passed without a response while the clock ran."""
    return owes_response(case) and case.response_due_at is not None and case.response_due_at <= now


def at_risk(case: Case, calendar: BusinessTime, now: datetime) -> bool:
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
