"""The fleet's answers to the portal (F-71, SPEC §1): the caller's offline devices, the toner forecasts and stock
of the devices whose supplies they keep, and the Stock Manager's changes (shipping instructions, stock counted,
stock used)."""

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.directory.access import may_see_device
from cases.directory.models import Device
from cases.fleet import supplies
from cases.fleet.connection import guide_path, offline_devices
from cases.fleet.schemas import (
    DeviceSuppliesOut,
    InstructionsIn,
    InstructionsOut,
    OfflineDeviceOut,
    OfflineDevicesOut,
    StockCountIn,
    StockOut,
    StockUsedIn,
    SuppliesOut,
    TonerOut,
)
from cases.settings import Settings
from shared.app import DbSession
from shared.auth import CurrentUser, Principal
from shared.db import utcnow

router = APIRouter(prefix="/api/cases/v1", tags=["fleet"])


async def visible_devices(session: AsyncSession, principal: Principal) -> list[Device]:
    """The active devices the caller sees: a customer's are among their accounts' (looked up by account)."""
    query = select(Device).where(Device.active.is_(True)).order_by(Device.serial)
    if not principal.is_staff:
        query = query.where(Device.account_id.in_(list(principal.memberships)))
    return [device for device in (await session.scalars(query)).all() if may_see_device(principal, device)]


@router.get("/offline-devices", response_model=OfflineDevicesOut)
async def list_offline_devices(principal: CurrentUser, session: DbSession) -> OfflineDevicesOut:
    """The devices the caller sees that are offline now, the longest offline first."""
    devices = {device.id: device for device in await visible_devices(session, principal)}
    offline = await offline_devices(session, list(devices))
    items = [
        OfflineDeviceOut(
            device_id=device_id,
            serial=devices[device_id].serial,
            model=devices[device_id].model,
            offline_since=since,
            guide_path=guide_path(devices[device_id].serial),
        )
        for device_id, since in sorted(offline.items(), key=lambda item: item[1])
    ]
    return OfflineDevicesOut(items=items)


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def answer(principal: Principal, view: supplies.DeviceSupplies) -> DeviceSuppliesOut:
    return DeviceSuppliesOut(
        device_id=view.device.id,
        serial=view.device.serial,
        model=view.device.model,
        shipping_instructions=view.instructions,
        may_change=supplies.keeps_supplies(principal, view.device),
        toners=[
            TonerOut(
                colour=t.colour,
                level=t.level,
                reported_at=t.reported_at,
                enough_data=t.forecast.enough_data,
                days=t.forecast.days,
                days_min=t.forecast.days_min,
                days_max=t.forecast.days_max,
                low=t.low,
                sku=t.sku,
                item_name=t.item_name,
                on_site=t.on_site,
                days_with_stock=t.days_with_stock,
                order_open=t.order_open,
                suggest_order=t.suggest_order,
            )
            for t in view.toners
        ],
        stock=[StockOut(sku=s.sku, name=s.name, kind=s.kind, quantity=s.quantity) for s in view.stock],
    )


async def overview(
    request: Request, session: AsyncSession, principal: Principal, devices: list[Device]
) -> list[DeviceSuppliesOut]:
    settings = settings_of(request)
    thresholds = supplies.Thresholds(settings.toner_low_percent, settings.toner_low_days)
    views = await supplies.supplies_of(session, principal, devices, utcnow(), thresholds)
    return [answer(principal, view) for view in views]


@router.get("/supplies", response_model=SuppliesOut)
async def list_supplies(request: Request, principal: CurrentUser, session: DbSession) -> SuppliesOut:
    """Every device whose supplies the caller keeps (the roles that order supplies), with its toner forecast,
    stock on site and shipping instructions."""
    devices = [d for d in await visible_devices(session, principal) if supplies.keeps_supplies(principal, d)]
    return SuppliesOut(items=await overview(request, session, principal, devices))


@router.get("/devices/{device_id}/supplies", response_model=DeviceSuppliesOut)
async def device_supplies(
    device_id: str, request: Request, principal: CurrentUser, session: DbSession
) -> DeviceSuppliesOut:
    device = await supplies.supplies_device(session, principal, device_id, change=False)
    [view] = await overview(request, session, principal, [device])
    return view


@router.put("/devices/{device_id}/shipping-instructions", response_model=InstructionsOut)
async def put_instructions(
    device_id: str, body: InstructionsIn, principal: CurrentUser, session: DbSession
) -> InstructionsOut:
    """The instructions every new order of the device starts from (each order may still say otherwise)."""
    async with session.begin():
        device = await supplies.supplies_device(session, principal, device_id, change=True)
        text = await supplies.set_instructions(session, principal, device, body.instructions)
    return InstructionsOut(device_id=device_id, instructions=text)


@router.put("/devices/{device_id}/stock/{sku}", response_model=StockOut)
async def count_stock(
    device_id: str, sku: str, body: StockCountIn, principal: CurrentUser, session: DbSession
) -> StockOut:
    """What the Stock Manager counted on site."""
    async with session.begin():
        device = await supplies.supplies_device(session, principal, device_id, change=True)
        item = await supplies.catalogue_item(session, device, sku)
        stock = await supplies.change_stock(
            session, device, item, counted=body.quantity, actor_id=principal.user_id, reason="counted"
        )
    return StockOut(sku=item.sku, name=item.name, kind=item.kind, quantity=stock.quantity)


@router.post("/devices/{device_id}/stock/{sku}/used", response_model=StockOut)
async def use_stock(
    device_id: str, sku: str, body: StockUsedIn, principal: CurrentUser, session: DbSession
) -> StockOut:
    """What the Stock Manager took from the stock on site (e.g. a toner put in)."""
    async with session.begin():
        device = await supplies.supplies_device(session, principal, device_id, change=True)
        item = await supplies.catalogue_item(session, device, sku)
        stock = await supplies.change_stock(
            session, device, item, used=body.quantity, actor_id=principal.user_id, reason="used"
        )
    return StockOut(sku=item.sku, name=item.name, kind=item.kind, quantity=stock.quantity)
