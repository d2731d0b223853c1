"""The scheduled job of F-14: a resolved case closes itself after 14 days.

Safe with several replicas: each pass takes the due cases with FOR UPDATE SKIP LOCKED (PostgreSQL), so two
replicas never close the same case, and a customer reopening it at that moment waits for (or wins) the row."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import select

from cases.audit.service import SYSTEM_ACTOR
from cases.case import service
from cases.case.models import Case
from cases.settings import Settings
from shared.db import Database, utcnow
from shared.events.vocabulary import CaseStatus
from shared.outbox import Outbox

log = logging.getLogger(__name__)
BATCH = 100

Hook = Callable[[FastAPI], Awaitable[None]]


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

    async def run_forever(app: FastAPI) -> None:
        while True:
            try:
                if count := await close_resolved_cases(app.state.db, app.state.outbox, after):
                    log.info("closed %d resolved cases", count)
            except Exception:
                log.exception("auto-close pass failed")
            await asyncio.sleep(settings.auto_close_interval_seconds)

    async def start(app: FastAPI) -> None:
        app.state.auto_close = asyncio.create_task(run_forever(app), name="auto-close")

    async def stop(app: FastAPI) -> None:
        app.state.auto_close.cancel()
        await asyncio.gather(app.state.auto_close, return_exceptions=True)

    return start, stop
