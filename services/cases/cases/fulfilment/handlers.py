"""The logistics and field service systems' reports on `canon.sync` (F-50) move consumables orders,
relocations and removals along (F-30, F-32)."""

from cases.fulfilment.service import apply_shipment, apply_visit
from shared.bus import EventHandlers, HandlerContext
from shared.events.vendor import FieldserviceVisitUpdated, LogisticsShipmentUpdated

handlers = EventHandlers()


@handlers.on(LogisticsShipmentUpdated)
async def follow_shipment(ctx: HandlerContext, data: LogisticsShipmentUpdated) -> None:
    await apply_shipment(ctx.session, ctx.outbox, data)


@handlers.on(FieldserviceVisitUpdated)
async def follow_visit(ctx: HandlerContext, data: FieldserviceVisitUpdated) -> None:
    await apply_visit(ctx.session, ctx.outbox, data)
