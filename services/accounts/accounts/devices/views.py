"""Devices the caller may see (F-31), and their on-site location, which administrators and device managers
keep current. Staff get the vendor-side view with its extra fields; administrators also see who the
device is assigned to."""

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from accounts.audit.service import record
from accounts.devices.access import visible_device, visible_devices_query
from accounts.devices.events import publish_device, publish_location_changed
from accounts.devices.models import Device
from accounts.users.models import User
from shared.app import DbSession, OutboxDep
from shared.audit import apply_changes
from shared.auth import CurrentUser, Principal
from shared.errors import forbidden
from shared.events.accounts import Location

router = APIRouter(prefix="/api/accounts/v1", tags=["devices"])
LOCATION_EDITORS = ("administrator", "device_manager", "device_stock_manager")


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


class AssignedUser(BaseModel):
    user_id: str
    name: str


class AdminDeviceDetail(DeviceItem):
    """One device as the account's administrators see it: with the names of its assigned users."""

    assigned_users: list[AssignedUser]


class StaffDeviceDetail(StaffDeviceItem):
    assigned_users: list[AssignedUser]


class LocationChange(BaseModel):
    """The fields to change; omitted ones stay as they are. The country comes from the vendor's CRM."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    street: str | None = Field(None, max_length=200)
    postal_code: str | None = Field(None, max_length=20)
    city: str | None = Field(None, max_length=100)
    region: str | None = Field(None, max_length=100)
    building: str | None = Field(None, max_length=100)
    floor: str | None = Field(None, max_length=50)
    room: str | None = Field(None, max_length=100)
    contact_name: str | None = Field(None, max_length=200)
    contact_phone: str | None = Field(None, max_length=50)


def device_fields(device: Device) -> dict:
    return {
        "id": device.id,
        "account_id": device.account_id,
        "account_name": device.account.name,
        "serial": device.serial,
        "model": device.model,
        "model_class": device.model_class,
        "counters": device.counters,
        "location": Location(**device.location()),
        "contract_number": device.contract_number,
        "response_time_hours": device.response_time_hours,
        "assigned_user_ids": device.assigned_user_ids,
    }


def device_item(device: Device, principal: Principal) -> DeviceItem:
    if principal.is_staff:
        return StaffDeviceItem(**device_fields(device), daily_volume=device.daily_volume)
    return DeviceItem(**device_fields(device))


async def assigned_users(session, device: Device) -> list[AssignedUser]:
    users = (
        await session.execute(
            select(User.id, User.name).where(User.id.in_(device.assigned_user_ids)).order_by(User.name)
        )
    ).all()
    return [AssignedUser(user_id=user_id, name=name) for user_id, name in users]


async def device_detail(session, device: Device, principal: Principal) -> dict:
    """The device page's data (F-31): assigned users' names only for administrators and staff."""
    if principal.is_staff:
        detail = StaffDeviceDetail(
            **device_fields(device),
            daily_volume=device.daily_volume,
            assigned_users=await assigned_users(session, device),
        )
    elif principal.is_admin_of(device.account_id):
        detail = AdminDeviceDetail(
            **device_fields(device), assigned_users=await assigned_users(session, device)
        )
    else:
        detail = DeviceItem(**device_fields(device))
    return detail.model_dump(mode="json")


@router.get("/devices")
async def list_devices(
    principal: CurrentUser, session: DbSession, account_id: str | None = Query(None, max_length=36)
) -> dict:
    query = visible_devices_query(principal).order_by(Device.serial)
    if account_id:
        query = query.where(Device.account_id == account_id)
    devices = (await session.scalars(query)).all()
    return {"items": [device_item(d, principal).model_dump() for d in devices]}


@router.get("/devices/{device_id}")
async def get_device(device_id: str, principal: CurrentUser, session: DbSession) -> dict:
    return await device_detail(session, await visible_device(session, principal, device_id), principal)


@router.patch("/devices/{device_id}/location")
async def change_location(
    device_id: str, body: LocationChange, principal: CurrentUser, session: DbSession, outbox: OutboxDep
) -> dict:
    """Update the device's address or on-site location (F-31); the vendor's systems get
    accounts.product.location_changed, the other services accounts.device.upserted."""
    async with session.begin():
        device = await visible_device(session, principal, device_id)  # 404 unless assigned (or admin/staff)
        if not principal.is_staff and principal.role_in(device.account_id) not in LOCATION_EDITORS:
            raise forbidden("Only administrators and device managers update a device's location.")
        values = body.model_dump(exclude_none=True)
        changes = apply_changes(device, values)
        if changes:
            changed = sorted(changes)
            record(
                session,
                principal.user_id,
                "device.location_changed",
                "device",
                device.id,
                account=device.account_id,
                changes=changes,
                fields=changed,
            )
            await publish_location_changed(session, outbox, device, principal.user_id, changed)
            await publish_device(session, outbox, device)
        return await device_detail(session, device, principal)
