"""Request and response shapes. Customers and staff get separate response schemas: vendor-only fields
(assignee, SLA bookkeeping, internal notes) do not exist in the customer ones, so they cannot leak."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.events.cases import CaseStatus, CaseType

Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Side = Literal["customer", "vendor"]


# Requests -------------------------------------------------------------------------------------------------

class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewCase(Strict):
    device_id: Annotated[str, StringConstraints(min_length=1, max_length=36)]
    type: CaseType
    category: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    subject: Subject
    description: LongText
    error_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None


class NewMessage(Strict):
    body: LongText
    internal: bool = False


class StatusRequest(Strict):
    status: CaseStatus
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


class AssignRequest(Strict):
    assignee_id: Annotated[str, StringConstraints(min_length=1, max_length=36)] | None


# Responses ------------------------------------------------------------------------------------------------

class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CaseListItem(Out):
    id: str
    number: str
    status: str
    type: str
    category: str
    subject: str
    device_id: str | None
    account_id: str
    created_at: datetime
    updated_at: datetime
    response_due_at: datetime | None


class StaffCaseListItem(CaseListItem):
    department: str
    assignee_id: str | None


class CasePage(BaseModel):
    items: list[CaseListItem]
    total: int
    page: int
    page_size: int


class StaffCasePage(BaseModel):
    items: list[StaffCaseListItem]
    total: int
    page: int
    page_size: int


class CaseOut(Out):
    id: str
    number: str
    status: str
    type: str
    category: str
    error_code: str | None
    subject: str
    description: str
    device_id: str | None
    account_id: str
    department: str
    created_at: datetime
    created_by: str
    updated_at: datetime
    response_due_at: datetime | None
    resolved_at: datetime | None


class DeviceRef(BaseModel):
    id: str
    serial: str
    model: str


class TimelineEntry(BaseModel):
    kind: Literal["created", "status_changed", "message"]
    at: datetime
    actor_id: str
    actor_name: str
    actor_side: Literal["customer", "vendor", "system"]
    body: str | None = None
    from_status: str | None = None
    to_status: str | None = None
    reason: str | None = None


class StaffTimelineEntry(TimelineEntry):
    kind: Literal["created", "status_changed", "message", "note"]


class CustomerCaseDetail(CaseOut):
    device: DeviceRef | None
    timeline: list[TimelineEntry]
    allowed_transitions: list[str]


class StaffCaseDetail(CaseOut):
    assignee_id: str | None
    first_response_at: datetime | None
    paused_seconds: int
    follower_ids: list[str]
    device: DeviceRef | None
    timeline: list[StaffTimelineEntry]
    allowed_transitions: list[str]


class MessageOut(Out):
    id: str
    case_id: str
    author_id: str
    author_side: Side
    body: str
    created_at: datetime


class StaffMessageOut(MessageOut):
    internal: bool = Field(description="An internal note, never shown to any customer role.")
