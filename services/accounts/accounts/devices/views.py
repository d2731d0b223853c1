"""Devices the caller may see (F-31). Staff get the vendor-side view with its extra fields."""

from fastapi import APIRouter, Query
from pydantic import BaseModel

from accounts.devices.access import visible_device, visible_devices_query
from accounts.devices.models import Device
from shared.app import DbSession
from shared.auth import CurrentUser, Principal
from shared.events.accounts import Location

router = APIRouter(prefix="/api/accounts/v1", tags=["devices"])


class DeviceItem(BaseModel):
    id: str
    account_id: str
    account_name: str
    serial: str
    model: str
    model_class: str
    counters: list[str]
    location: Location
    contract_number: str
    response_time_hours: int
    assigned_user_ids: list[str]


class StaffDeviceItem(DeviceItem):
    """Vendor-only: the usual daily volume used for plausibility checks."""

    daily_volume: int


def device_item(device: Device, principal: Principal) -> DeviceItem:
    fields = {"id": device.id, "account_id": device.account_id, "account_name": device.account.name,
              "serial": device.serial, "model": device.model, "model_class": device.model_class,
              "counters": device.counters, "location": Location(**device.location()),
              "contract_number": device.contract_number, "response_time_hours": device.response_time_hours,
              "assigned_user_ids": device.assigned_user_ids}
    if principal.is_staff:
        return StaffDeviceItem(**fields, daily_volume=device.daily_volume)
    return DeviceItem(**fields)


@router.get("/devices")
async def list_devices(principal: CurrentUser, session: DbSession,
                       account_id: str | None = Query(None, max_length=36)) -> dict:
    query = visible_devices_query(principal).order_by(Device.serial)
    if account_id:
        query = query.where(Device.account_id == account_id)
    devices = (await session.scalars(query)).all()
    return {"items": [device_item(d, principal).model_dump() for d in devices]}


@router.get("/devices/{device_id}")
async def get_device(device_id: str, principal: CurrentUser, session: DbSession) -> dict:
    return device_item(await visible_device(session, principal, device_id), principal).model_dump()

