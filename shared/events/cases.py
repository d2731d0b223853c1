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
    # When the vendor's first response is due (F-12), counted in business hours from the creation, or from the next
    # opening when the case arrived in closed time (then `received_outside_business_hours`).
    response_due_at: datetime | None = None
    received_outside_business_hours: bool = False
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


class CaseSlaAlert(EventData):
    """What both alerts about a case's response due time carry; `recipient_ids` are the staff users to tell: the
    case's assignee, or every agent of its department when nobody is assigned."""

    case_id: str
    number: str
    account_id: str
    account_name: str
    subject: str
    department: Department
    assignee_id: str | None
    response_due_at: datetime
    recipient_ids: list[str]
    at: datetime


class CaseSlaWarning(CaseSlaAlert):
    """Less than one business hour is left before the case's response is due and the vendor has not responded yet
    (F-12). Published once per case, and only while the case's business hours are open."""

    event_type = "cases.case.sla_warning"


class CaseSlaBreached(CaseSlaAlert):
    """The case's response due time passed without a response from the vendor (F-12). Published once per case, and
    only while the case's business hours are open: a due time passed at night is told at the next opening."""

    event_type = "cases.case.sla_breached"


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


class DeviceWentOffline(EventData):
    """A device's outage began (one event per outage): `recipient_ids` are the users to tell, its device managers,
    else the account's administrators; `guide_path` the portal's reconnection guide for the device."""

    event_type = "cases.device.offline"
    device_id: str
    account_id: str
    serial: str
    model: str
    offline_since: datetime
    recipient_ids: list[str]
    guide_path: str


class DeviceBackOnline(EventData):
    """A device's outage ended at `online_at`; `case_id` the technical-support case it opened, if any."""

    event_type = "cases.device.online"
    device_id: str
    account_id: str
    serial: str
    offline_since: datetime
    online_at: datetime
    case_id: str | None = None
