"""Jobs that run once per period, however many replicas of a service run them (F-80).

Periods are counted on the wall clock (period n starts at n * every seconds since the epoch), so every replica
agrees on them. Before a run, a replica claims the period on the job's row of the service's `periodic_job`
table with one conditional UPDATE (`period < :this_one`): the database lets exactly one replica change the row,
and the others leave that period alone. On SQLite a single process is assumed, and the claim still holds.

A run that fails is logged and not retried within its period; the jobs catch up on what is due at the next."""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

from fastapi import FastAPI
from sqlalchemy import BigInteger, Column, CursorResult, MetaData, String, Table, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database, upsert_ignore

log = logging.getLogger(__name__)

Job = Callable[[FastAPI], Awaitable[Any]]
Hook = Callable[[FastAPI], Awaitable[None]]


def periodic_job_table(metadata: MetaData) -> Table:
    """The last period each job was claimed for, one row per job (every service has one: the messaging tables
    declare it for the retention job, shared.retention)."""
    if "periodic_job" in metadata.tables:
        return metadata.tables["periodic_job"]
    return Table(
        "periodic_job",
        metadata,
        Column("job", String(100), primary_key=True),
        Column("period", BigInteger, nullable=False),
    )


def period_of(moment: float, every: float) -> int:
    return int(moment // every)


async def claim_period(session: AsyncSession, table: Table, job: str, period: int) -> bool:
    """Claim the period for this job in the caller's transaction; False when it was claimed already."""
    await session.execute(upsert_ignore(session, table).values(job=job, period=-1).on_conflict_do_nothing())
    claimed = await session.execute(
        update(table).where(table.c.job == job, table.c.period < period).values(period=period)
    )
    return cast(CursorResult[Any], claimed).rowcount == 1  # an UPDATE's result is a cursor's


class PeriodicRunner:
    """Runs `job(app)` once per period of `every` seconds across the replicas sharing the database."""

    def __init__(self, name: str, every: float, job: Job, table: Table) -> None:
        self.name, self.every, self.job, self.table = name, every, job, table
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self, app: FastAPI) -> None:
        self._task = asyncio.create_task(self._run(app), name=f"periodic-{self.name}")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def run_once(self, app: FastAPI, period: int) -> bool:
        """Run the job for this period unless another replica has; True when this one ran it."""
        db: Database = app.state.db
        async with db.session() as session, session.begin():
            if not await claim_period(session, self.table, self.name, period):
                return False
        try:
            if result := await self.job(app):
                log.info("%s: %s", self.name, result)
        except Exception:
            log.exception("%s failed", self.name)
        return True

    async def _run(self, app: FastAPI) -> None:
        # Periods on the real clock, never a test's business clock (shared.clock): a wall-clock period is what every
        # replica agrees on, and moving business time must not make a job run again or skip a run.
        while not self._stopping.is_set():
            try:
                await self.run_once(app, period_of(time.time(), self.every))
            except Exception:
                log.exception("%s could not claim its period", self.name)  # the database is away: next period
            until_next = self.every - time.time() % self.every
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), until_next)


def periodic(name: str, every: float, job: Job, table: Table) -> tuple[Hook, Hook]:
    """Startup and shutdown hooks of a service app that run `job(app)` once every `every` seconds."""
    runner = PeriodicRunner(name, every, job, table)

    async def start(app: FastAPI) -> None:
        runner.start(app)

    async def stop(_app: FastAPI) -> None:
        await runner.stop()

    return start, stop
