"""What an agent sees beside a case (F-40): its account, the customer who wrote it and how to reach them, the
device with its contract's response time, who works it and whom it may go to, and the account's other open
cases. Built from the local copies; vendor-only, so only the staff's answers carry it."""

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.case import due
from cases.case.assignment import assignable
from cases.case.due import due_flags
from cases.case.models import Case
from cases.case.schemas import AccountRef, ContactOut, OpenCaseRef, StaffDeviceRef, StaffRef
from cases.case.workflow import OPEN
from cases.directory.models import Account, Device, User
from cases.servicelevel import BusinessCalendar
from shared.auth import Principal
from shared.db import utcnow
from shared.events.vocabulary import CaseStatus

OTHER_CASES_SHOWN = 20


def account_ref(account: Account | None) -> AccountRef | None:
    if account is None:
        return None
    return AccountRef(
        id=account.id,
        number=account.number,
        name=account.name,
        country=account.country,
        credit_status=account.credit_status,
        credit_reason=account.credit_reason,
    )


def staff_device(device: Device | None) -> StaffDeviceRef | None:
    if device is None:
        return None
    return StaffDeviceRef(
        id=device.id, serial=device.serial, model=device.model, response_time_hours=device.response_time_hours
    )


def staff_ref(user: User | None) -> StaffRef | None:
    return StaffRef(id=user.id, name=user.name) if user else None


def contact_of(user: User | None) -> ContactOut | None:
    if user is None:
        return None
    return ContactOut(id=user.id, name=user.name, email=user.email, phone=user.phone)


def soonest_due_first(query):
    """Cases by response due time, those without one last, then oldest first (the queue's order)."""
    return query.order_by(Case.response_due_at.asc().nulls_last(), Case.created_at, Case.number)


async def other_open_cases(
    session: AsyncSession, case: Case, calendar: BusinessCalendar, now: datetime
) -> tuple[list[OpenCaseRef], int]:
    """The account's other open cases, the soonest due first (at most OTHER_CASES_SHOWN), and how many there are."""
    query = select(Case).where(Case.account_id == case.account_id, Case.status.in_(OPEN), Case.id != case.id)
    rows = (await session.scalars(soonest_due_first(query).limit(OTHER_CASES_SHOWN))).all()
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return [
        OpenCaseRef(
            id=row.id,
            number=row.number,
            subject=row.subject,
            status=CaseStatus(row.status),
            response_due_at=row.response_due_at,
            **due_flags(row, calendar, now),
        )
        for row in rows
    ], total


async def side_panel(session: AsyncSession, principal: Principal, case: Case) -> dict[str, Any]:
    """The staff answer's fields about the case's surroundings (see StaffCaseDetail)."""
    account = await session.get(Account, case.account_id)
    device = await session.get(Device, case.device_id) if case.device_id else None
    creator = await session.get(User, case.created_by)
    assignee = await session.get(User, case.assignee_id) if case.assignee_id else None
    calendars, now = await due.calendars_of(session, [case.account_id]), utcnow()
    others, others_total = await other_open_cases(session, case, calendars[case.account_id], now)
    return {
        "account": account_ref(account),
        "customer": contact_of(creator),
        "device": staff_device(device),
        "assignee": staff_ref(assignee),
        "assignable": await assignable(session, principal, case),
        "other_open_cases": others,
        "other_open_cases_total": others_total,
        **due_flags(case, calendars[case.account_id], now),
    }
