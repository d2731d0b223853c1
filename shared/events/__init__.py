"""Event contracts: the CloudEvents envelope and one pydantic model per event type.

Importing this package registers every contract in `REGISTRY`."""

from shared.events import accounts, cases, meters, vendor  # noqa: F401  (registers the contracts)
from shared.events.envelope import (
    PORTAL_EXCHANGE,
    REGISTRY,
    VENDOR_EXCHANGE,
    CloudEvent,
    EventData,
    new_event,
)

__all__ = ["PORTAL_EXCHANGE", "REGISTRY", "VENDOR_EXCHANGE", "CloudEvent", "EventData", "new_event"]
