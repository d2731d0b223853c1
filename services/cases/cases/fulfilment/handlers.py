"""The logistics and field service systems' reports on `canon.sync` (F-50) move consumables orders,
relocations and removals along (F-30, F-32)."""

from sqlalchemy.ext.asyncio import AsyncSession

from cases.fulfilment.service import apply_shipment, apply_visit
from shared.bus import EventHandlers
from shared.events import CloudEvent
from shared.events.vendor import FieldserviceVisitUpdated, LogisticsShipmentUpdated
from shared.outbox import OutboxLink


def fulfilment_handlers(link: OutboxLink) -> EventHandlers:
    handlers = EventHandlers()

    @handlers.on("logistics.shipment.updated")
    async def follow_shipment(
        session: AsyncSession, data: LogisticsShipmentUpdated, _event: CloudEvent
    ) -> None:
        await apply_shipment(session, link.outbox, data)

    @handlers.on("fieldservice.visit.updated")
    async def follow_visit(session: AsyncSession, data: FieldserviceVisitUpdated, _event: CloudEvent) -> None:
        await apply_visit(session, link.outbox, data)

    return handlers
