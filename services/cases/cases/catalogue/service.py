"""Reading the catalogue of a device's model and checking an order against it (F-30)."""

from sqlalchemy.ext.asyncio import AsyncSession

from cases.catalogue.models import ConsumableCatalogue, ConsumableItem
from shared.errors import Problem


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
            errors.append(
                {"field": f"items.{index}.sku", "message": f"{sku} is not in the catalogue of {model}"}
            )
        elif sku in seen:
            errors.append({"field": f"items.{index}.sku", "message": f"{sku} is ordered more than once"})
        elif quantity > item.max_quantity_per_order:
            errors.append(
                {
                    "field": f"items.{index}.quantity",
                    "message": f"at most {item.max_quantity_per_order} of {sku} per order",
                    "max_quantity": item.max_quantity_per_order,
                }
            )
        else:
            order.append({"sku": sku, "kind": item.kind, "name": item.name, "quantity": quantity})
        seen.add(sku)
    if errors:
        raise Problem(
            422,
            "Invalid request",
            "; ".join(f"{e['field']}: {e['message']}" for e in errors),
            code="invalid",
            errors=errors,
        )
    return order
