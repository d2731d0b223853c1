"""Request and response shapes. Customers and staff get separate response schemas: vendor-only fields
(assignee, SLA bookkeeping, internal notes) do not exist in the customer ones, so they cannot leak."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi.exceptions import RequestValidationError
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyAddress,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)
from pydantic_core import ErrorDetails

from cases.surveys.schemas import SurveyAnswerOut
from shared import clock
from shared.errors import InvalidValue
from shared.events.cases import CaseStatus
from shared.events.vocabulary import CaseAction
from shared.paging import Page

Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Instructions = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
Line200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Optional100 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
DeviceId = Annotated[str, StringConstraints(min_length=1, max_length=36)]
CountryCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")
]
Hostname = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        max_length=253,
        pattern=r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$",
    ),
]
Side = Literal["customer", "vendor"]


def must_be_future(value: date) -> date:
    # Judged on the UTC calendar day, the same for every replica and time zone.
    if value <= clock.now().date():
        raise InvalidValue("must_be_future", "must be a future date")
    return value


FutureDate = Annotated[date, AfterValidator(must_be_future)]


# Requests -------------------------------------------------------------------------------------------------


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewIncident(Strict):
    type: Literal["incident"]
    device_id: DeviceId
    category: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    subject: Subject
    description: LongText
    error_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None
    guide_run_id: Annotated[str, StringConstraints(min_length=1, max_length=36)] | None = Field(
        None, description="the self-help run that led here: the case keeps the steps tried (F-16)"
    )


class OrderLine(Strict):
    sku: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    quantity: int = Field(ge=1, le=1000)


class ShipToDevice(Strict):
    """Deliver to the device's own address and on-site location."""

    use_device_location: Literal[True]
    instructions: Instructions = ""


class ShipElsewhere(Strict):
    use_device_location: Literal[False]
    instructions: Instructions = ""
    street: Line200
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    city: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    region: Optional100 = ""
    country: CountryCode
    building: Optional100 = ""
    floor: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] = ""
    room: Optional100 = ""
    contact_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    contact_phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] = ""


class NewConsumablesOrder(Strict):
    type: Literal["consumables"]
    device_id: DeviceId
    subject: Subject | None = None
    description: OptionalText = ""
    items: list[OrderLine] = Field(min_length=1, max_length=20)
    shipping: Annotated[ShipToDevice | ShipElsewhere, Field(discriminator="use_device_location")] = (
        ShipToDevice(use_device_location=True)
    )


class DhcpNetwork(Strict):
    ip_mode: Literal["dhcp"]
    hostname: Hostname | None = None


class StaticNetwork(Strict):
    ip_mode: Literal["static"]
    ip_address: IPvAnyAddress
    netmask: IPvAnyAddress
    gateway: IPvAnyAddress
    dns: list[IPvAnyAddress] = Field(default_factory=list, max_length=4)
    hostname: Hostname | None = None


class Relocation(Strict):
    street: Line200
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    city: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    region: Optional100 = ""
    country: CountryCode
    building: Optional100 = ""
    floor: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] = ""
    room: Optional100 = ""
    contact_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    contact_phone: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=3, max_length=50, pattern=r"^[0-9+()./ -]+$")
    ]
    preferred_date: FutureDate
    time_window: Literal["morning", "afternoon", "all_day"]
    network: Annotated[DhcpNetwork | StaticNetwork, Field(discriminator="ip_mode")]


class NewRelocation(Strict):
    type: Literal["relocation"]
    device_id: DeviceId
    subject: Subject | None = None
    description: OptionalText = ""
    relocation: Relocation


class Removal(Strict):
    date: FutureDate
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class NewRemoval(Strict):
    type: Literal["removal"]
    device_id: DeviceId
    subject: Subject | None = None
    description: OptionalText = ""
    removal: Removal


class NewAccountInquiry(Strict):
    type: Literal["account_inquiry"]
    account_id: Annotated[str, StringConstraints(min_length=1, max_length=36)]
    topic: Literal["invoice", "contract", "billing", "other"]
    subject: Subject
    description: LongText


NewCase = Annotated[
    NewIncident | NewConsumablesOrder | NewRelocation | NewRemoval | NewAccountInquiry,
    Field(discriminator="type"),
]
NEW_CASE = TypeAdapter(NewCase)
# Fields holding a discriminated union -> their discriminator. Pydantic puts the chosen variant's tag into an
# error's location; clients know fields, not variants, so the tag is taken out again (see `field_path`).
UNION_FIELDS = {"shipping": "use_device_location", "network": "ip_mode"}


