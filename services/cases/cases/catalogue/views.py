"""The consumables a device's model takes, with the contract's limit per order (F-30)."""

from fastapi import APIRouter

from cases.case.schemas import CatalogueItemOut, CatalogueOut
from cases.catalogue.service import items_of_model
from cases.directory.access import visible_device
from shared.app import DbSession
from shared.auth import CurrentUser

router = APIRouter(prefix="/api/cases/v1", tags=["catalogue"])


@router.get("/devices/{device_id}/catalogue", response_model=CatalogueOut)
async def device_catalogue(device_id: str, principal: CurrentUser, session: DbSession) -> CatalogueOut:
    device = await visible_device(session, principal, device_id)
    items = await items_of_model(session, device.model)
    return CatalogueOut(
        device_id=device.id,
        model=device.model,
        items=[CatalogueItemOut.model_validate(item) for item in items],
    )
