"""The machine-readable contract of both exchanges (AsyncAPI 3), generated from the event models:
`python -m shared.asyncapi > docs/asyncapi.json`. A test keeps the committed file in step with the code, and
the running portal serves the same document (the gateway's `/docs/asyncapi.json`, F-51).

Every event type is a channel (its routing key on its exchange) with a `send` operation by its publisher; every
consuming service has a channel for its queue and a `receive` operation per event type it handles. Which types a
service handles is declared here (`RECEIVERS`, since this library imports no service); a test holds each
service's registered handlers to it."""

import json
from collections.abc import Collection, Mapping
from typing import Any

from shared.events import PORTAL_EXCHANGE, REGISTRY, VENDOR_EXCHANGE
from shared.events.envelope import CONTENT_TYPE, CloudEvent


def message_of(event_type: str, name: str, model: Any) -> dict[str, Any]:
    """The message of one event type: the CloudEvent envelope with its `type` and its `data` schema."""
    message = {
        "name": event_type,
        "contentType": CONTENT_TYPE,
        "payload": {
            "allOf": [
                {"$ref": "#/components/schemas/CloudEvent"},
                {
                    "type": "object",
                    "required": ["data"],
                    "properties": {
                        "type": {"const": event_type},
                        "data": {"$ref": f"#/components/schemas/{name}"},
                    },
                },
            ]
        },
    }
    if summary := (model.__doc__ or "").strip():
        message["summary"] = summary
    return message


def channel_of(event_type: str, name: str, model: Any) -> dict[str, Any]:
    """The routing key on its exchange."""
    return {
        "address": event_type,
        "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        "bindings": {
            "amqp": {
                "is": "routingKey",
                "exchange": {
                    "name": model.exchange,
                    "type": "topic",
                    "durable": True,
                    "autoDelete": False,
                    "vhost": "/",
                },
            }
        },
    }


# The event types each service consumes from its queue `<service>.events` (bound on both exchanges).
RECEIVERS: dict[str, tuple[str, ...]] = {
    "accounts": (
        "crm.account.upserted",
        "crm.contact.upserted",
        "crm.product.removed",
        "crm.product.upserted",
        "finance.credit_status.changed",
        "finance.payment.recorded",
    ),
    "cases": (
        "accounts.account.upserted",
        "accounts.credit_status.changed",
        "accounts.device.removed",
        "accounts.device.upserted",
        "accounts.session.revoked",
        "accounts.user.upserted",
        "crm.consumable_catalogue.upserted",
        "fieldservice.visit.updated",
        "fleet.device.offline",
        "fleet.device.online",
        "fleet.meter.collected",
        "fleet.toner.low",
        "logistics.shipment.updated",
    ),
    "meters": (
        "accounts.account.upserted",
        "accounts.device.removed",
        "accounts.device.upserted",
        "accounts.session.revoked",
        "accounts.user.upserted",
        "billing.meter_read.requested",
        "fleet.meter.collected",
    ),
    "notifications": (
        "accounts.email_verification.requested",
        "accounts.invitation.issued",
        "accounts.password_reset.requested",
        "accounts.registration.awaiting_approval",
        "accounts.session.revoked",
        "accounts.user.upserted",
        "cases.case.created",
        "cases.case.sla_breached",
        "cases.case.sla_warning",
        "cases.case.status_changed",
        "cases.device.offline",
        "cases.message.added",
        "cases.order.shipped",
        "cases.visit.updated",
        "meters.read_request.opened",
        "meters.read_request.reminded",
        "meters.reading.accepted",
    ),
}
VENDOR_SYSTEMS = {
    "crm": "the vendor's CRM",
    "finance": "the vendor's finance system",
    "billing": "the vendor's billing system",
    "fleet": "the vendor's fleet monitoring",
    "logistics": "the vendor's logistics system",
    "fieldservice": "the vendor's field service system",
}


def name_of(event_type: str) -> str:
    return event_type.replace(".", "_")


def queue_channel(service: str, event_types: Collection[str]) -> dict[str, Any]:
    """A service's durable quorum queue, with every message it receives there."""
    queue = f"{service}.events"
    return {
        "address": queue,
        "description": f"The queue of `{service}`, bound by routing key on both exchanges to each type it "
        f"handles. Failed messages are retried through `{queue}.retry.<ms>` and then parked in "
        f"`{queue}.parked` with the reason.",
        "messages": {
            name_of(t): {"$ref": f"#/components/messages/{name_of(t)}"} for t in sorted(event_types)
        },
        "bindings": {
            "amqp": {
                "is": "queue",
                "queue": {
                    "name": queue,
                    "durable": True,
                    "exclusive": False,
                    "autoDelete": False,
                    "vhost": "/",
                },
            }
        },
    }


def publisher_of(event_type: str, model: Any) -> str:
    system = event_type.split(".", 1)[0]
    if model.exchange == VENDOR_EXCHANGE:
        publisher = VENDOR_SYSTEMS.get(system, "the vendor's systems")
        return f"Published by {publisher}"
    return f"Published by the portal's `{system}` service"


def build(receivers: Mapping[str, Collection[str]] = RECEIVERS) -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, dict[str, Any]] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    envelope = CloudEvent.model_json_schema()
    envelope["properties"].pop("data")
    schemas["CloudEvent"] = envelope
    for event_type, model in sorted(REGISTRY.items()):
        name = event_type.replace(".", "_")
        schema = model.model_json_schema(ref_template=f"#/components/schemas/{name}.{{model}}")
        for nested_name, nested in schema.pop("$defs", {}).items():
            schemas[f"{name}.{nested_name}"] = nested
        schemas[name] = schema
        messages[name] = message_of(event_type, name, model)
        channels[name] = channel_of(event_type, name, model)
        operations[name] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{name}"},
            "summary": publisher_of(event_type, model),
        }
    for service, event_types in sorted(receivers.items()):
        queue = f"{service}_events_queue"
        channels[queue] = queue_channel(service, event_types)
        for event_type in sorted(event_types):
            name = name_of(event_type)
            operations[f"{service}_receives_{name}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{queue}"},
                "messages": [{"$ref": f"#/channels/{queue}/messages/{name}"}],
                "summary": f"`{service}` consumes {event_type} from its queue `{service}.events`",
                "bindings": {"amqp": {"ack": True}},
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Self-Service Portal events",
            "version": "1.0.0",
            "description": f"CloudEvents 1.0 (structured JSON) on the topic exchanges `{PORTAL_EXCHANGE}` "
            f"(the portal's domain events) and `{VENDOR_EXCHANGE}` (the vendor systems'). "
            "The routing key is the event type.",
        },
        "defaultContentType": CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(render(), end="")
