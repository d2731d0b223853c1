"""Request and response bodies of the readings API (the gateway relies on these field names)."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from shared.events.meters import ReadingSource
from shared.paging import Page

# What the vendor's staff may record besides the customers' and the fleet's readings. Validation is given the
# members' values, so that a refusal names them as the API spells them rather than as enum members; type
# checking, which takes no expression in a Literal, the members themselves (each equal to its value).
if TYPE_CHECKING:
    STAFF_SOURCES = Literal[ReadingSource.AGENT, ReadingSource.ESTIMATE]
else:
    STAFF_SOURCES = Literal[ReadingSource.AGENT.value, ReadingSource.ESTIMATE.value]


class NewReading(BaseModel):
    # Values are checked by the rules (not coerced here), so "12" or 12.5 is refused naming counters.<name>.
    counters: dict[str, Any] = Field(
        max_length=20, description='one value per counter, e.g. {"black": 123456}'
    )
    confirm: StrictBool = Field(False, description="true to confirm an unusually high reading (F-22)")
    source: STAFF_SOURCES | None = Field(None, description="staff only; default agent")


class ReadingItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    local_date: date
    read_at: datetime
    counters: dict[str, int]
    source: ReadingSource
    submitted_by: str | None
    submitted_by_name: str | None = None
    confirmed_implausible: bool


class ReadingHistory(Page[ReadingItem]):
    device_id: str
    counters: list[str]
    latest: ReadingItem | None


class NewCorrection(BaseModel):
    kind: Literal["counter_reset", "device_replacement"]
    counters: list[Annotated[str, StringConstraints(max_length=50)]] = Field(
        default_factory=list, max_length=10, description="the reset counters; a replacement restarts all"
    )
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]


class CorrectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    device_id: str
    kind: str
    counters: list[str]
    reason: str
    recorded_by: str
    recorded_at: datetime


class RejectedReadingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    device_id: str
    account_id: str
    serial: str
    read_at: datetime
    counters: dict[str, int]
    reason_code: str
    reason: str
    created_at: datetime
    reviewed_at: datetime | None
    reviewed_by: str | None
    resolution: str | None
    reading_id: str | None


RejectedReadingPage = Page[RejectedReadingOut]


class Review(BaseModel):
    resolution: Literal["dismissed", "accepted_as_agent"]
