"""The periodic job that opens a technical-support case for a device offline for N days (the setting
`offline_case_after_days`), once per outage.

Run by `shared.periodic` once per interval across the replicas; each pass takes the due outages with FOR UPDATE
SKIP LOCKED (PostgreSQL), so two processes never work the same outage at once, and the case's row in
`device_outage_case`, keyed by the outage, is written before the case in the same transaction: a second process
that reaches the outage anyway writes nothing (ON CONFLICT DO NOTHING, waiting for the first to commit) and so
opens nothing."""

import uuid
from datetime import datetime, timedelta
from typing import Any, cast

from fastapi import FastAPI
from sqlalchemy import CursorResult, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit.service import SYSTEM_ACTOR
from cases.case import service
from cases.database import periodic_jobs
from cases.directory.models import Device
from cases.fleet.connection import guide_path, people_to_tell
from cases.fleet.models import DeviceOutage, OutageCase
from cases.fleet.wording import language_of, text
from cases.settings import Settings
from shared.auth import Principal
from shared.db import Database, upsert_ignore, utcnow
from shared.events.vocabulary import CaseType, Department
from shared.outbox import Outbox
from shared.periodic import Hook, periodic

BATCH = 100
# Where an offline device's case is filed among the incident categories: a lost connection.
OFFLINE_CATEGORY = "network_scanning"
SYSTEM = Principal(SYSTEM_ACTOR, "")


def due_outages(now: datetime, after: timedelta) -> Any:
    opened = exists().where(OutageCase.outage_id == DeviceOutage.id)
    return (
        select(DeviceOutage)
        .where(DeviceOutage.ended_at.is_(None), DeviceOutage.started_at <= now - after, ~opened)
        .order_by(DeviceOutage.started_at, DeviceOutage.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )


async def open_outage_cases(db: Database, outbox: Outbox, after: timedelta) -> int:
    """Open the case of every outage longer than `after` that has none; returns how many were opened."""
    opened = 0
    async with db.session() as session, session.begin():
        for outage in (await session.scalars(due_outages(utcnow(), after))).all():
            device = await session.get(Device, outage.device_id)
            if device is None or not device.active:
                continue
            if await open_case_of(session, outbox, outage, device, after):
                opened += 1
    return opened


async def open_case_of(
    session: AsyncSession, outbox: Outbox, outage: DeviceOutage, device: Device, after: timedelta
) -> bool:
    case_id = str(uuid.uuid4())
    claimed = await session.execute(
        upsert_ignore(session, OutageCase.__table__)
        .values(outage_id=outage.id, case_id=case_id, opened_at=utcnow())
        .on_conflict_do_nothing()
    )
    if cast(CursorResult[Any], claimed).rowcount != 1:  # an INSERT's result is a cursor's
        return False
    since = f"{outage.started_at:%Y-%m-%d %H:%M} UTC"
    language = await language_of(session, await people_to_tell(session, device))
    draft = service.CaseDraft(
        type=CaseType.INCIDENT,
        account_id=device.account_id,
        device=device,
        category=OFFLINE_CATEGORY,
        subject=text(language, "subject", serial=device.serial, since=since),
        description=text(
            language,
            "description",
            model=device.model,
            serial=device.serial,
            since=since,
            days=after.days,
            guide=guide_path(device.serial),
        ),
        response_hours=device.response_time_hours,
        department=Department.TECHNICAL_SUPPORT,
        case_id=case_id,
        side="system",
    )
    await service.create_case(session, outbox, SYSTEM, draft)
    return True


def offline_case_hooks(settings: Settings) -> tuple[Hook, Hook]:
    after = timedelta(days=settings.offline_case_after_days)

    async def open_cases(app: FastAPI) -> str | None:
        count = await open_outage_cases(app.state.db, app.state.outbox, after)
        return f"opened {count} cases for devices offline" if count else None

    return periodic("cases.offline_cases", settings.offline_case_interval_seconds, open_cases, periodic_jobs)
