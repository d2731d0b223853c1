"""HTTP API of the agents' queue under /api/cases/v1 (F-40): the vendor's staff only."""

from typing import Annotated

from fastapi import APIRouter, Query

from cases.case.workflow import OPEN
from cases.queue.schemas import QueuePage
from cases.queue.service import QueueFilters, queue_page
from shared.app import DbSession
from shared.auth import StaffUser
from shared.errors import field_error
from shared.events.vocabulary import CaseStatus, CaseType, Department
from shared.paging import Paging

router = APIRouter(prefix="/api/cases/v1", tags=["queue"])
Id = Annotated[str | None, Query(max_length=36)]


def checked_filters(filters: QueueFilters) -> QueueFilters:
    """What the query's types cannot say: the queue holds open cases only, and nobody is no one in particular."""
    if any(status not in OPEN for status in filters.statuses):
        raise field_error(
            "status",
            f"must be one of the open statuses: {', '.join(OPEN)}",
            field_code="not_a_choice",
        )
    if filters.unassigned and filters.assignee_id:
        raise field_error(
            "unassigned", "cannot be combined with assignee_id", field_code="conflicting_filters"
        )
    return filters


@router.get("/queue", response_model=QueuePage)
async def queue(
    principal: StaffUser,
    session: DbSession,
    paging: Paging,
    department: Department | None = None,
    status: CaseStatus | None = None,
    type: CaseType | None = None,
    account_id: Id = None,
    device_id: Id = None,
    assignee_id: Id = None,
    unassigned: bool = False,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> QueuePage:
    """The open cases of the caller's departments (a supervisor: of any), the soonest due first; `department`
    narrows it to one of them. Each department's counts come along for the tabs."""
    filters = checked_filters(
        QueueFilters(
            department=department,
            statuses=(status,) if status else (),
            types=(type,) if type else (),
            account_id=account_id,
            device_id=device_id,
            assignee_id=assignee_id,
            unassigned=unassigned,
            q=q,
        )
    )
    return await queue_page(session, principal, filters, paging)
