"""Devices the caller may see (F-31), and their on-site location, which administrators and device managers
keep current. Staff get the vendor-side view with its extra fields; administrators also see who the
device is assigned to."""

from fastapi import APIRouter, Query

from accounts.audit.service import record
from accounts.devices.access import visible_device, visible_devices_query
from accounts.devices.events import publish_device, publish_location_changed
from accounts.devices.models import Device
from accounts.devices.schemas import DeviceDetail, DeviceItem, LocationChange, StaffDeviceItem
from accounts.devices.service import device_detail, device_item
from shared.app import DbSession, OutboxDep
from shared.audit import apply_changes
from shared.auth import CurrentUser
from shared.errors import forbidden
from shared.events.vocabulary import DeviceAction
from shared.paging import Items
from shared.permissions import device_actions

router = APIRouter(prefix="/api/accounts/v1", tags=["devices"])


@router.get("/devices", response_model=Items[StaffDeviceItem | DeviceItem])
async def list_devices(
    principal: CurrentUser, session: DbSession, account_id: str | None = Query(None, max_length=36)
) -> dict:
    query = visible_devices_query(principal).order_by(Device.serial)
    if account_id:
        query = query.where(Device.account_id == account_id)
    devices = (await session.scalars(query)).all()
    return {"items": [device_item(d, principal).model_dump() for d in devices]}


@router.get("/devices/{device_id}", response_model=DeviceDetail)
async def get_device(device_id: str, principal: CurrentUser, session: DbSession) -> dict:
    return await device_detail(session, await visible_device(session, principal, device_id), principal)


@router.patch("/devices/{device_id}/location", response_model=DeviceDetail)
async def change_location(
    device_id: str, body: LocationChange, principal: CurrentUser, session: DbSession, outbox: OutboxDep
) -> dict:
    """Update the device's address or on-site location (F-31); the vendor's systems get
    accounts.product.location_changed, the other services accounts.device.upserted."""
    async with session.begin():
        device = await visible_device(session, principal, device_id)  # 404 unless assigned (or admin/staff)
        if DeviceAction.UPDATE_LOCATION not in device_actions(
            principal, device.account_id, device.assigned_user_ids
        ):
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
