"""The agents' queue (F-40): the open cases of the departments the caller works in (a supervisor: of every
department), the soonest due first, narrowed by the filters; and each department's counts for the tabs."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.case.due import breached_clause, calendars_of, due_flags
from cases.case.models import Case
from cases.case.panel import account_ref, soonest_due_first, staff_ref
from cases.case.presenters import allowed, with_assignment
from cases.case.schemas import DeviceRef
from cases.case.service import CaseFilters, filtered
from cases.case.workflow import OPEN
from cases.departments.members import departments_of
from cases.directory.models import Account, Device, User
from cases.queue.schemas import DepartmentQueue, QueueItem, QueuePage
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Problem
from shared.events.vocabulary import Department, Side
from shared.paging import PageQuery, count_of
from shared.permissions import assignment_actions

Row = TypeVar("Row", Account, Device, User)


@dataclass
class QueueFilters(CaseFilters):
    unassigned: bool = False


def queue_departments(principal: Principal, own: list[str]) -> list[str]:
    """The departments whose queues the caller may open: their own; a supervisor every one, their own first."""
    if not principal.is_supervisor:
        return own
    return own + [department.value for department in Department if department not in own]


def check_department(department: str | None, departments: list[str]) -> None:
    if department and department not in departments:
        raise Problem(
            403,
            "Forbidden",
            f"You do not work in the department {department}.",
            code="not_in_department",
            params={"department": department},
        )


def queue_query(filters: QueueFilters, departments: list[str]) -> Select:
    query = filtered(select(Case).where(Case.status.in_(OPEN), Case.department.in_(departments)), filters)
    return query.where(Case.assignee_id.is_(None)) if filters.unassigned else query


async def queue_page(
    session: AsyncSession, principal: Principal, filters: QueueFilters, paging: PageQuery
) -> QueuePage:
    own = await departments_of(session, principal.user_id)
    departments = queue_departments(principal, own)
    check_department(filters.department, departments)
    query = queue_query(filters, departments)
    cases = list((await session.scalars(paging.of(soonest_due_first(query)))).all())
    now = utcnow()
    return QueuePage(
        **paging.page(await queue_items(session, principal, cases, own, now), await count_of(session, query)),
        departments=await department_counts(session, departments, own, now),
    )


async def department_counts(
    session: AsyncSession, departments: list[str], own: list[str], now: datetime
) -> list[DepartmentQueue]:
    rows = await session.execute(
        select(
            Case.department,
            func.count(),
            func.count().filter(breached_clause(now)),
            func.count().filter(Case.assignee_id.is_(None)),
        )
        .where(Case.status.in_(OPEN), Case.department.in_(departments))
        .group_by(Case.department)
    )
    counts = {department: (total, late, nobody) for department, total, late, nobody in rows}
    queues = []
    for department in departments:
        total, late, nobody = counts.get(department, (0, 0, 0))
        queues.append(
            DepartmentQueue(
                department=Department(department),
                member=department in own,
                open=total,
                breached=late,
                unassigned=nobody,
            )
        )
    return queues


async def by_id(session: AsyncSession, model: type[Row], ids: Iterable[str | None]) -> dict[str, Row]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = await session.scalars(select(model).where(model.id.in_(wanted)))
    return {row.id: row for row in rows.all()}


async def queue_items(
    session: AsyncSession, principal: Principal, cases: list[Case], own: list[str], now: datetime
) -> list[QueueItem]:
    """The page's cases with their accounts, devices and assignees, read in one query each."""
    accounts = await by_id(session, Account, (c.account_id for c in cases))
    calendars = await calendars_of(session, (c.account_id for c in cases))
    devices = await by_id(session, Device, (c.device_id for c in cases))
    assignees = await by_id(session, User, (c.assignee_id for c in cases))
    items = []
    for case in cases:
        account, device = accounts.get(case.account_id), devices.get(case.device_id or "")
        assignment = assignment_actions(
            principal, assignee_id=case.assignee_id, in_department=case.department in own, case_over=False
        )
        items.append(
            QueueItem(
                **{name: getattr(case, name) for name in QUEUE_FIELDS},
                paused=case.paused_since is not None,
                **due_flags(case, calendars[case.account_id], now),
                account=account_ref(account),
                device=DeviceRef(id=device.id, serial=device.serial, model=device.model) if device else None,
                assignee=staff_ref(assignees.get(case.assignee_id or "")),
                allowed_actions=with_assignment(allowed(Side.VENDOR, case), assignment)["allowed_actions"],
            )
        )
    return items


QUEUE_FIELDS = (
    "id",
    "number",
    "subject",
    "status",
    "type",
    "category",
    "department",
    "created_at",
    "response_due_at",
    "first_response_at",
    "awaiting_release",
)
