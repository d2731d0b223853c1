"""Retention of the messaging tables on PostgreSQL: after 100,000 readings' worth of rows, the sent outbox rows and
inbox rows older than the redelivery window are pruned in batches, the rest is kept (unsent rows whatever their
age), and two replicas pruning at once delete each row once. The table sizes are printed (recorded in bench/RETENTION.md)."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, text

from shared.retention import prune_messaging
from tests.integration.conftest import tables

pytestmark = pytest.mark.integration
READINGS = 100_000
WINDOW = timedelta(hours=168)


async def fill(db, now: datetime, unsent: int = 0) -> None:
    """One accepted-reading event in the outbox and one handled reading in the inbox per reading: 90% older than
    the window (the first `unsent` outbox rows never sent), the newest 10% within it."""
    old = now - WINDOW - timedelta(hours=1)
    recent = now - timedelta(hours=1)
    for start in range(0, READINGS, 10_000):
        outbox_rows, inbox_rows = [], []
        for n in range(start, start + 10_000):
            at = old if n < READINGS * 0.9 else recent
            event_id = str(uuid.uuid4())
            outbox_rows.append(
                {
                    "event_id": event_id,
                    "event_type": "meters.reading.accepted",
                    "exchange": "selfservice.events",
                    "payload": '{"specversion": "1.0", "type": "meters.reading.accepted"}',
                    "created_at": at,
                    "attempts": 1,
                    "sent_at": None if n < unsent else at,
                }
            )
            inbox_rows.append(
                {"handler": "meters.readings.handlers.record", "event_id": event_id, "processed_at": at}
            )
        async with db.session() as session, session.begin():
            await session.execute(insert(tables.outbox), outbox_rows)
            await session.execute(insert(tables.inbox), inbox_rows)


async def sizes(db) -> dict[str, tuple[int, int]]:
    """(rows, bytes on disk with indexes) per table, after a VACUUM (what autovacuum does between prunes)."""
    async with db.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM outbox, inbox"))
    found = {}
    async with db.session() as session:
        for table in (tables.outbox, tables.inbox):
            rows = await session.scalar(select(func.count()).select_from(table))
            size = await session.scalar(text(f"SELECT pg_total_relation_size('{table.name}')"))
            found[table.name] = (rows, size)
    return found


async def test_after_100000_readings_old_rows_are_pruned_in_batches_by_one_replica_or_two(db):
    await fill(db, datetime.now(UTC), unsent=10)
    peak = await sizes(db)
    assert peak["outbox"][0] == peak["inbox"][0] == READINGS

    # Two replicas at once (the periodic claims make that rare; the deletes stay correct when it happens).
    first, second = await asyncio.gather(
        prune_messaging(db, tables, WINDOW, batch=5_000), prune_messaging(db, tables, WINDOW, batch=5_000)
    )
    old_sent, old_handled = int(READINGS * 0.9) - 10, int(READINGS * 0.9)
    assert first["outbox"] + second["outbox"] == old_sent
    assert first["inbox"] + second["inbox"] == old_handled
    pruned = await sizes(db)
    assert pruned["outbox"][0] == READINGS - old_sent  # the recent ones and the 10 never sent
    assert pruned["inbox"][0] == READINGS - old_handled
    async with db.session() as session:
        unsent = await session.scalar(
            select(func.count()).select_from(tables.outbox).where(tables.outbox.c.sent_at.is_(None))
        )
    assert unsent == 10
    assert await prune_messaging(db, tables, WINDOW) == {"outbox": 0, "inbox": 0}

    # Another 100,000 readings fill the room the pruned rows left: the tables do not grow with the traffic.
    await fill(db, datetime.now(UTC))
    second_peak = await sizes(db)
    await prune_messaging(db, tables, WINDOW)
    second_pruned = await sizes(db)
    for table in ("outbox", "inbox"):
        assert second_peak[table][1] < peak[table][1] * 1.3, (table, peak, second_peak)
    print(
        f"\n{READINGS} readings: {peak}\npruned: {pruned}\n"
        f"another {READINGS}: {second_peak}\npruned: {second_pruned}"
    )
