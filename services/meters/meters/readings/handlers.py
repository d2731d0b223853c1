"""Automatic readings from the vendor's fleet software (F-24): the same rules as any reading; a refused one is
kept for an agent to review and announced, never dropped and never blocking the queue.

The fleet reports tens of thousands of devices several times a day, so a run of these events is handled
together (see `service.FleetRun`); should the run fail, the bus handles its events one at a time, and an event
naming an unknown device is then parked alone."""

import logging
from datetime import UTC

from sqlalchemy.ext.asyncio import AsyncSession

from meters.devices.models import Device
from meters.readings import service
from meters.readings.rules import SameDayRace
from shared.bus import EventHandlers, HandlerContext, PermanentError, each_event
from shared.errors import Problem
from shared.events.vendor import FleetMeterCollected
from shared.events.vocabulary import ReadingSource
from shared.outbox import Outbox

log = logging.getLogger(__name__)


handlers = EventHandlers()


@handlers.on_batch(FleetMeterCollected)
async def take_automatic_readings(ctx: HandlerContext, items: list) -> None:
    session, outbox = ctx.session, ctx.outbox
    run = await service.FleetRun(session, outbox).load([data.serial for data, _ in items])
    for data, _event in each_event(items):
        device = run.devices.get(data.serial)
        if device is None or not device.active:
            raise PermanentError(f"serial: no active device {data.serial!r} is known")
        if data.collected_at.tzinfo is None:  # the fleet software's times are UTC when it omits the zone
            data = data.model_copy(update={"collected_at": data.collected_at.replace(tzinfo=UTC)})
        if run.is_usual(device, data.collected_at):
            try:
                run.accept(device, data)
                continue
            except Problem:
                pass  # refused: recorded as such below, with everything before it stored first
        await run.store()
        await take_automatic_reading(session, outbox, await run.take_one_at_a_time(device), data)
    await run.store()


async def take_automatic_reading(
    session: AsyncSession, outbox: Outbox, device: Device, data: FleetMeterCollected
) -> None:
    if await service.is_known_collection(session, device, data):
        return
    try:
        await service.record_reading(
            session,
            outbox,
            device,
            counters=data.counters,
            read_at=data.collected_at,
            source=ReadingSource.AUTOMATIC,
            submitted_by=None,
        )
    except SameDayRace:
        raise  # the transaction is spoiled: retried, it is then refused (and kept) as already read that day
    except Problem as refusal:
        log.info("automatic reading of %s refused: %s", data.serial, refusal.code)
        await service.reject_automatic(session, outbox, device, data, refusal)
