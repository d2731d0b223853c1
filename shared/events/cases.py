"""Events of `cases` (SPEC F-51). `follower_ids` are the customer users who receive the case's updates."""

from datetime import datetime
from typing import Any, Literal

from shared.events.envelope import EventData
from shared.events.vocabulary import CaseStatus, CaseType, Department, Side

__all__ = ["CaseStatus", "CaseType", "Department", "Side"]


class CaseCreated(EventData):
    event_type = "cases.case.created"
    case_id: str
    number: str
    account_id: str
    device_id: str | None
    type: CaseType
    category: str
    subject: str
    status: CaseStatus
    department: Department
    created_by: str
    follower_ids: list[str]
    created_at: datetime
    response_due_at: datetime | None = None
    # What was asked, by type (null for incidents): consumables {items: [{sku, kind, name, quantity}], shipping},
    # relocation {street, ..., preferred_date, time_window, network}, removal {date, reason}, account_inquiry {topic}.
    details: dict[str, Any] | None = None


class CaseStatusChanged(EventData):
    event_type = "cases.case.status_changed"
    case_id: str
    number: str
    account_id: str
    subject: str
    old_status: CaseStatus
    new_status: CaseStatus
    changed_by: str
    changed_by_side: Side
    follower_ids: list[str]
    changed_at: datetime
    reason: str | None = None


class CaseAssigned(EventData):
    """Who works a case changed (F-40): `assignee_id` is the new assignee, none when the case was taken off
    its assignee; `assigned_by` the staff user who did it."""

    event_type = "cases.case.assigned"
    case_id: str
    number: str
    department: Department
    assignee_id: str | None
    previous_assignee_id: str | None
    assigned_by: str
    assigned_at: datetime


class CaseMessageAdded(EventData):
    """Internal notes are published for the vendor's systems with `internal: true`; they never reach a customer."""

    event_type = "cases.message.added"
    case_id: str
    number: str
    account_id: str
    subject: str
    message_id: str
    author_id: str
    author_side: Side
    internal: bool
    body: str
    follower_ids: list[str]
    added_at: datetime


class OrderShipped(EventData):
    """A consumables order (F-30) left the warehouse: the followers can be told how to track it."""

    event_type = "cases.order.shipped"
    case_id: str
    number: str
    account_id: str
    device_id: str | None
    subject: str
    tracking_reference: str | None
    carrier: str | None
    follower_ids: list[str]
    shipped_at: datetime


class VisitUpdated(EventData):
    """A technician's visit for a case (F-32) was scheduled, started on site or finished."""

    event_type = "cases.visit.updated"
    case_id: str
    number: str
    account_id: str
    device_id: str | None
    subject: str
    type: CaseType
    status: Literal["scheduled", "on_site", "done"]
    scheduled_for: datetime | None
    technician: str | None
    follower_ids: list[str]
    at: datetime
