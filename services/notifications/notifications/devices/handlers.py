"""Keep the local copy of devices from `accounts`."""

from notifications.devices.models import DeviceCopy
from shared.bus import EventHandlers, HandlerContext
from shared.events.accounts import DeviceLocationChanged, DeviceRemoved, DeviceUpserted

handlers = EventHandlers()


@handlers.on(DeviceUpserted)
async def keep_device(ctx: HandlerContext, data: DeviceUpserted) -> None:
    session, event = ctx.session, ctx.event
    device = await session.get(DeviceCopy, data.device_id)
    if device is not None and device.as_of > event.time:
        return  # a late, older state of this device
    device = device or DeviceCopy(device_id=data.device_id)
    device.account_id, device.serial, device.model = data.account_id, data.serial, data.model
    device.location = data.location.model_dump()
    device.assigned_user_ids = list(data.assigned_user_ids)
    device.active, device.as_of = data.active, event.time
    session.add(device)


@handlers.on(DeviceLocationChanged)
async def keep_device_location(ctx: HandlerContext, data: DeviceLocationChanged) -> None:
    device = await ctx.session.get(DeviceCopy, data.device_id)
    if device is not None and device.as_of <= ctx.event.time:
        device.location, device.as_of = data.location.model_dump(), ctx.event.time


@handlers.on(DeviceRemoved)
async def forget_device(ctx: HandlerContext, data: DeviceRemoved) -> None:
    device = await ctx.session.get(DeviceCopy, data.device_id)
    if device is not None:
        device.active, device.assigned_user_ids = False, []
