"""The services' real operations, taken from their apps: each answer of the fakes in gateway_fakes.py is
checked against the operation it stands in for (it exists, answers with its success status and matches its
response schema), so the fakes cannot drift from what the services really answer."""

import importlib
from collections.abc import Iterator
from functools import cache
from typing import Any

from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError
from starlette.routing import BaseRoute

# The operations every service has from the shared skeleton: the fakes answer them more simply.
SKELETON_PATHS = ("/health/live", "/health/ready", "/metrics")


@cache
def real_operations(service: str) -> tuple[APIRoute, ...]:
    app = importlib.import_module(f"{service}.main").create_app()
    return tuple(api_routes(app.routes))


def api_routes(routes: list[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from api_routes(
                included.routes
            )  # a router included in the app (its routes carry its prefix)


def real_operation(service: str, method: str, path: str) -> APIRoute | None:
    for route in real_operations(service):
        if method in route.methods and route.path_regex.match(path):
            return route
    return None


@cache
def answer_schema(service: str, method: str, path: str) -> TypeAdapter | None:
    """The response model of the real operation at this route path (`path` as declared, with its {names})."""
    route = next(r for r in real_operations(service) if r.path == path and method in r.methods)
    return TypeAdapter(route.response_model) if route.response_model is not None else None


def contract_violation(service: str, method: str, path: str, status: int, body: Any) -> str | None:
    """What is wrong with a fake's answer, or None when the real operation could have given it."""
    if path in SKELETON_PATHS or path.endswith("/openapi.json"):
        return None
    route = real_operation(service, method, path)
    if route is None:
        return f"{service} has no operation {method} {path}"
    if not 200 <= status < 300:
        return None  # refusals are problem details, shaped by shared.errors for every operation
    expected = route.status_code or 200
    if status != expected:
        return f"{method} {path} answers {expected} in {service}, the fake {status}"
    schema = answer_schema(service, method, route.path)
    if schema is None or status == 204:
        return None
    try:
        schema.validate_python(body)
    except ValidationError as invalid:
        errors = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in invalid.errors())
        return f"{method} {path}: the fake's answer does not match {service}'s schema: {errors}"
    return None
