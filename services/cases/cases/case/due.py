"""Where open cases stand against their response due time (F-12, F-40), for the agents' queue and side panel: the
judgement itself is `cases.servicelevel.service_level` (the case answers and the alerts job use it too); here it
is applied with each case's calendar, and its `breached` said in SQL for counting."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_
from sqlalchemy.ext.asyncio import AsyncSession

from cases.calendars.service import UNKNOWN_ACCOUNT_CALENDAR, calendars_for_accounts
from cases.case.models import Case
from cases.servicelevel import BusinessCalendar, service_level
from cases.servicelevel.state import OWING


def due_flags(case: Case, calendar: BusinessCalendar, now: datetime) -> dict[str, bool]:
    """`breached` and `at_risk` of a case on its account's calendar; a case that owes no response is neither."""
    level = service_level(case, calendar, now)
    return {"breached": level.breached, "at_risk": level.at_risk}


def breached_clause(now: datetime) -> ColumnElement[bool]:
    """`ServiceLevel.breached` as a WHERE clause, to count breached cases in the database."""
    return and_(
        Case.status.in_(OWING),
        Case.response_due_at.is_not(None),
        Case.response_due_at <= now,
        Case.first_response_at.is_(None),
        Case.paused_since.is_(None),
    )


async def calendars_of(session: AsyncSession, account_ids: Iterable[str]) -> dict[str, BusinessCalendar]:
    """The business-hours calendar of each account, read in one query; an account whose copy has not arrived yet
    is counted on the default hours in UTC (its place is unknown)."""
    wanted = set(account_ids)
    found = await calendars_for_accounts(session, wanted)
    return {account_id: found.get(account_id, UNKNOWN_ACCOUNT_CALENDAR) for account_id in wanted}
