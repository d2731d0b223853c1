"""Alerts about response due times (F-12, F-40): the periodic job that tells staff of a case with less than one
business hour left (`cases.case.sla_warning`) and of one past its due time (`cases.case.sla_breached`), each
once per case, and only while the case's business hours are open: what falls due at night is told at the next
opening, when someone can act on it.

Where a case stands is `cases.servicelevel.service_level`, the same judgement as in the case's answers. Once per
case and threshold is the database's promise: the alert's row in `case_sla_alert`, keyed by both, is written in
the transaction that stages the event, and a second process that reaches the same case at the same moment writes
nothing (ON CONFLICT DO NOTHING, waiting on PostgreSQL for the first to commit) and so publishes nothing.

Who is told: the case's assignee while they are active staff, else every active agent of its department; their
ids travel in the event, for `notifications` to email them."""

import logging
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

from fastapi import FastAPI
from sqlalchemy import CursorResult, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit import service as audit
from cases.calendars.service import UNKNOWN_ACCOUNT_CALENDAR, calendars_for_accounts
from cases.case.models import Case, SlaAlert
from cases.database import periodic_jobs
from cases.departments.members import members_of
from cases.directory.models import Account, User
from cases.servicelevel import ServiceLevel, service_level
from cases.servicelevel.state import OWING
from cases.settings import Settings
from shared.db import Database, upsert_ignore, utcnow
from shared.events.cases import CaseSlaAlert, CaseSlaBreached, CaseSlaWarning
from shared.outbox import Outbox
from shared.periodic import Hook, periodic

log = logging.getLogger(__name__)
# Cases looked at per pass, the soonest due first; more wait for the next pass.
BATCH = 500


class SlaThreshold(StrEnum):
    WARNING = "warning"
    BREACHED = "breached"


EVENTS: dict[SlaThreshold, type[CaseSlaAlert]] = {
    SlaThreshold.WARNING: CaseSlaWarning,
    SlaThreshold.BREACHED: CaseSlaBreached,
}


def candidates(now: datetime) -> Any:
    """Cases that may need an alert: owing a first response with the clock running, less than one business hour
    from their due time by their stored warning time, and not told of yet (a case still due later is done once
    warned; a case past due once told of its breach)."""
    told = exists().where(
        SlaAlert.case_id == Case.id,
        or_(SlaAlert.threshold == SlaThreshold.BREACHED, Case.response_due_at > now),
    )
    return (
        select(Case)
        .where(
            and_(
                Case.status.in_(OWING),
                Case.first_response_at.is_(None),
                Case.paused_since.is_(None),
                Case.response_warning_at <= now,
            ),
            ~told,
        )
        # One order for every process: two passes claim the same cases in the same order and never deadlock.
        .order_by(Case.response_due_at, Case.id)
        .limit(BATCH)
    )


def threshold_of(level: ServiceLevel) -> SlaThreshold | None:
    if level.breached:
        return SlaThreshold.BREACHED
    return SlaThreshold.WARNING if level.at_risk else None


async def send_sla_alerts(db: Database, outbox: Outbox) -> int:
    """One pass: publish the alerts due now; returns how many were published."""
    now = utcnow()
    sent = 0
    async with db.session() as session, session.begin():
        cases = list((await session.scalars(candidates(now))).all())
        calendars = await calendars_for_accounts(session, {c.account_id for c in cases})
        for case in cases:
            calendar = calendars.get(case.account_id, UNKNOWN_ACCOUNT_CALENDAR)
            if not calendar.is_open(now):
                continue  # at night: told at the next opening
            level = service_level(case, calendar, now)
            threshold = threshold_of(level)
            if threshold is None or level.due_at is None or not await claim(session, case, threshold, now):
                continue
            await outbox.add(
                session, await alert(session, case, threshold, level.due_at, now), subject=case.id
            )
            sent += 1
    return sent


async def claim(session: AsyncSession, case: Case, threshold: SlaThreshold, now: datetime) -> bool:
    """Record the alert, and audit it, in the caller's transaction; False when it was recorded already, by this
    process or another (see the module's docstring)."""
    inserted = await session.execute(
        upsert_ignore(session, SlaAlert.__table__)
        .values(case_id=case.id, threshold=threshold, sent_at=now)
        .on_conflict_do_nothing()
    )
    if cast(CursorResult[Any], inserted).rowcount != 1:  # an INSERT's result is a cursor's
        return False
    audit.record(
        session,
        actor_id=audit.SYSTEM_ACTOR,
        actor_side="system",
        action=f"case.sla_{threshold}",
        case_id=case.id,
        changes={f"sla_{threshold}_at": (None, now.isoformat())},
    )
    return True


async def alert(
    session: AsyncSession, case: Case, threshold: SlaThreshold, due_at: datetime, now: datetime
) -> CaseSlaAlert:
    account = await session.get(Account, case.account_id)
    return EVENTS[threshold](
        case_id=case.id,
        number=case.number,
        account_id=case.account_id,
        account_name=account.name if account else "",
        subject=case.subject,
        department=case.department,
        assignee_id=case.assignee_id,
        response_due_at=due_at,
        recipient_ids=await recipients(session, case),
        at=now,
    )


async def recipients(session: AsyncSession, case: Case) -> list[str]:
    """The case's assignee while active staff, else the active staff of its department."""
    assignee = [case.assignee_id] if case.assignee_id else []
    for user_ids in (assignee, await members_of(session, case.department)):
        if not user_ids:
            continue
        active = await session.scalars(
            select(User.id).where(User.id.in_(user_ids), User.active.is_(True), User.staff_role.is_not(None))
        )
        if found := set(active.all()):
            return [user_id for user_id in user_ids if user_id in found]
    log.warning(
        "nobody to tell about case %s: department %s has no active staff", case.number, case.department
    )
    return []


def sla_alert_hooks(settings: Settings) -> tuple[Hook, Hook]:
    async def alert_due_cases(app: FastAPI) -> str | None:
        count = await send_sla_alerts(app.state.db, app.state.outbox)
        return f"published {count} response-time alerts" if count else None

    return periodic("cases.sla_alerts", settings.sla_alert_interval_seconds, alert_due_cases, periodic_jobs)
