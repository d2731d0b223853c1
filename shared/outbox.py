"""Transactional outbox: events are written in the business transaction and published by a relay.

The relay is woken right after a commit that wrote events (no polling delay on the hot path), retries
with backoff while the broker is away, and is safe with several replicas (FOR UPDATE SKIP LOCKED)."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Integer, Table, Update, bindparam, insert, null, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared import clock
from shared.db import Database, run_after_commit
from shared.events import CloudEvent, EventData, new_event
from shared.logging import current_correlation_id
from shared.metrics import OUTBOX_LAG

log = logging.getLogger(__name__)
# publish(exchange, routing_key, body, message_id), confirmed by the broker when it returns.
Publish = Callable[[str, str, bytes, str], Awaitable[None]]


class Outbox:
    def __init__(self, table: Table, source: str) -> None:
        self.table = table
        self.source = source
        self.pending = asyncio.Event()

    async def add(self, session: AsyncSession, data: EventData, *, subject: str | None = None) -> CloudEvent:
        """Stage an event in the caller's transaction; it is published once that transaction commits."""
        event, row = self._staged(data, subject)
        await session.execute(insert(self.table).values(**row))
        run_after_commit(session, self.pending.set)
        return event

    async def add_all(self, session: AsyncSession, staged: list[tuple[EventData, str | None]]) -> None:
        """Stage many (event data, subject) pairs in one statement, published in this order."""
        if not staged:
            return
        await session.execute(
            insert(self.table), [self._staged(data, subject)[1] for data, subject in staged]
        )
        run_after_commit(session, self.pending.set)

    def _staged(self, data: EventData, subject: str | None) -> tuple[CloudEvent, dict[str, Any]]:
        event = new_event(data, source=self.source, subject=subject, correlation_id=current_correlation_id())
        return event, {
            "event_id": event.id,
            "event_type": event.type,
            "exchange": data.exchange,
            "payload": event.model_dump_json(exclude_none=True),
            "created_at": event.time,
            "attempts": 0,
        }


class OutboxRelay:
    """Publishes committed outbox rows. `publish(exchange, routing_key, body, message_id)` is the bus's."""

    def __init__(
        self, db: Database, outbox: Outbox, publish: Publish, *, batch: int = 200, idle_interval: float = 5.0
    ) -> None:
        self.db, self.outbox, self.publish = db, outbox, publish
        self.batch, self.idle_interval = batch, idle_interval
        self._claim, self._retry = _statements(outbox.table)
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        # The flag and the wake-up as well as the cancel: Python 3.11's wait_for swallows a cancel that races
        # the event it waits for (a commit at shutdown), and the relay would then loop on forever.
        self._stopping = True
        if self._task:
            self._task.cancel()
            self.outbox.pending.set()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while not self._stopping:
            self.outbox.pending.clear()
            try:
                sent = await self.relay_once()
            except Exception:
                log.exception("outbox relay pass failed")
                sent = 0
            if sent >= self.batch:
                continue
            # Woken by the next commit; the interval catches rows left for retry or by a crashed replica.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.outbox.pending.wait(), self.idle_interval)

    async def relay_once(self) -> int:
        """Publish one batch of due rows; returns how many were confirmed by the broker.

        The due rows are locked and marked sent in one statement, and the transaction commits only once the broker
        has answered: a row whose publish failed gets its retry instead, and a crash rolls every mark back."""
        # Retries are scheduled on the real clock, as periodic jobs are: a test that moves business time back never
        # leaves a row waiting for the moved clock to catch up. `created_at` is the event's (business) time.
        now = clock.wall_now()
        async with self.db.engine.connect() as conn, conn.begin():
            rows = sorted((await conn.execute(self._claim, {"now": now, "batch": self.batch})).all())
            if not rows:
                OUTBOX_LAG.set(0)
                return 0
            OUTBOX_LAG.set((clock.now() - rows[0].created_at).total_seconds())
            results = await asyncio.gather(
                *(self.publish(r.exchange, r.event_type, r.payload.encode(), r.event_id) for r in rows),
                return_exceptions=True,
            )
            failed = [
                {"row_id": row.id, "error": repr(result)[:1000], "retry_at": now + _backoff(row.attempts)}
                for row, result in zip(rows, results, strict=True)
                if isinstance(result, BaseException)
            ]
            if failed:
                await conn.execute(self._retry, failed)
                log.warning("outbox: %d of %d events not confirmed, will retry", len(failed), len(rows))
            return len(rows) - len(failed)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(60.0, 0.5 * 2**attempts))


def _statements(table: Table) -> tuple[Update, Update]:
    """The relay's claim (lock the due rows and mark them sent, returning them) and its retry of a failed row:
    built once, so a pass compiles nothing."""
    now = bindparam("now", type_=table.c.sent_at.type)
    due = (
        select(table.c.id)
        .where(
            table.c.sent_at.is_(None),
            or_(
                table.c.next_attempt_at.is_(None),
                table.c.next_attempt_at <= now,
            ),
        )
        .order_by(table.c.id)
        .limit(bindparam("batch", type_=Integer))
        .with_for_update(skip_locked=True)
    )
    claim = (
        update(table)
        .where(table.c.id.in_(due.scalar_subquery()))
        .values(sent_at=now)
        .returning(
            table.c.id,
            table.c.event_id,
            table.c.event_type,
            table.c.exchange,
            table.c.payload,
            table.c.attempts,
            table.c.created_at,
        )
    )
    retry = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values(
            sent_at=null(),
            attempts=table.c.attempts + 1,
            last_error=bindparam("error"),
            next_attempt_at=bindparam("retry_at", type_=table.c.next_attempt_at.type),
        )
    )
    return claim, retry
