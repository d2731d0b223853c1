"""Toner levels and the Stock Manager's supplies (F-30, SPEC §1): the level history per device and colour, the
forecast with the order it suggests, the shipping instructions every new order starts from, and the stock on
site (added to by a delivered order, taken from by what the Stock Manager records as used).

A suggestion is only ever shown: a low-toner signal, however often repeated, never orders anything by itself, and
no suggestion is made while an order for that item is open."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit import service as audit
from cases.case.models import Case
from cases.case.workflow import OPEN
from cases.catalogue.models import ConsumableItem
from cases.catalogue.service import items_of_model
from cases.directory.access import may_see_device
from cases.directory.models import Device
from cases.fleet.connection import as_utc
from cases.fleet.forecast import WINDOW, Forecast, days_with_stock, forecast
from cases.fleet.models import OnSiteStock, ShippingInstructions, StockReceipt, TonerLevel
from shared.auth import Principal
from shared.db import upsert_ignore, utcnow
from shared.errors import Problem, field_error, forbidden, not_found
from shared.events.vocabulary import CaseType, DeviceAction
from shared.permissions import device_actions

COLOURS = ("black", "cyan", "magenta", "yellow")


# Levels ------------------------------------------------------------------------------------------------------


async def record_levels(
    session: AsyncSession, device_id: str, levels: dict[str, int], at: datetime, *, low_signal: bool
) -> int:
    """Keep the reported levels; the same report twice (device, colour, time) is kept once. Returns how many
    were new."""
    at, kept = as_utc(at), 0
    for colour, level in levels.items():
        result = await session.execute(
            upsert_ignore(session, TonerLevel.__table__)
            .values(device_id=device_id, colour=colour, level=level, at=at, low_signal=low_signal)
            .on_conflict_do_nothing()
        )
        kept += cast(CursorResult[Any], result).rowcount
    return kept


# Who keeps a device's supplies ---------------------------------------------------------------------------------


def keeps_supplies(principal: Principal, device: Device) -> bool:
    return DeviceAction.ORDER_SUPPLIES in device_actions(
        principal, device.account_id, device.assigned_user_ids
    )


async def supplies_device(
    session: AsyncSession, principal: Principal, device_id: str, *, change: bool
) -> Device:
    """A device whose supplies the caller may read (anyone who sees it but the knowledge role) or, with `change`,
    keep (the roles that order supplies); 404 when it is not theirs to see, 403 when their role may not."""
    device = await session.get(Device, device_id)
    if device is None or not device.active or not may_see_device(principal, device):
        raise not_found("device")
    if keeps_supplies(principal, device) or (principal.is_staff and not change):
        return device
    raise forbidden("Your role does not keep this device's supplies.")


# Shipping instructions and stock -------------------------------------------------------------------------------


async def instructions_of(session: AsyncSession, device_id: str) -> str:
    kept = await session.get(ShippingInstructions, device_id)
    return kept.instructions if kept else ""


async def set_instructions(session: AsyncSession, principal: Principal, device: Device, text: str) -> str:
    await session.execute(
        upsert_ignore(session, ShippingInstructions.__table__)
        .values(device_id=device.id, instructions="", updated_by=principal.user_id, updated_at=utcnow())
        .on_conflict_do_nothing()
    )
    query = (
        select(ShippingInstructions)
        .where(ShippingInstructions.device_id == device.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    kept = (await session.scalars(query)).one()  # inserted above when missing
    before = kept.instructions
    kept.instructions, kept.updated_by, kept.updated_at = text, principal.user_id, utcnow()
    if before != text:
        audit.record(
            session,
            actor_id=principal.user_id,
            actor_side="customer",
            action="device.shipping_instructions_changed",
            case_id=None,
            changes={"instructions": (before, text)},
            device_id=device.id,
        )
    return text


async def catalogue_item(session: AsyncSession, device: Device, sku: str) -> ConsumableItem:
    for item in await items_of_model(session, device.model):
        if item.sku == sku:
            return item
    raise field_error(
        "sku", f"{sku} is not in the catalogue of {device.model}", field_code="not_in_catalogue", sku=sku
    )


async def locked_stock(session: AsyncSession, device_id: str, sku: str) -> OnSiteStock:
    await session.execute(
        upsert_ignore(session, OnSiteStock.__table__)
        .values(device_id=device_id, sku=sku, quantity=0, updated_at=utcnow())
        .on_conflict_do_nothing()
    )
    query = (
        select(OnSiteStock)
        .where(OnSiteStock.device_id == device_id, OnSiteStock.sku == sku)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(query)).one()  # inserted above when missing


async def change_stock(
    session: AsyncSession,
    device: Device,
    item: ConsumableItem,
    *,
    used: int | None = None,
    counted: int | None = None,
    actor_id: str,
    actor_side: str = "customer",
    reason: str,
) -> OnSiteStock:
    """Take `used` from the stock (refused with a 409 when fewer are on site), or set it to what was `counted`."""
    stock = await locked_stock(session, device.id, item.sku)
    before = stock.quantity
    if used is not None:
        if used > stock.quantity:
            raise Problem(
                409,
                "Not enough on site",
                f"Only {stock.quantity} of {item.sku} are on site.",
                code="not_enough_stock",
                params={"on_site": stock.quantity, "item": item.name},
            )
        stock.quantity -= used
    elif counted is not None:
        stock.quantity = counted
    stock.updated_at = utcnow()
    audit.record(
        session,
        actor_id=actor_id,
        actor_side=actor_side,
        action="device.stock_changed",
        case_id=None,
        changes={"quantity": (before, stock.quantity)},
        device_id=device.id,
        sku=item.sku,
        reason=reason,
    )
    return stock


async def receive_delivery(session: AsyncSession, case: Case) -> bool:
    """A delivered order adds its items to the stock on site of its device, once per order."""
    if case.type != CaseType.CONSUMABLES or case.device_id is None:
        return False
    claimed = await session.execute(
        upsert_ignore(session, StockReceipt.__table__)
        .values(case_id=case.id, received_at=utcnow())
        .on_conflict_do_nothing()
    )
    if cast(CursorResult[Any], claimed).rowcount != 1:
        return False
    for line in (case.details or {}).get("items") or []:
        stock = await locked_stock(session, case.device_id, line["sku"])
        before = stock.quantity
        stock.quantity += int(line["quantity"])
        stock.updated_at = utcnow()
        audit.record(
            session,
            actor_id="logistics",
            actor_side="vendor",
            action="device.stock_changed",
            case_id=case.id,
            changes={"quantity": (before, stock.quantity)},
            device_id=case.device_id,
            sku=line["sku"],
            reason="order delivered",
        )
    return True


# The overview --------------------------------------------------------------------------------------------------


@dataclass
class TonerView:
    colour: str
    level: int | None
    reported_at: datetime | None
    forecast: Forecast
    low: bool
    sku: str | None = None
    item_name: str | None = None
    on_site: int = 0
    days_with_stock: int | None = None
    order_open: bool = False
    suggest_order: bool = False


@dataclass
class StockView:
    sku: str
    name: str
    kind: str
    quantity: int


@dataclass
class DeviceSupplies:
    device: Device
    instructions: str
    toners: list[TonerView] = field(default_factory=list)
    stock: list[StockView] = field(default_factory=list)


async def open_order_items(session: AsyncSession, device_ids: list[str]) -> set[tuple[str, str]]:
    """(device, sku) of every item in a consumables order still open."""
    cases = await session.scalars(
        select(Case).where(
            Case.device_id.in_(device_ids), Case.type == CaseType.CONSUMABLES, Case.status.in_(OPEN)
        )
    )
    return {
        (case.device_id or "", line.get("sku", ""))
        for case in cases.all()
        for line in (case.details or {}).get("items") or []
    }


@dataclass
class Holdings:
    """What is known of a set of devices at once: their toner history, stock, instructions and open orders."""

    history: dict[tuple[str, str], list[TonerLevel]]
    stock: dict[tuple[str, str], int]
    instructions: dict[str, str]
    open_items: set[tuple[str, str]]


async def holdings_of(session: AsyncSession, ids: list[str], now: datetime) -> Holdings:
    history: dict[tuple[str, str], list[TonerLevel]] = defaultdict(list)
    rows = await session.scalars(
        select(TonerLevel)
        .where(TonerLevel.device_id.in_(ids), TonerLevel.at >= now - WINDOW - timedelta(days=1))
        .order_by(TonerLevel.at)
    )
    for row in rows.all():
        history[(row.device_id, row.colour)].append(row)
    stock_rows = (await session.scalars(select(OnSiteStock).where(OnSiteStock.device_id.in_(ids)))).all()
    kept = await session.scalars(select(ShippingInstructions).where(ShippingInstructions.device_id.in_(ids)))
    return Holdings(
        history=history,
        stock={(row.device_id, row.sku): row.quantity for row in stock_rows},
        instructions={row.device_id: row.instructions for row in kept.all()},
        open_items=await open_order_items(session, ids),
    )


@dataclass
class Thresholds:
    """When a colour counts as running low (the settings `toner_low_percent` and `toner_low_days`)."""

    percent: int
    days: int


def toner_view(
    levels: list[TonerLevel], now: datetime, thresholds: Thresholds, item: ConsumableItem | None
) -> TonerView:
    """One colour: its forecast, whether it runs low (a low-toner signal of the current cartridge, a level at or
    below the threshold, or too few days left) and the catalogue item that refills it."""
    result = forecast([(row.at, row.level) for row in levels], now)
    since = result.cartridge_since
    signalled = any(row.low_signal for row in levels if since is None or row.at >= since)
    low = (
        signalled
        or (result.level is not None and result.level <= thresholds.percent)
        or (result.days is not None and result.days <= thresholds.days)
    )
    toner = TonerView(
        colour=levels[-1].colour, level=result.level, reported_at=levels[-1].at, forecast=result, low=low
    )
    if item is not None:
        toner.sku, toner.item_name = item.sku, item.name
    return toner


async def supplies_of(
    session: AsyncSession, principal: Principal, devices: list[Device], now: datetime, thresholds: Thresholds
) -> list[DeviceSupplies]:
    """Each device's toners with their forecast, its stock and instructions; suggestions only for who orders."""
    ids = [device.id for device in devices]
    if not ids:
        return []
    known = await holdings_of(session, ids, now)
    result = []
    for device in devices:
        items = await items_of_model(session, device.model)
        by_kind = {item.kind: item for item in items}
        orders = keeps_supplies(principal, device)
        view = DeviceSupplies(device=device, instructions=known.instructions.get(device.id, ""))
        for colour in COLOURS:
            if not (levels := known.history.get((device.id, colour))):
                continue
            toner = toner_view(levels, now, thresholds, by_kind.get(f"toner_{colour}"))
            if toner.sku is not None:
                toner.on_site = known.stock.get((device.id, toner.sku), 0)
                toner.days_with_stock = days_with_stock(toner.forecast, toner.on_site)
                toner.order_open = (device.id, toner.sku) in known.open_items
                toner.suggest_order = orders and toner.low and not toner.order_open
            view.toners.append(toner)
        view.stock = [
            StockView(
                sku=item.sku,
                name=item.name,
                kind=item.kind,
                quantity=known.stock.get((device.id, item.sku), 0),
            )
            for item in items
        ]
        result.append(view)
    return result
