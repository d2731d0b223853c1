"""Keep each model's consumables catalogue from `crm.consumable_catalogue.upserted` (the full catalogue)."""

from cases.audit import service as audit
from cases.catalogue.models import ConsumableCatalogue, ConsumableItem
from shared.bus import EventHandlers, HandlerContext
from shared.events.vendor import CrmConsumableCatalogueUpserted

handlers = EventHandlers()
CRM_ACTOR = "crm"


@handlers.on(CrmConsumableCatalogueUpserted)
async def keep_catalogue(ctx: HandlerContext, data: CrmConsumableCatalogueUpserted) -> None:
    session, event = ctx.session, ctx.event
    catalogue = await session.get(ConsumableCatalogue, data.model)
    if catalogue is not None and catalogue.synced_at > event.time:
        return  # a newer catalogue of this model is already kept
    if catalogue is None:
        catalogue = ConsumableCatalogue(model=data.model, items=[])
        session.add(catalogue)
    catalogue.synced_at = event.time
    # Updated in place by sku: deleting and re-inserting a sku in one flush would hit its unique constraint.
    existing = {item.sku: item for item in catalogue.items}
    kept = []
    for position, incoming in enumerate(data.items):
        item = existing.get(incoming.sku) or ConsumableItem(model=data.model, sku=incoming.sku)
        item.kind, item.name, item.position = incoming.kind, incoming.name, position
        item.max_quantity_per_order = incoming.max_quantity_per_order
        kept.append(item)
    catalogue.items = kept
    audit.record(
        session,
        actor_id=CRM_ACTOR,
        actor_side="vendor",
        action="catalogue.upserted",
        case_id=None,
        model=data.model,
        skus=[i.sku for i in data.items],
    )
