"""The fleet software's reports on `canon.sync` (F-50): a device offline or back online, a toner running low, and
the automatic readings, whose time says the device is online and whose toner levels, where present, join the
history. A report about a device nobody knows can never succeed and is parked; an automatic reading of such a
device is `meters`' to refuse, so it is only passed over here."""

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.directory.models import Device
from cases.fleet import connection
from cases.fleet.models import DeviceConnection
from cases.fleet.supplies import record_levels
from shared.bus import EventHandlers, HandlerContext, PermanentError, each_event
from shared.events import CloudEvent
from shared.events.vendor import FleetDeviceOffline, FleetDeviceOnline, FleetMeterCollected, FleetTonerLow

log = logging.getLogger(__name__)
handlers = EventHandlers()


async def known_device(session: AsyncSession, serial: str) -> Device:
    device = await session.scalar(
        select(Device).where(Device.serial == serial, Device.active.is_(True)).limit(1)
    )
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


@handlers.on_batch(FleetMeterCollected)
async def note_readings(ctx: HandlerContext, items: list[tuple[FleetMeterCollected, CloudEvent]]) -> None:
    """Every automatic reading passes here, so a run is looked at set-based: its devices and which of them are
    offline in two queries, a device's entity loaded only to end its outage."""
    session = ctx.session
    serials = {data.serial for data, _ in items}
    rows = await session.execute(
        select(Device.serial, Device.id).where(Device.serial.in_(serials), Device.active.is_(True))
    )
    device_ids: dict[str, str] = {serial: device_id for serial, device_id in rows}
    offline = set(
        await session.scalars(
            select(DeviceConnection.device_id).where(
                DeviceConnection.device_id.in_(device_ids.values()), DeviceConnection.online.is_(False)
            )
        )
    )
    for data, _event in each_event(items):
        device_id = device_ids.get(data.serial)
        if device_id is None:
            log.info("automatic reading of unknown device %s passed over", data.serial)
            continue
        if data.toner:
            levels = {str(colour): level for colour, level in data.toner.items()}
            await record_levels(session, device_id, levels, data.collected_at, low_signal=False)
        if device_id in offline:
            device = await session.get_one(Device, device_id)
            if await connection.came_online(
                session, ctx.outbox, device, data.collected_at, "fleet.meter.collected"
            ):
                offline.discard(device_id)
