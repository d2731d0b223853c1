"""Every operation of every service declares the schema of its success answer (a response model or a typed
return), so integrators and the gateway's fakes can rely on the contract."""

import importlib
from functools import cache

import pytest

SERVICES = ["accounts", "cases", "meters", "notifications", "gateway"]


@cache
def openapi_of(service: str) -> dict:
    return importlib.import_module(f"{service}.main").create_app().openapi()


def is_declared(schema: dict) -> bool:
    """A schema that says what the answer holds: not `{}` and not an object of anything."""
    if "$ref" in schema:
        return True
    if variants := schema.get("anyOf") or schema.get("oneOf"):
        return all(is_declared(variant) for variant in variants)
    if schema.get("type") == "array":
        return is_declared(schema.get("items") or {})
    if schema.get("type") == "object":
        return bool(schema.get("properties"))
    return "type" in schema


def undeclared_operations(spec: dict) -> list[str]:
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if not status.startswith("2") or status == "204":
                    continue
                content = response.get("content") or {}
                json_schema = (content.get("application/json") or {}).get("schema")
                if not content or (json_schema is not None and not is_declared(json_schema)):
                    missing.append(f"{method.upper()} {path} {status}")
    return missing


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_declares_its_success_schema(service):
    assert undeclared_operations(openapi_of(service)) == []


def test_an_operation_answering_a_bare_dict_is_found():
    spec = {
        "paths": {
            "/devices": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {}}}}}}},
            "/me": {
                "get": {
                    "responses": {"200": {"content": {"application/json": {"schema": {"type": "object"}}}}}
                }
            },
            "/ok": {
                "post": {
                    "responses": {
                        "204": {},
                        "201": {"content": {"application/json": {"schema": {"$ref": "#/x"}}}},
                    }
                }
            },
        }
    }
    assert undeclared_operations(spec) == ["GET /devices 200", "GET /me 200"]
