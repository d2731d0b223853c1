"""The scheduled job of F-14: a resolved case closes itself after 14 days.

Run by `shared.periodic` once per interval across the replicas; each pass also takes the due cases with
FOR UPDATE SKIP LOCKED (PostgreSQL), so two passes never close the same case, and a customer reopening it at
that moment waits for (or wins) the row."""

import logging
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import select

from cases.audit.service import SYSTEM_ACTOR
from cases.case import service
from cases.case.models import Case
from cases.database import periodic_jobs
from cases.settings import Settings
from shared.db import Database, utcnow
from shared.events.vocabulary import CaseStatus
from shared.outbox import Outbox
from shared.periodic import Hook, periodic

log = logging.getLogger(__name__)
BATCH = 100


async def close_resolved_cases(db: Database, outbox: Outbox, after: timedelta) -> int:
    """Close every case resolved more than `after` ago; returns how many were closed."""
    closed = 0
    while True:
        cutoff = utcnow() - after
        async with db.session() as session, session.begin():
            due = (
                await session.scalars(
                    select(Case)
                    .where(Case.status == CaseStatus.RESOLVED, Case.resolved_at <= cutoff)
                    .order_by(Case.resolved_at)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for case in due:
                await service.change_status(
                    session,
                    outbox,
                    case,
                    CaseStatus.CLOSED,
                    actor_id=SYSTEM_ACTOR,
                    side="system",
                    checked=False,
                    reason=f"closed automatically {after.days} days after it was resolved",
                )
        closed += len(due)
        if len(due) < BATCH:
            return closed


def auto_close_hooks(settings: Settings) -> tuple[Hook, Hook]:
    after = timedelta(days=settings.auto_close_after_days)

    async def close_resolved(app: FastAPI) -> str | None:
        count = await close_resolved_cases(app.state.db, app.state.outbox, after)
        return f"closed {count} resolved cases" if count else None

    return periodic("cases.auto_close", settings.auto_close_interval_seconds, close_resolved, periodic_jobs)
