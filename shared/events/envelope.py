"""CloudEvents 1.0 in structured JSON mode, and the registry of event types."""

import uuid
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared import clock

PORTAL_EXCHANGE = "selfservice.events"  # the portal's own domain events
VENDOR_EXCHANGE = "canon.sync"  # the vendor systems' events (F-50)
CONTENT_TYPE = "application/cloudevents+json"


class EventData(BaseModel):
    """Payload of one event type. Subclasses set `event_type` and `exchange`; a breaking change is a new type."""

    model_config = ConfigDict(extra="ignore")
    event_type: ClassVar[str]
    exchange: ClassVar[str] = PORTAL_EXCHANGE

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "event_type" in cls.__dict__:
            if cls.event_type in REGISTRY:
                raise ValueError(f"event type {cls.event_type} defined twice")
            REGISTRY[cls.event_type] = cls


REGISTRY: dict[str, type[EventData]] = {}


class CloudEvent(BaseModel):
    model_config = ConfigDict(extra="allow")

    specversion: str = Field("1.0", pattern=r"^1\.0$")
    id: str = Field(min_length=1, max_length=100)
    source: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=200)
    time: datetime
    subject: str | None = None
    datacontenttype: str = "application/json"
    data: dict[str, Any]
    correlationid: str | None = None
    traceparent: str | None = None

    def payload(self) -> EventData:
        """The data validated against its contract; raises KeyError for an unknown type."""
        return REGISTRY[self.type].model_validate(self.data)


def new_event(
    data: EventData, *, source: str, subject: str | None = None, correlation_id: str | None = None
) -> CloudEvent:
    return CloudEvent(
        id=str(uuid.uuid4()),
        source=source,
        type=data.event_type,
        time=clock.now(),
        subject=subject,
        data=data.model_dump(mode="json"),
        correlationid=correlation_id,
    )
