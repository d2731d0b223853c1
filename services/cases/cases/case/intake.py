"""What each type of request becomes (F-10, F-30, F-32, F-33): who may open it, what is checked against the
local copies, and the case it drafts. The schema has already checked each type's own fields."""

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cases.case import service
from cases.case.models import Case
from cases.case.schemas import (
    NewAccountInquiry,
    NewConsumablesOrder,
    NewIncident,
    NewRelocation,
    NewRemoval,
    ShipToDevice,
)
from cases.catalogue.service import priced_order
from cases.directory.access import check_account_inquiry, device_for_new_case
from cases.directory.models import Account, Device
from cases.fleet.supplies import instructions_of
from cases.selfhelp import runs
from cases.selfhelp.models import Guide
from shared.auth import Principal
from shared.outbox import Outbox

AnyNewCase = NewIncident | NewConsumablesOrder | NewRelocation | NewRemoval | NewAccountInquiry
ADDRESS_FIELDS = (
    "street",
    "postal_code",
    "city",
    "region",
    "country",
    "building",
    "floor",
    "room",
    "contact_name",
    "contact_phone",
)


def check_before_access(request: AnyNewCase) -> None:
    """Rules of the request alone, refused with a 422 before anything is looked up."""
    if isinstance(request, NewIncident):
        service.check_new_case(request)


async def open_case(
    session: AsyncSession, outbox: Outbox, principal: Principal, request: AnyNewCase, inquiry_hours: float
) -> Case:
    """Open the case a request asks for; it is due in its device's contractual response time, or in
    `inquiry_hours` business hours when it concerns no device (F-12)."""
    if isinstance(request, NewAccountInquiry):
        check_account_inquiry(principal, request.account_id)
        draft = service.CaseDraft(
            type=request.type,
            account_id=request.account_id,
            device=None,
            category=request.topic,
            subject=request.subject,
            description=request.description,
            details={"topic": request.topic},
            response_hours=inquiry_hours,
        )
        return await service.create_case(session, outbox, principal, draft)
    device = await device_for_new_case(session, principal, request.device_id, request.type)
    if isinstance(request, NewIncident):
        return await open_incident(session, outbox, principal, device, request)
    draft = await DRAFTS[request.type](session, device, request)
    draft.response_hours = device.response_time_hours
    return await service.create_case(session, outbox, principal, draft)


async def open_incident(
    session: AsyncSession, outbox: Outbox, principal: Principal, device: Device, request: NewIncident
) -> Case:
    """An incident, with the self-help run that led to it (its steps tried kept on the case, the run escalated);
    and any "solved" run on the same device and category in the 72 hours before is escalated too (F-16)."""
    run = None
    draft = await incident(session, device, request)
    draft.response_hours = device.response_time_hours
    if request.guide_run_id:
        run, version = await runs.run_for_case(session, principal, request.guide_run_id, device.id)
        guide = await session.get(Guide, run.guide_id)
        draft.self_help = runs.self_help_of(run, version, guide.key if guide else "")
    case = await service.create_case(session, outbox, principal, draft)
    await runs.cases_follow_solved_runs(session, outbox, case)
    if run is not None:
        await runs.escalate(session, outbox, run, case)
    return case


async def incident(_session: AsyncSession, device: Device, request: NewIncident) -> service.CaseDraft:
    return service.CaseDraft(
        type="incident",
        account_id=device.account_id,
        device=device,
        category=request.category,
        subject=request.subject,
        description=request.description,
        error_code=request.error_code,
        needs_technician=runs.needs_technician(request.error_code),
    )


async def consumables(
    session: AsyncSession, device: Device, request: NewConsumablesOrder
) -> service.CaseDraft:
    lines = await priced_order(session, device.model, [(line.sku, line.quantity) for line in request.items])
    subject = request.subject or "Order: " + ", ".join(
        f"{line['quantity']} × {line['name']}" for line in lines
    )
    account = await session.get(Account, device.account_id)
    return service.CaseDraft(
        type="consumables",
        account_id=device.account_id,
        device=device,
        category="consumables",
        subject=subject[:200],
        description=request.description,
        details={
            "items": lines,
            "shipping": shipping_of(request, device, await instructions_of(session, device.id)),
        },
        # The customer is told only that the order waits for a review, never why (F-41).
        awaiting_release=account is not None and account.on_credit_hold,
    )


def shipping_of(request: NewConsumablesOrder, device: Device, kept_instructions: str = "") -> dict:
    """Where the order goes. The device's address is copied at ordering time: logistics ships to where the
    device was when it was ordered for, even if it moves later. An order to the device that says nothing of
    instructions carries the device's shipping instructions (SPEC §1); one that says something, its own."""
    if isinstance(request.shipping, ShipToDevice):
        location = device.location or {}
        said = "instructions" in request.shipping.model_fields_set
        return {
            "use_device_location": True,
            "instructions": request.shipping.instructions if said else kept_instructions,
            **{name: location.get(name, "") for name in ADDRESS_FIELDS},
        }
    return request.shipping.model_dump(mode="json")


async def relocation(_session: AsyncSession, device: Device, request: NewRelocation) -> service.CaseDraft:
    details = request.relocation.model_dump(mode="json")
    subject = request.subject or f"Relocation of {device.serial} to {details['city']}"
    return service.CaseDraft(
        type="relocation",
        account_id=device.account_id,
        device=device,
        category="relocation",
        subject=subject[:200],
        description=request.description,
        details=details,
    )


async def removal(_session: AsyncSession, device: Device, request: NewRemoval) -> service.CaseDraft:
    details = request.removal.model_dump(mode="json")
    subject = request.subject or f"Removal of {device.serial} on {details['date']}"
    return service.CaseDraft(
        type="removal",
        account_id=device.account_id,
        device=device,
        category="removal",
        subject=subject[:200],
        description=request.description,
        details=details,
    )


# Each takes the request of its own case type.
DRAFTS: dict[str, Callable[[AsyncSession, Device, Any], Awaitable[service.CaseDraft]]] = {
    "incident": incident,
    "consumables": consumables,
    "relocation": relocation,
    "removal": removal,
}
