"""The agents' queue (F-40): open cases of a department, the soonest due first, with what an agent needs to
pick one, and the counts of every department's queue for its tabs. Vendor-only: no customer ever gets it."""

from datetime import datetime

from pydantic import BaseModel, Field

from cases.case.schemas import AccountRef, DeviceRef, StaffRef
from shared.events.vocabulary import CaseAction, CaseStatus, CaseType, Department
from shared.paging import Page


class QueueItem(BaseModel):
    id: str
    number: str
    subject: str
    status: CaseStatus
    type: CaseType
    category: str
    department: Department
    created_at: datetime
    response_due_at: datetime | None
    first_response_at: datetime | None
    paused: bool = Field(description="Its clock stands still: it waits for the customer.")
    breached: bool = Field(
        description="Its response is overdue: the due time passed, unanswered, not paused."
    )
    at_risk: bool = Field(description="Less than one business hour is left before its response is due.")
    awaiting_release: bool = Field(
        False,
        description="A consumables order waiting for an agent's release (its account's credit is on hold).",
    )
    account: AccountRef | None
    device: DeviceRef | None
    assignee: StaffRef | None
    allowed_actions: list[CaseAction]


class DepartmentQueue(BaseModel):
    """One department's queue, for its tab: how many open cases, how many overdue, how many nobody works."""

    department: Department
    member: bool = Field(description="The caller works in this department.")
    open: int
    breached: int
    unassigned: int


class QueuePage(Page[QueueItem]):
    departments: list[DepartmentQueue] = Field(
        description="The queues the caller may open: their own departments first (a supervisor: every one)."
    )
