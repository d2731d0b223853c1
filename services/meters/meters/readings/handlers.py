"""Automatic readings from the vendor's fleet software (F-24): the same rules as any reading; a refused one is
kept for an agent to review and announced, never dropped and never blocking the queue."""

import logging
from datetime import UTC

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from meters.devices.models import Device
from meters.readings import service
from meters.readings.rules import SameDayRace
from shared.bus import EventHandlers, PermanentError
from shared.errors import Problem
from shared.events.vendor import FleetMeterCollected
from shared.outbox import OutboxLink

log = logging.getLogger(__name__)


def fleet_handlers(link: OutboxLink) -> EventHandlers:
    handlers = EventHandlers()

    @handlers.on("fleet.meter.collected")
    async def take_automatic_reading(session: AsyncSession, data: FleetMeterCollected, _event) -> None:
        device = await session.scalar(select(Device).where(Device.serial == data.serial))
        if device is None or not device.active:
            raise PermanentError(f"serial: no active device {data.serial!r} is known")
        if data.collected_at.tzinfo is None:  # the fleet software's times are UTC when it omits the zone
            data = data.model_copy(update={"collected_at": data.collected_at.replace(tzinfo=UTC)})
        if await service.is_known_collection(session, device, data):
            return
        try:
            await service.record_reading(session, link.outbox, device, counters=data.counters,
                                         read_at=data.collected_at, source="automatic", submitted_by=None)
        except SameDayRace:
            raise  # the transaction is spoiled: retried, it is then refused (and kept) as already read that day
        except Problem as refusal:
            log.info("automatic reading of %s refused: %s", data.serial, refusal.code)
            await service.reject_automatic(session, link.outbox, device, data, refusal)

    return handlers
