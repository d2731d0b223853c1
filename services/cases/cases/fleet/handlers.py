"""The fleet software's reports on `canon.sync` (F-50): a device offline or back online, a toner running low, and
the automatic readings, whose time says the device is online and whose toner levels, where present, join the
history. A report about a device nobody knows can never succeed and is parked; an automatic reading of such a
device is `meters`' to refuse, so it is only passed over here."""

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.directory.models import Device
from cases.fleet import connection
from cases.fleet.supplies import record_levels
from shared.bus import EventHandlers, HandlerContext, PermanentError
from shared.events.vendor import FleetDeviceOffline, FleetDeviceOnline, FleetMeterCollected, FleetTonerLow

log = logging.getLogger(__name__)
handlers = EventHandlers()


async def device_of(session: AsyncSession, serial: str) -> Device | None:
    return await session.scalar(
        select(Device).where(Device.serial == serial, Device.active.is_(True)).limit(1)
    )


async def known_device(session: AsyncSession, serial: str) -> Device:
    device = await device_of(session, serial)
    if device is None:
        raise PermanentError(f"serial: no active device {serial!r} is known")
    return device


@handlers.on(FleetDeviceOffline)
async def start_outage(ctx: HandlerContext, data: FleetDeviceOffline) -> None:
    device = await known_device(ctx.session, data.serial)
    await connection.went_offline(ctx.session, ctx.outbox, device, data.since)


@handlers.on(FleetDeviceOnline)
async def end_outage(ctx: HandlerContext, data: FleetDeviceOnline) -> None:
    device = await known_device(ctx.session, data.serial)
    await connection.came_online(ctx.session, ctx.outbox, device, data.at, "fleet.device.online")


@handlers.on(FleetTonerLow)
async def keep_low_toner(ctx: HandlerContext, data: FleetTonerLow) -> None:
    device = await known_device(ctx.session, data.serial)
    await record_levels(ctx.session, device.id, {data.colour: data.level_percent}, data.at, low_signal=True)


@handlers.on(FleetMeterCollected)
async def note_reading(ctx: HandlerContext, data: FleetMeterCollected) -> None:
    device = await device_of(ctx.session, data.serial)
    if device is None:
        log.info("automatic reading of unknown device %s passed over", data.serial)
        return
    if data.toner:
        levels = {str(colour): level for colour, level in data.toner.items()}
        await record_levels(ctx.session, device.id, levels, data.collected_at, low_signal=False)
    if await connection.is_offline(ctx.session, device.id):
        await connection.came_online(
            ctx.session, ctx.outbox, device, data.collected_at, "fleet.meter.collected"
        )
