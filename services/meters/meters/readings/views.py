"""HTTP API of readings under /api/meters/v1 (the gateway relies on these paths and field names)."""

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from meters.devices.access import device_for_reading, visible_device
from meters.readings import service
from meters.readings.models import Reading, RejectedReading
from meters.readings.schemas import (
    CorrectionOut,
    NewCorrection,
    NewReading,
    ReadingHistory,
    ReadingItem,
    RejectedReadingOut,
    RejectedReadingPage,
    Review,
)
from shared.app import DbSession, OutboxDep
from shared.auth import CurrentUser, Principal, StaffUser
from shared.db import utcnow
from shared.errors import forbidden, not_found
from shared.events.vocabulary import ReadingSource
from shared.paging import Paging, count_of

router = APIRouter(prefix="/api/meters/v1", tags=["readings"])


async def reading_items(session: AsyncSession, readings: list[Reading]) -> list[ReadingItem]:
    names = await service.names_of(session, {r.submitted_by for r in readings if r.submitted_by})
    return [
        ReadingItem.model_validate(r).model_copy(
            update={"submitted_by_name": names.get(r.submitted_by or "")}
        )
        for r in readings
    ]


def source_for(principal: Principal, requested: ReadingSource | None) -> ReadingSource:
    if not principal.is_staff:
        if requested is not None:
            raise forbidden("Only the vendor's staff may record agent or estimated readings.")
        return ReadingSource.CUSTOMER
    return requested or ReadingSource.AGENT


@router.post("/devices/{device_id}/readings", status_code=201, response_model=ReadingItem)
async def submit_reading(
    device_id: str, request: NewReading, principal: CurrentUser, session: DbSession, outbox: OutboxDep
) -> ReadingItem:
    async with session.begin():
        device = await device_for_reading(session, principal, device_id)
        reading = await service.record_reading(
            session,
            outbox,
            device,
            counters=request.counters,
            read_at=utcnow(),
            source=source_for(principal, request.source),
            submitted_by=principal.user_id,
            confirm=request.confirm,
        )
    return (await reading_items(session, [reading]))[0]


@router.get("/devices/{device_id}/readings", response_model=ReadingHistory)
async def list_readings(
    device_id: str, principal: CurrentUser, session: DbSession, paging: Paging
) -> ReadingHistory:
    device = await visible_device(session, principal, device_id)
    readings, total = await service.history(session, device, paging)
    latest = (
        readings[:1]
        if paging.offset == 0
        else list((await service.latest_readings(session, [device.id])).values())
    )
    items, latest_items = await reading_items(session, readings), await reading_items(session, latest)
    return ReadingHistory(
        **paging.page(items, total),
        device_id=device.id,
        counters=device.counters,
        latest=latest_items[0] if latest_items else None,
    )


@router.post("/devices/{device_id}/corrections", status_code=201, response_model=CorrectionOut)
async def record_correction(
    device_id: str, request: NewCorrection, principal: StaffUser, session: DbSession
) -> CorrectionOut:
    async with session.begin():
        device = await visible_device(session, principal, device_id)
        correction = await service.record_correction(
            session,
            principal.user_id,
            device,
            kind=request.kind,
            counters=request.counters,
            reason=request.reason,
        )
    return CorrectionOut.model_validate(correction)


@router.get("/rejected-readings", response_model=RejectedReadingPage)
async def list_rejected(
    principal: StaffUser,
    session: DbSession,
    paging: Paging,
    reviewed: bool | None = False,
) -> RejectedReadingPage:
    """Automatic readings kept for review (F-24), newest first; `reviewed` empty lists both."""
    query = select(RejectedReading)
    if reviewed is not None:
        query = query.where(
            RejectedReading.reviewed_at.is_not(None) if reviewed else RejectedReading.reviewed_at.is_(None)
        )
    rows = await session.scalars(
        paging.of(query.order_by(RejectedReading.created_at.desc(), RejectedReading.id))
    )
    items = [RejectedReadingOut.model_validate(r) for r in rows.all()]
    return RejectedReadingPage(**paging.page(items, await count_of(session, query)))


@router.post("/rejected-readings/{rejection_id}/review", response_model=RejectedReadingOut)
async def review_rejected(
    rejection_id: str, request: Review, principal: StaffUser, session: DbSession, outbox: OutboxDep
) -> RejectedReadingOut:
    async with session.begin():
        rejected = await session.scalar(
            select(RejectedReading)
            .where(RejectedReading.id == rejection_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if rejected is None:
            raise not_found("rejected reading")
        await service.review_rejected(session, outbox, principal.user_id, rejected, request.resolution)
    return RejectedReadingOut.model_validate(rejected)
