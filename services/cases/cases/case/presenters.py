"""Build the responses: the customer's view and the staff's view of a case are built by separate
functions into separate schemas, and the customer's never even loads internal notes."""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit.service import SYSTEM_ACTOR
from cases.calendars.service import UNKNOWN_ACCOUNT_CALENDAR, calendars_for_accounts
from cases.case.assignment import staff_assignment_actions
from cases.case.attachments import attachments_of
from cases.case.followers import candidates, follower_actions
from cases.case.models import Case, CaseMessage, StatusChange
from cases.case.panel import side_panel
from cases.case.schemas import (
    AttachmentOut,
    CaseListItem,
    CaseOut,
    CasePage,
    CustomerCaseDetail,
    DeviceRef,
    MessageOut,
    PersonRef,
    ServiceLevelOut,
    StaffCaseDetail,
    StaffCaseListItem,
    StaffCasePage,
    StaffCaseState,
    StaffMessageOut,
    StaffTimelineEntry,
    TimelineEntry,
)
from cases.case.service import CaseList
from cases.case.workflow import allowed_transitions, case_actions
from cases.directory.models import Device, User
from cases.fulfilment.models import FulfilmentUpdate
from cases.servicelevel import BusinessCalendar, service_level
from cases.surveys.service import answers_on_case
from shared.auth import Principal
from shared.db import utcnow
from shared.events.vocabulary import CaseAction, Side
from shared.paging import PageQuery


async def case_detail(
    session: AsyncSession, principal: Principal, case: Case
) -> CustomerCaseDetail | StaffCaseDetail:
    if principal.is_staff:
        return await staff_detail(session, principal, case)
    return await customer_detail(session, principal, case)


async def changed_case(
    session: AsyncSession, principal: Principal, case: Case
) -> CustomerCaseDetail | StaffCaseState:
    """The answer to a change: the staff get the case's state without its timeline and side panel, which only
    their case page needs (reading them cost more than the change itself, and the timeline grows with the case)."""
    if principal.is_staff:
        return await staff_state(session, principal, case)
    return await customer_detail(session, principal, case)


async def customer_detail(session: AsyncSession, principal: Principal, case: Case) -> CustomerCaseDetail:
    messages = await session.scalars(
        select(CaseMessage).where(CaseMessage.case_id == case.id, CaseMessage.internal.is_(False))
    )
    entries = await timeline(session, case, list(messages.all()))
    allowed_now = allowed(Side.CUSTOMER, case)
    others = await candidates(session, principal, case)
    return CustomerCaseDetail(
        **CaseOut.model_validate(case).model_dump(),
        service_level=(await service_levels(session, [case]))[case.id],
        device=await device_ref(session, case.device_id),
        timeline=[TimelineEntry(**e) for e in entries],
        allowed_transitions=allowed_now["allowed_transitions"],
        allowed_actions=[
            *allowed_now["allowed_actions"],
            *follower_actions(principal, case, bool(others)),
        ],
        followers=await follower_refs(session, case),
        follower_candidates=[PersonRef(id=u.id, name=u.name) for u in others],
    )


async def staff_state(session: AsyncSession, principal: Principal, case: Case) -> StaffCaseState:
    return StaffCaseState(
        **CaseOut.model_validate(case).model_dump(),
        service_level=(await service_levels(session, [case]))[case.id],
        assignee_id=case.assignee_id,
        first_response_at=case.first_response_at,
        paused_seconds=case.paused_seconds,
        follower_ids=case.follower_ids,
        **await staff_allowed(session, principal, case),
    )


async def staff_detail(session: AsyncSession, principal: Principal, case: Case) -> StaffCaseDetail:
    state = await staff_state(session, principal, case)
    messages = await session.scalars(select(CaseMessage).where(CaseMessage.case_id == case.id))
    entries = await timeline(session, case, list(messages.all()))
    return StaffCaseDetail(
        **state.model_dump(),
        timeline=[StaffTimelineEntry(**e) for e in entries],
        **await side_panel(session, principal, case),
        survey_answers=await answers_on_case(session, case.id),
        followers=await follower_refs(session, case),
    )


async def follower_refs(session: AsyncSession, case: Case) -> list[PersonRef]:
    names = await names_of(session, set(case.follower_ids))
    return [PersonRef(id=u, name=names.get(u, "")) for u in case.follower_ids]


def allowed(side: Side, case: Case) -> dict[str, list[str]]:
    transitions = allowed_transitions(side, case.status, case.resolved_at, utcnow())
    return {
        "allowed_transitions": transitions,
        "allowed_actions": case_actions(side, case.status, transitions),
    }


def release_actions(case: Case) -> list[str]:
    return [CaseAction.RELEASE_ORDER.value] if case.awaiting_release else []


def with_assignment(allowed_now: dict[str, list[str]], assignment: list[str]) -> dict[str, list[str]]:
    """The workflow's actions and the assignment's together, in the vocabulary's order."""
    actions = {*allowed_now["allowed_actions"], *assignment}
    return {**allowed_now, "allowed_actions": [a.value for a in CaseAction if a in actions]}


