"""Reading the catalogue of a device's model and checking an order against it (F-30)."""

from sqlalchemy.ext.asyncio import AsyncSession

from cases.catalogue.models import ConsumableCatalogue, ConsumableItem
from shared.errors import field_issue, invalid_fields


async def items_of_model(session: AsyncSession, model: str) -> list[ConsumableItem]:
    catalogue = await session.get(ConsumableCatalogue, model)
    return list(catalogue.items) if catalogue else []


async def priced_order(session: AsyncSession, model: str, lines: list[tuple[str, int]]) -> list[dict]:
    """The order's lines with kind and name from the catalogue; a 422 naming every line at fault (an unknown
    sku, a sku ordered twice, a quantity above the contract's limit)."""
    catalogue = {item.sku: item for item in await items_of_model(session, model)}
    errors: list[dict[str, str | int]] = []
    seen, order = set(), []
    for index, (sku, quantity) in enumerate(lines):
        item = catalogue.get(sku)
        if item is None:
            message = f"{sku} is not in the catalogue of {model}"
            errors.append(field_issue(f"items.{index}.sku", "not_in_catalogue", message, sku=sku))
        elif sku in seen:
            message = f"{sku} is ordered more than once"
            errors.append(
                field_issue(f"items.{index}.sku", "ordered_twice", message, sku=sku, item=item.name)
            )
        elif quantity > item.max_quantity_per_order:
            limit = item.max_quantity_per_order
            message = f"at most {limit} of {sku} per order"
            issue = field_issue(f"items.{index}.quantity", "too_many", message, max=limit, item=item.name)
            errors.append({**issue, "max_quantity": limit})
        else:
            order.append({"sku": sku, "kind": item.kind, "name": item.name, "quantity": quantity})
        seen.add(sku)
    if errors:
        raise invalid_fields(errors)
    return order
