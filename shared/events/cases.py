"""Events of `cases` (SPEC F-51). `follower_ids` are the customer users who receive the case's updates."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from shared.events.envelope import EventData
from shared.events.vocabulary import CaseStatus, CaseType, Department, GuideAnswer, GuideRunOutcome, Side

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
    # The self-help run the customer followed before opening the incident (F-16), and whether the device showed a
    # service-call code, which needs a technician.
    guide_run_id: str | None = None
    needs_technician: bool = False
    # A consumables order from an account whose credit is on hold (F-41): it is not to be shipped until an agent
    # releases it (then `cases.order.released`).
    awaiting_release: bool = False


class OrderReleased(EventData):
    """An agent released a consumables order that waited because its account's credit was on hold (F-41): it
    may now be shipped. `details` are the order's items and shipping, as in `cases.case.created`."""

    event_type = "cases.order.released"
    case_id: str
    number: str
    account_id: str
    device_id: str | None
    subject: str
    details: dict[str, Any] | None
    released_by: str
    released_at: datetime
    follower_ids: list[str]


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


class MessageFile(BaseModel):
    """A file sent with a message, by name and size; its bytes stay in `cases`, downloaded from the case page."""

    filename: str
    size: int = Field(ge=0, description="In bytes.")


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
    attachments: list[MessageFile] = Field(
        default_factory=list,
        description="The files sent with the message, in the order sent (absent from events older than this field).",
    )


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


class SelfHelpStepAnswer(BaseModel):
    """One step of a guide as the customer answered it."""

    step: str
    answer: GuideAnswer


class SelfHelpRunFinished(EventData):
    """A customer's run through a self-help guide ended (F-16), so the vendor's systems can follow deflection:
    `solved` (the customer answered "solved"; nothing was created), `escalated` (it ended in case `case_id`, or a
    case for the same device and category followed a "solved" within 72 hours: then `previous_outcome` is
    `solved` and the run is published a second time) or `abandoned` (left unfinished at `last_step`). `version` is
    the version of the guide the run followed; `steps` the steps answered, in order."""

    event_type = "cases.selfhelp.run_finished"
    run_id: str
    guide_id: str
    guide_key: str
    version: int
    outcome: GuideRunOutcome
    previous_outcome: GuideRunOutcome | None = None
    user_id: str
    account_id: str | None
    device_id: str | None
    category: str
    error_code: str | None
    language: str
    steps: list[SelfHelpStepAnswer]
    last_step: str | None
    case_id: str | None
    started_at: datetime
    finished_at: datetime


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
