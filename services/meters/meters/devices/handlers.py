"""Keep the local copy of devices from `accounts` (event-carried state transfer)."""

from sqlalchemy.ext.asyncio import AsyncSession

from meters.devices.models import Device, DeviceAssignment
from shared.bus import EventHandlers
from shared.events.accounts import DeviceRemoved, DeviceUpserted

handlers = EventHandlers()


@handlers.on("accounts.device.upserted")
async def keep_device(session: AsyncSession, data: DeviceUpserted, _event) -> None:
    device = await session.get(Device, data.device_id) or Device(id=data.device_id)
    device.account_id, device.serial, device.model = data.account_id, data.serial, data.model
    device.counters, device.daily_volume, device.active = data.counters, data.daily_volume, data.active
    device.assignments = [DeviceAssignment(device_id=data.device_id, user_id=u) for u in data.assigned_user_ids]
    session.add(device)


@handlers.on("accounts.device.removed")
async def deactivate_device(session: AsyncSession, data: DeviceRemoved, _event) -> None:
    if device := await session.get(Device, data.device_id):
        device.active = False
