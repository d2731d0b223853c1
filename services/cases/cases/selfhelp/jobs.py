"""The scheduled job of F-16: a run left unfinished for a while is abandoned at the step where it stopped (the
supervisors' "abandoned by step"), and published so."""

from datetime import timedelta

from fastapi import FastAPI

from cases.database import periodic_jobs
from cases.selfhelp.runs import abandon_stale_runs
from cases.settings import Settings
from shared.db import Database, utcnow
from shared.outbox import Outbox
from shared.periodic import Hook, periodic

BATCH = 100


async def abandon_runs(db: Database, outbox: Outbox, after: timedelta) -> int:
    abandoned = 0
    while True:
        async with db.session() as session, session.begin():
            count = await abandon_stale_runs(session, outbox, utcnow() - after, BATCH)
        abandoned += count
        if count < BATCH:
            return abandoned


def abandon_hooks(settings: Settings) -> tuple[Hook, Hook]:
    after = timedelta(minutes=settings.guide_run_abandoned_after_minutes)

    async def abandon(app: FastAPI) -> str | None:
        count = await abandon_runs(app.state.db, app.state.outbox, after)
        return f"abandoned {count} guide runs" if count else None

    return periodic(
        "cases.guide_runs_abandoned", settings.guide_run_abandon_interval_seconds, abandon, periodic_jobs
    )
