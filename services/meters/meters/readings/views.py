from fastapi import APIRouter
from pydantic import BaseModel

from meters.devices.access import visible_device
from shared.app import DbSession
from shared.auth import CurrentUser

router = APIRouter(prefix="/api/meters/v1", tags=["readings"])


class ReadingHistory(BaseModel):
    device_id: str
    counters: list[str]
    items: list[dict]
    total: int


@router.get("/devices/{device_id}/readings", response_model=ReadingHistory)
async def list_readings(device_id: str, principal: CurrentUser, session: DbSession) -> ReadingHistory:
    device = await visible_device(session, principal, device_id)
    return ReadingHistory(device_id=device.id, counters=device.counters, items=[], total=0)
