"""Applying the vendor systems' progress reports to a case (F-30 logistics, F-32 field service).

A report is recorded as a timeline entry, audited, and may move the case forward: a vendor system only ever
pushes a case ahead (new -> in_progress -> resolved), so a late or repeated report never takes it back, and
a case the customer cancelled or that closed stays so. The same report twice (same case, kind, status and
time) changes nothing, whatever its event id."""

import uuid
from datetime import UTC, datetime
from typing import Any, cast, overload

from sqlalchemy import CursorResult, select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit import service as audit
from cases.case import service as cases
from cases.case.models import Case
from cases.directory.access import followers_who_may_see
from cases.fleet.supplies import receive_delivery
from cases.fulfilment.models import FulfilmentUpdate
from shared.bus import PermanentError
from shared.db import upsert_ignore, utcnow
from shared.events.cases import OrderShipped, VisitUpdated
from shared.events.vendor import CaseReference, FieldserviceVisitUpdated, LogisticsShipmentUpdated
from shared.events.vocabulary import CaseStatus
from shared.outbox import Outbox

LOGISTICS, FIELD_SERVICE = "logistics", "fieldservice"
SHIPMENT_CASE_TYPES = ("consumables",)
# A technician also visits for an incident; relocations and removals are always done by one.
VISIT_CASE_TYPES = ("relocation", "removal", "incident")
PROGRESS = {
    CaseStatus.NEW: 0,
    CaseStatus.IN_PROGRESS: 1,
    CaseStatus.WAITING_FOR_CUSTOMER: 1,
    CaseStatus.RESOLVED: 2,
    CaseStatus.CLOSED: 3,
    CaseStatus.CANCELLED: 3,
}
SHIPMENT_TARGET = {
    "accepted": CaseStatus.IN_PROGRESS,
    "shipped": CaseStatus.IN_PROGRESS,
    "delivered": CaseStatus.RESOLVED,
}
VISIT_TARGET = {
    "scheduled": CaseStatus.IN_PROGRESS,
    "on_site": CaseStatus.IN_PROGRESS,
    "done": CaseStatus.RESOLVED,
}
SHIPMENT_REASON = {
    "accepted": "order accepted by logistics",
    "shipped": "order shipped",
    "delivered": "order delivered",
}
VISIT_REASON = {
    "scheduled": "technician visit scheduled",
    "on_site": "technician on site",
    "done": "technician visit done",
}


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """Vendor systems should send zoned times; a time without a zone is taken as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def referenced_case(
    session: AsyncSession, reference: CaseReference, case_types: tuple[str, ...]
) -> Case:
    """The case a report is about, locked; a report about no such case, or about a case of a type this system
    does not serve, can never succeed and is parked."""
    query = select(Case).with_for_update().execution_options(populate_existing=True)
    if reference.case_id:
        query = query.where(Case.id == reference.case_id)
    if reference.case_number:
        query = query.where(Case.number == reference.case_number)
    case = await session.scalar(query)
    named = reference.case_number or reference.case_id
    if case is None:
        raise PermanentError(f"no case {named}")
    if case.type not in case_types:
        raise PermanentError(f"case {named} is of type {case.type}, not {' or '.join(case_types)}")
    return case


async def record_update(
    session: AsyncSession, case: Case, kind: str, actor_id: str, status: str, at: datetime, **fields
) -> bool:
    """Record the report as a timeline entry; False when the same report was recorded before."""
    result = await session.execute(
        upsert_ignore(session, FulfilmentUpdate.__table__)
        .values(
            id=str(uuid.uuid4()),
            case_id=case.id,
            kind=kind,
            actor_id=actor_id,
            status=status,
            at=at,
            recorded_at=utcnow(),
            **fields,
        )
        .on_conflict_do_nothing()
    )
    return cast(CursorResult[Any], result).rowcount == 1  # an INSERT's result is a cursor's


async def move_forward(
    session: AsyncSession, outbox: Outbox, case: Case, target: str, actor_id: str, reason: str
) -> None:
    now = utcnow()
    case.updated_at = now
    if case.first_response_at is None:
        case.first_response_at = now  # the vendor's system taking the request up is the vendor's response
    if PROGRESS[CaseStatus(case.status)] < PROGRESS[CaseStatus(target)]:
        # Vendor systems move a case without the agents' step-by-step rules (e.g. new -> resolved on delivery).
        await cases.change_status(
            session, outbox, case, target, actor_id=actor_id, side="vendor", reason=reason, checked=False
        )


async def apply_shipment(session: AsyncSession, outbox: Outbox, data: LogisticsShipmentUpdated) -> None:
    case = await referenced_case(session, data, SHIPMENT_CASE_TYPES)
    at = as_utc(data.at)
    if not await record_update(
        session,
        case,
        "shipment",
        LOGISTICS,
        data.status,
        at,
        tracking_reference=data.tracking_reference,
        carrier=data.carrier,
    ):
        return
    audit.record(
        session,
        actor_id=LOGISTICS,
        actor_side="vendor",
        action="case.shipment_updated",
        case_id=case.id,
        status=data.status,
        tracking_reference=data.tracking_reference,
        carrier=data.carrier,
        at=at.isoformat(),
    )
    if data.status == "shipped":
        case.tracking_reference = data.tracking_reference or case.tracking_reference
        case.carrier = data.carrier or case.carrier
        await outbox.add(
            session,
            OrderShipped(
                case_id=case.id,
                number=case.number,
                account_id=case.account_id,
                device_id=case.device_id,
                subject=case.subject,
                tracking_reference=case.tracking_reference,
                carrier=case.carrier,
                follower_ids=await followers_who_may_see(session, case),
                shipped_at=at,
            ),
            subject=case.id,
        )
    if data.status == "delivered":
        await receive_delivery(session, case)  # what was delivered is now on site (SPEC §1)
    await move_forward(
        session, outbox, case, SHIPMENT_TARGET[data.status], LOGISTICS, SHIPMENT_REASON[data.status]
    )


async def apply_visit(session: AsyncSession, outbox: Outbox, data: FieldserviceVisitUpdated) -> None:
    case = await referenced_case(session, data, VISIT_CASE_TYPES)
    at, scheduled_for = as_utc(data.at), as_utc(data.scheduled_for)
    if not await record_update(
        session,
        case,
        "visit",
        FIELD_SERVICE,
        data.status,
        at,
        scheduled_for=scheduled_for,
        technician=data.technician,
        note=data.note,
    ):
        return
    audit.record(
        session,
        actor_id=FIELD_SERVICE,
        actor_side="vendor",
        action="case.visit_updated",
        case_id=case.id,
        status=data.status,
        technician=data.technician,
        at=at.isoformat(),
        scheduled_for=scheduled_for.isoformat() if scheduled_for else None,
    )
    await outbox.add(
        session,
        VisitUpdated(
            case_id=case.id,
            number=case.number,
            account_id=case.account_id,
            device_id=case.device_id,
            subject=case.subject,
            type=case.type,
            status=data.status,
            scheduled_for=scheduled_for,
            technician=data.technician,
            follower_ids=await followers_who_may_see(session, case),
            at=at,
        ),
        subject=case.id,
    )
    await move_forward(
        session, outbox, case, VISIT_TARGET[data.status], FIELD_SERVICE, VISIT_REASON[data.status]
    )
