"""Keep the local copy of devices from `accounts`."""

from notifications.devices.models import DeviceCopy
from shared.bus import EventHandlers, HandlerContext
from shared.db import update_if_newer, upsert_if_newer
from shared.events.accounts import DeviceLocationChanged, DeviceRemoved, DeviceUpserted

handlers = EventHandlers()


@handlers.on(DeviceUpserted)
async def keep_device(ctx: HandlerContext, data: DeviceUpserted) -> None:
    # `as_of` stays the event's time: a location change (no version) applies only when newer than it.
    fields = data.model_dump(
        include={
            "device_id",
            "account_id",
            "serial",
            "model",
            "location",
            "assigned_user_ids",
            "active",
            "version",
        }
    )
    await upsert_if_newer(ctx.session, DeviceCopy.__table__, {**fields, "as_of": ctx.event.time}, "device_id")


@handlers.on(DeviceLocationChanged)
async def keep_device_location(ctx: HandlerContext, data: DeviceLocationChanged) -> None:
    device = await ctx.session.get(DeviceCopy, data.device_id)
    if device is not None and device.as_of <= ctx.event.time:
        device.location, device.as_of = data.location.model_dump(), ctx.event.time


@handlers.on(DeviceRemoved)
async def forget_device(ctx: HandlerContext, data: DeviceRemoved) -> None:
    removed = {"active": False, "assigned_user_ids": []}
    await update_if_newer(
        ctx.session, DeviceCopy.__table__, "device_id", data.device_id, data.version, removed
    )
