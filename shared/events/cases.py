"""Events of `cases` (SPEC F-51). `follower_ids` are the customer users who receive the case's updates."""

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

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
    # A resolution asks each follower for their verdict (F-15): the path of their own survey link, signed for that
    # case and follower and valid for 30 days, by follower id. Empty for any other change.
    survey_paths: dict[str, str] = Field(default_factory=dict)


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


class SurveyAnswered(EventData):
    """A follower of a resolved case rated it (F-15): `rating` from 1 (very dissatisfied) to 5 (very satisfied),
    with their optional comment. One answer per case and follower. `agent_id` is the member of the staff the
    answer counts for (who worked the case: its assignee, else who resolved it); `device_model` the model of the
    case's device, when it has one."""

    event_type = "cases.survey.answered"
    answer_id: str
    case_id: str
    number: str
    account_id: str
    device_id: str | None
    device_model: str | None
    department: Department
    agent_id: str | None
    user_id: str
    rating: int = Field(ge=1, le=5)
    comment: str | None
    answered_at: datetime