async def staff_allowed(session: AsyncSession, principal: Principal, case: Case) -> dict[str, list[str]]:
    return with_assignment(
        allowed(Side.VENDOR, case),
        await staff_assignment_actions(session, principal, case) + release_actions(case),
    )


async def device_ref(session: AsyncSession, device_id: str | None) -> DeviceRef | None:
    device = await session.get(Device, device_id) if device_id else None
    return DeviceRef(id=device.id, serial=device.serial, model=device.model) if device else None


async def timeline(session: AsyncSession, case: Case, messages: list[CaseMessage]) -> list[dict]:
    """Creation, status changes, the given messages and the vendor systems' shipment and visit reports,
    oldest first."""
    changes = (await session.scalars(select(StatusChange).where(StatusChange.case_id == case.id))).all()
    updates = (
        await session.scalars(select(FulfilmentUpdate).where(FulfilmentUpdate.case_id == case.id))
    ).all()
    names = await names_of(
        session, {case.created_by, *(c.actor_id for c in changes), *(m.author_id for m in messages)}
    )

    def entry(kind: str, at: datetime, actor_id: str, side: str, **extra) -> dict:
        return {
            "kind": kind,
            "at": at,
            "actor_id": actor_id,
            "actor_name": names.get(actor_id, ""),
            "actor_side": side,
            **extra,
        }

    # A case the portal opened by itself (a device offline for days) was opened by the system.
    opener = "system" if case.created_by == SYSTEM_ACTOR else "customer"
    entries = [entry("created", case.created_at, case.created_by, opener, body=case.description)]
    entries += [
        entry(
            "status_changed",
            c.at,
            c.actor_id,
            c.actor_side,
            from_status=c.from_status,
            to_status=c.to_status,
            reason=c.reason,
        )
        for c in changes
    ]
    entries += await message_entries(session, messages, entry)
    entries += [
        entry(
            u.kind,
            u.at,
            u.actor_id,
            "vendor",
            status=u.status,
            tracking_reference=u.tracking_reference,
            carrier=u.carrier,
            scheduled_for=u.scheduled_for,
            technician=u.technician,
            body=u.note,
        )
        for u in updates
    ]
    order = {"created": 0, "message": 1, "note": 1, "shipment": 1, "visit": 1, "status_changed": 2}
    # A reply and the status change it causes share a timestamp: the reply comes first.
    return sorted(entries, key=lambda e: (e["at"], order[e["kind"]]))


async def message_entries(
    session: AsyncSession, messages: list[CaseMessage], entry: Callable[..., dict]
) -> list[dict]:
    """Each message or internal note with its files' names, types and sizes (never their bytes)."""
    files = await attachments_of(session, [m.id for m in messages])
    return [
        entry(
            "note" if m.internal else "message",
            m.created_at,
            m.author_id,
            m.author_side,
            body=m.body,
            attachments=files.get(m.id, []),
        )
        for m in messages
    ]


async def names_of(session: AsyncSession, user_ids: set[str]) -> dict[str, str]:
    rows = await session.execute(select(User.id, User.name).where(User.id.in_(user_ids)))
    # Machine actors (system, logistics, fieldservice) have no name here: pages label them in the reader's language.
    return {user_id: name for user_id, name in rows}


async def service_levels(session: AsyncSession, cases: list[Case]) -> dict[str, ServiceLevelOut]:
    """Where each case stands against its response target, {case id: level}, on its account's calendar (the
    calendars read in one query)."""
    return levels_on(cases, await calendars_for_accounts(session, {c.account_id for c in cases}))


def levels_on(
    cases: Sequence[Case | Row[Any]], calendars: dict[str, BusinessCalendar]
) -> dict[str, ServiceLevelOut]:
    """Each case's level (of an entity or a list's row) on the calendar of its account, {account id: calendar},
    judged at one instant."""
    now = utcnow()
    return {
        c.id: ServiceLevelOut.model_validate(
            service_level(c, calendars.get(c.account_id, UNKNOWN_ACCOUNT_CALENDAR), now)
        )
        for c in cases
    }


def case_page(principal: Principal, found: CaseList, paging: PageQuery) -> CasePage | StaffCasePage:
    """The page validated once, from the rows' columns and each case's level as they are (a model validated per
    row and per level was a tenth of the request)."""
    page, item = (StaffCasePage, StaffCaseListItem) if principal.is_staff else (CasePage, CaseListItem)
    columns = [name for name in item.model_fields if name != "service_level"]
    now = utcnow()
    items = [
        columns_of(row, columns)
        | {
            "service_level": service_level(
                row, found.calendars.get(row.account_id, UNKNOWN_ACCOUNT_CALENDAR), now
            )
        }
        for row in found.cases
    ]
    return page.model_validate(paging.page(items, found.total))


def columns_of(row: Any, names: list[str]) -> dict[str, Any]:
    """These columns of a row (`shared.db.PreparedRead.rows`)."""
    return {name: row[name] for name in names}


def message_out(
    principal: Principal, message: CaseMessage, files: list[dict] | None = None
) -> MessageOut | StaffMessageOut:
    out = (StaffMessageOut if principal.is_staff else MessageOut).model_validate(message)
    return out.model_copy(update={"attachments": [AttachmentOut(**f) for f in files or []]})
