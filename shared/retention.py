"""Retention of the messaging tables: sent outbox rows and inbox rows older than the redelivery window go.

An inbox row is what makes a second delivery of an event harmless, so it is kept as long as the event may come
again (`BUS_REDELIVERY_WINDOW_HOURS`: the retry tiers, a long outage, a parked message an operator replays within
the window); a sent outbox row is kept as long, for the operators who look for what was published. Unsent rows are
never pruned. Rows go in batches of one short transaction each, so that neither the relay nor the consumers wait
behind a long delete, and the job runs once per period whatever the number of replicas (shared.periodic's claims).
"""

import asyncio
import logging
from datetime import timedelta
from typing import Any, cast

from fastapi import FastAPI
from sqlalchemy import CursorResult, delete, select, tuple_

from shared import clock
from shared.config import ServiceSettings
from shared.db import Database
from shared.messaging_tables import MessagingTables
from shared.metrics import MESSAGING_PRUNED
from shared.periodic import Hook, periodic

log = logging.getLogger(__name__)
BATCH = 5_000


async def prune_messaging(
    db: Database, tables: MessagingTables, window: timedelta, *, batch: int = BATCH
) -> dict[str, int]:
    """Delete sent outbox rows and inbox rows older than `window`; returns how many of each went. Both times are
    transport bookkeeping on the real clock (a test's business clock does not age them)."""
    cutoff = clock.wall_now() - window
    outbox, inbox = tables.outbox, tables.inbox
    old_sent = (
        select(outbox.c.id)
        .where(outbox.c.sent_at.is_not(None), outbox.c.sent_at < cutoff)
        .order_by(outbox.c.id)
        .limit(batch)
    )
    old_handled = select(inbox.c.handler, inbox.c.event_id).where(inbox.c.processed_at < cutoff).limit(batch)
    return {
        "outbox": await _in_batches(
            db, "outbox", delete(outbox).where(outbox.c.id.in_(old_sent.scalar_subquery())), batch
        ),
        "inbox": await _in_batches(
            db,
            "inbox",
            delete(inbox).where(tuple_(inbox.c.handler, inbox.c.event_id).in_(old_handled)),
            batch,
        ),
    }


async def _in_batches(db: Database, table: str, statement: Any, batch: int) -> int:
    total = 0
    while True:
        async with db.session() as session, session.begin():
            result = cast(CursorResult[Any], await session.execute(statement))  # a DELETE's is a cursor's
        deleted = result.rowcount or 0
        total += deleted
        MESSAGING_PRUNED.labels(table).inc(deleted)
        if deleted < batch:
            return total
        await asyncio.sleep(0)  # let the service's requests and events in between batches


def retention_job(tables: MessagingTables, settings: ServiceSettings) -> tuple[Hook, Hook]:
    """The startup and shutdown hooks of the retention job of a service's messaging tables: every
    `retention_interval_seconds`, rows older than the redelivery window."""

    async def prune(app: FastAPI) -> str | None:
        pruned = await prune_messaging(app.state.db, tables, settings.redelivery_window)
        return (
            f"pruned {pruned['outbox']} sent outbox and {pruned['inbox']} inbox rows"
            if any(pruned.values())
            else None
        )

    return periodic("messaging.retention", settings.retention_interval_seconds, prune, tables.periodic_jobs)
