"""The contract of the portal's events (F-51), served by the running portal: `/docs/asyncapi.json` (AsyncAPI 3,
the same document as the repository's docs/asyncapi.json) and `/docs/asyncapi`, a readable page of it: each event
type with its exchange, its publisher, the services that receive it, and its data's fields. Public, like any
published contract: it holds no data, only the shapes of the events the vendor's systems exchange with the portal."""

from functools import cache
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, JSONResponse, Response

from gateway.web.visit import AnonymousVisit
from shared.asyncapi import RECEIVERS, build
from shared.events import REGISTRY, VENDOR_EXCHANGE

router = APIRouter(prefix="/docs", include_in_schema=False)


@cache
def document() -> dict[str, Any]:
    return build()


@router.get("/asyncapi.json")
async def asyncapi_json() -> Response:
    return JSONResponse(document(), headers={"Cache-Control": "public, max-age=300"})


def fields_of(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required") or ())
    fields = []
    for name, field in (schema.get("properties") or {}).items():
        kinds = [field, *(field.get("anyOf") or [])]
        types = sorted({k.get("type") or k.get("$ref", "").rsplit(".", 1)[-1] for k in kinds if k} - {""})
        values = next((k["enum"] for k in kinds if "enum" in k), None)
        fields.append(
            {
                "name": name,
                "type": " | ".join(t for t in types if t != "null") or "object",
                "required": name in required,
                "choices": values,
                "description": field.get("description", ""),
            }
        )
    return fields


@cache
def events() -> list[dict[str, Any]]:
    doc = document()
    receivers: dict[str, list[str]] = {}
    for service, event_types in RECEIVERS.items():
        for event_type in event_types:
            receivers.setdefault(event_type, []).append(service)
    return [
        {
            "type": event_type,
            "exchange": model.exchange,
            "vendor": model.exchange == VENDOR_EXCHANGE,
            "publisher": doc["operations"][event_type.replace(".", "_")]["summary"],
            "receivers": sorted(receivers.get(event_type, [])),
            "summary": " ".join((model.__doc__ or "").split()),
            "fields": fields_of(doc["components"]["schemas"][event_type.replace(".", "_")]),
        }
        for event_type, model in sorted(REGISTRY.items())
    ]


@router.get("/asyncapi", response_class=HTMLResponse)
async def asyncapi_page(visit: AnonymousVisit) -> Response:
    return visit.render("asyncapi.html", events=events(), queues=sorted(RECEIVERS))