def parse_new_case(
    body: Any,
) -> NewIncident | NewConsumablesOrder | NewRelocation | NewRemoval | NewAccountInquiry:
    """Validate a new case against the schema of its type; a 422 naming each field at fault as the client
    sent it (`items.0.quantity`, `relocation.preferred_date`)."""
    try:
        return NEW_CASE.validate_python(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        raise RequestValidationError([{**e, "loc": ("body", *field_path(e))} for e in errors]) from None


def field_path(error: ErrorDetails) -> list[str | int]:
    loc = list(error["loc"])[
        1:
    ]  # the first element is the case type's tag (or absent: the tag itself is bad)
    path, index = [], 0
    while index < len(loc):
        path.append(loc[index])
        index += 2 if loc[index] in UNION_FIELDS and index + 1 < len(loc) else 1
    if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        path.append(UNION_FIELDS.get(str(path[-1]), "type") if path else "type")
    return path


class NewMessage(Strict):
    body: LongText
    internal: bool = False


class StatusRequest(Strict):
    status: CaseStatus
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


class NewFollower(Strict):
    user_id: Annotated[str, StringConstraints(min_length=1, max_length=36)] | None = Field(
        default=None, description="A colleague an administrator adds; absent: the caller follows the case."
    )


class AssignRequest(Strict):
    assignee_id: Annotated[str, StringConstraints(min_length=1, max_length=36)] | None


# Responses ------------------------------------------------------------------------------------------------


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ServiceLevelOut(Out):
    """Where the case stands against its response target (F-12)."""

    due_at: datetime | None = Field(
        description="When the first response is due; while paused, moved on by the business time waited so far."
    )
    paused: bool = Field(description="The clock stands still: the case waits for the customer.")
    met: bool | None = Field(
        description="Whether the first response came by its due time; null until it came."
    )
    breached: bool = Field(description="The due time passed without a first response.")
    at_risk: bool = Field(description="Less than one business hour is left without a first response.")
    received_outside_business_hours: bool = Field(
        description="The case arrived in closed time: its clock started at the next opening."
    )


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
    tracking_reference: str | None
    service_level: ServiceLevelOut


class StaffCaseListItem(CaseListItem):
    department: str
    assignee_id: str | None
    awaiting_release: bool = Field(
        False,
        description="A consumables order waiting for an agent's release (its account's credit is on hold).",
    )


CasePage = Page[CaseListItem]
StaffCasePage = Page[StaffCaseListItem]


class SelfHelpStepTried(BaseModel):
    step: str
    answer: Literal["solved", "not_solved"]
    text: dict[str, str] = Field(description="the step's instruction in each language of the guide's version")


class SelfHelpTried(BaseModel):
    run_id: str
    guide_id: str
    guide_key: str
    version: int = Field(description="the version of the guide the customer followed")
    title: dict[str, str] = Field(description="in each language of that version")
    steps: list[SelfHelpStepTried]


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
    received_outside_business_hours: bool
    resolved_at: datetime | None
    details: dict[str, Any] | None = Field(description="What was asked, by type; null for incidents.")
    tracking_reference: str | None
    carrier: str | None
    awaiting_release: bool = Field(
        False, description="A consumables order that waits for a review by the vendor before it ships."
    )
    self_help: SelfHelpTried | None = Field(
        None, description="The guide the customer tried before the case, and the steps answered (F-16)."
    )
    needs_technician: bool = Field(
        False, description="The device showed a service-call code: no self-help, a technician is needed."
    )


class DeviceRef(BaseModel):
    id: str
    serial: str
    model: str


# What the vendor's staff see of a case's surroundings (F-40's side panel and queue); never in a customer's answer.


class StaffDeviceRef(DeviceRef):
    response_time_hours: int = Field(description="The contract's response time in business hours (F-12).")


class AccountRef(BaseModel):
    id: str
    number: str
    name: str
    country: str
    credit_status: Literal["good", "watch", "hold"] = Field(
        "good", description="From the vendor's finance system (F-41): on `hold`, consumables orders wait."
    )
    credit_reason: str = ""


class StaffRef(BaseModel):
    """A member of the vendor's staff, by name."""

    id: str
    name: str


class ContactOut(BaseModel):
    """The customer who wrote the case, and how to reach them (empty when accounts has not told yet)."""

    id: str
    name: str
    email: str
    phone: str


class OpenCaseRef(BaseModel):
    id: str
    number: str
    subject: str
    status: CaseStatus
    response_due_at: datetime | None
    breached: bool
    at_risk: bool


class AttachmentOut(BaseModel):
    """A file sent with a message; its bytes at `/cases/{case_id}/attachments/{id}`."""

    id: str
    filename: str
    content_type: str = Field(description="The type found in the file's content (an image, a PDF or text).")
    size: int


class PersonRef(BaseModel):
    id: str
    name: str


class TimelineEntry(BaseModel):
    """`shipment` (logistics) and `visit` (field service) entries carry `status` and their own fields;
    a visit's note from the technician is in `body`."""

    kind: Literal["created", "status_changed", "message", "shipment", "visit"]
    at: datetime
    actor_id: str
    actor_name: str
    actor_side: Literal["customer", "vendor", "system"]
    body: str | None = None
    from_status: str | None = None
    to_status: str | None = None
    reason: str | None = None
    status: str | None = None
    tracking_reference: str | None = None
    carrier: str | None = None
    scheduled_for: datetime | None = None
    technician: str | None = None
    attachments: list[AttachmentOut] = Field(default_factory=list, description="A message's files.")


class StaffTimelineEntry(TimelineEntry):
    # Agents also see internal notes: a wider set of kinds than the customer's view it extends.
    kind: Literal["created", "status_changed", "message", "note", "shipment", "visit"]  # type: ignore[assignment]


class CustomerCaseDetail(CaseOut):
    service_level: ServiceLevelOut
    device: DeviceRef | None
    timeline: list[TimelineEntry]
    allowed_transitions: list[str]
    allowed_actions: list[CaseAction] = Field(
        default_factory=list, description="what the caller may do on it"
    )
    followers: list[PersonRef] = Field(
        default_factory=list, description="Who is emailed about the case (their names as known here)."
    )
    follower_candidates: list[PersonRef] = Field(
        default_factory=list,
        description="An administrator's colleagues who may see the case and do not follow it yet.",
    )


class StaffCaseState(CaseOut):
    """The case as the staff see it after changing it: its state and what may be done next (its conversation is
    on the case, `GET /cases/{id}`)."""

    service_level: ServiceLevelOut
    assignee_id: str | None
    first_response_at: datetime | None
    paused_seconds: int = Field(
        description="The business time, in seconds, the clock stood still while the case waited for the customer."
    )
    follower_ids: list[str]
    allowed_transitions: list[str]
    allowed_actions: list[CaseAction] = Field(
        default_factory=list, description="what the caller may do on it"
    )


class StaffCaseDetail(StaffCaseState):
    """The staff's case page: its state, its conversation and history, and the side panel of its surroundings."""

    timeline: list[StaffTimelineEntry]
    assignee: StaffRef | None
    breached: bool = Field(
        description="Its response is overdue: the due time passed, unanswered, not paused."
    )
    at_risk: bool = Field(description="Less than one business hour is left before its response is due.")
    device: StaffDeviceRef | None
    account: AccountRef | None
    customer: ContactOut | None = Field(description="The customer who wrote the case.")
    other_open_cases: list[OpenCaseRef] = Field(
        description="The account's other open cases, the soonest due first (at most 20)."
    )
    other_open_cases_total: int = Field(description="How many other open cases the account has.")
    assignable: list[StaffRef] = Field(
        description="Whom the caller may assign it to: the case department's members (a supervisor: all staff)."
    )
    survey_answers: list[SurveyAnswerOut] = Field(
        default_factory=list,
        description="The followers' verdicts on the resolved case (F-15), the oldest first.",
    )
    followers: list[PersonRef] = Field(
        default_factory=list,
        description="The customer users emailed about the case, by name; only the customers change who they are.",
    )


class MessageOut(Out):
    id: str
    case_id: str
    author_id: str
    author_side: Side
    body: str
    created_at: datetime
    attachments: list[AttachmentOut] = Field(default_factory=list)


class StaffMessageOut(MessageOut):
    internal: bool = Field(description="An internal note, never shown to any customer role.")


class CatalogueItemOut(Out):
    sku: str
    kind: str
    name: str
    max_quantity_per_order: int


class CatalogueOut(BaseModel):
    device_id: str
    model: str
    items: list[CatalogueItemOut]
