"""Events of `meters` (SPEC F-20 to F-26). Counters map a counter name (`black`, `colour`, `large`) to its value."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from shared.events.envelope import EventData
from shared.events.vocabulary import ReadingSource

__all__ = ["ReadingSource"]


class ReadingAccepted(EventData):
    """`recipient_ids`: the users to tell (the submitter when a customer submitted it)."""

    event_type = "meters.reading.accepted"
    reading_id: str
    device_id: str
    account_id: str
    serial: str
    local_date: date
    read_at: datetime
    counters: dict[str, int]
    source: ReadingSource
    submitted_by: str | None = None
    confirmed_implausible: bool = False
    recipient_ids: list[str] = Field(default_factory=list)


class ReadingRejected(EventData):
    """An automatic reading that broke a rule: kept for an agent to review (F-24)."""

    event_type = "meters.reading.rejected"
    rejection_id: str
    device_id: str
    account_id: str
    serial: str
    read_at: datetime
    counters: dict[str, int]
    source: ReadingSource
    reason: str
    reason_code: str = ""  # the rule it broke: invalid, lower_than_previous, already_read_today, ...


class RequestedDevice(BaseModel):
    """A device a reading request asks about, as its email describes it: the model and the latest accepted
    reading, and who is assigned (the email lists to each reader only the devices they may see)."""

    device_id: str
    serial: str
    model: str = ""
    last_reading_date: date | None = None
    last_counters: dict[str, int] = Field(default_factory=dict)
    assigned_user_ids: list[str] = Field(default_factory=list)


class ReadRequestOpened(EventData):
    """The billing system asked for readings (F-25); `recipient_ids` are the devices' managers, else the
    account's administrators. `link_path` is the page that takes all readings due for the recipient."""

    event_type = "meters.read_request.opened"
    request_id: str
    account_id: str
    device_ids: list[str]
    serials: list[str]
    due_date: date
    recipient_ids: list[str]
    link_path: str
    devices: list[RequestedDevice] = Field(default_factory=list, description="the due devices, described")


class ReadRequestReminded(EventData):
    event_type = "meters.read_request.reminded"
    request_id: str
    account_id: str
    device_ids: list[str]
    serials: list[str]
    due_date: date
    recipient_ids: list[str]
    link_path: str
    devices: list[RequestedDevice] = Field(default_factory=list, description="the due devices, described")


class ReadRequestClosed(EventData):
    event_type = "meters.read_request.closed"
    request_id: str
    account_id: str
    closed_at: datetime
