"""The machine-readable contract of both exchanges (AsyncAPI 3), generated from the event models:
`python -m shared.asyncapi > docs/asyncapi.json`. A test keeps the committed file in step with the code."""

import json
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


def build() -> dict[str, Any]:
    channels, operations, messages, schemas = {}, {}, {}, {}
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
            "summary": "Published by the vendor's systems"
            if model.exchange == VENDOR_EXCHANGE
            else "Published by the portal",
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
