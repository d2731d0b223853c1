"""The readings due for the caller (F-25): the page that takes all requested readings at once uses it."""

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from meters.devices.access import visible_devices_clause
from meters.devices.models import Device
from meters.readings.schemas import ReadingItem
from meters.readings.service import latest_readings
from meters.readings.views import reading_items
from meters.requests.models import ReadRequest, ReadRequestDevice
from shared.app import DbSession
from shared.auth import CurrentUser

router = APIRouter(prefix="/api/meters/v1", tags=["reading requests"])
MAX_DUE_ITEMS = 500


class DueReading(BaseModel):
    request_id: str
    device_id: str
    serial: str
    model: str
    counters: list[str]
    due_date: date
    latest: ReadingItem | None


class DueReadings(BaseModel):
    items: list[DueReading]


@router.get("/due-readings", response_model=DueReadings)
async def due_readings(principal: CurrentUser, session: DbSession) -> DueReadings:
    """The devices of open requests that the caller may read and that have no reading since the request
    opened, soonest due first."""
    rows = (
        await session.execute(
            select(ReadRequest.request_id, ReadRequest.due_date, Device)
            .join(ReadRequestDevice, ReadRequestDevice.request_id == ReadRequest.request_id)
            .join(Device, Device.id == ReadRequestDevice.device_id)
            .where(
                ReadRequest.closed_at.is_(None),
                ReadRequestDevice.reading_id.is_(None),
                visible_devices_clause(principal),
            )
            .order_by(ReadRequest.due_date, Device.serial, ReadRequest.request_id)
            .limit(MAX_DUE_ITEMS)
        )
    ).all()
    latest = await latest_readings(session, list({device.id for _, _, device in rows}))
    latest_items = {item.id: item for item in await reading_items(session, list(latest.values()))}
    return DueReadings(
        items=[
            DueReading(
                request_id=request_id,
                device_id=device.id,
                serial=device.serial,
                model=device.model,
                counters=device.counters,
                due_date=due_date,
                latest=latest_items[latest[device.id].id] if device.id in latest else None,
            )
            for request_id, due_date, device in rows
        ]
    )
