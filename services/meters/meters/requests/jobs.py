"""The scheduled job of F-25: one reminder per open reading request, `reminder_days_before` days before its
due date (in the account's time zone).

Run by `shared.periodic` once per interval across the replicas; besides, each request is claimed with a conditional UPDATE (reminded_at still empty) in
the same transaction as its event; the replica whose UPDATE changed no row leaves it, so one reminder goes out."""

import logging
from datetime import timedelta
from typing import Any, cast

from fastapi import FastAPI
from sqlalchemy import CursorResult, select, update

from meters.database import periodic_jobs
from meters.devices.models import Account, local_date_of
from meters.requests import service
from meters.requests.models import ReadRequest
from meters.settings import Settings
from shared.db import Database, utcnow
from shared.outbox import Outbox
from shared.periodic import Hook, periodic

log = logging.getLogger(__name__)


async def send_due_reminders(db: Database, outbox: Outbox, days_before: int) -> int:
    """Remind every open, not yet reminded request whose reminder day has come; returns how many this call sent."""
    now = utcnow()
    async with db.session() as session:
        # A day of slack for the time zones ahead of UTC; the exact local day is checked per request.
        candidates = (
            await session.execute(
                select(ReadRequest.request_id, ReadRequest.account_id, ReadRequest.due_date)
                .where(
                    ReadRequest.closed_at.is_(None),
                    ReadRequest.reminded_at.is_(None),
                    ReadRequest.due_date <= now.date() + timedelta(days=days_before + 1),
                )
                .order_by(ReadRequest.due_date)
            )
        ).all()
    sent = 0
    for request_id, account_id, due_date in candidates:
        async with db.session() as session, session.begin():
            today = local_date_of(await session.get(Account, account_id), now)
            if due_date - timedelta(days=days_before) > today:
                continue
            claimed = await session.execute(
                update(ReadRequest)
                .where(
                    ReadRequest.request_id == request_id,
                    ReadRequest.reminded_at.is_(None),
                    ReadRequest.closed_at.is_(None),
                )
                .values(reminded_at=now)
            )
            if cast(CursorResult[Any], claimed).rowcount != 1:  # an UPDATE's result is a cursor's
                continue  # another replica reminded it, or a reading closed it meanwhile
            request = (
                await session.scalars(
                    select(ReadRequest)
                    .where(ReadRequest.request_id == request_id)
                    .execution_options(populate_existing=True)
                )
            ).one()  # claimed just now in this transaction
            await service.remind(session, outbox, request)
            sent += 1
    return sent


def reminder_hooks(settings: Settings) -> tuple[Hook, Hook]:
    async def remind(app: FastAPI) -> str | None:
        count = await send_due_reminders(app.state.db, app.state.outbox, settings.reminder_days_before)
        return f"sent {count} reading request reminders" if count else None

    return periodic(
        "meters.read_request_reminders", settings.reminder_interval_seconds, remind, periodic_jobs
    )
