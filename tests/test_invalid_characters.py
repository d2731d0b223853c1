"""A NUL character or a lone surrogate in any text a service receives is a 422 naming the field, never a 500.

Walks each service's OpenAPI: every string path and query parameter, and every string of every JSON request body
(nested objects, list items and free-form maps included), gets the character in turn."""

import importlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import Depends, FastAPI

from conftest import create_all
from shared.characters import reject_invalid_characters
from shared.errors import install_problem_handlers
from shared.testing import app_client

SERVICES = ("accounts", "cases", "meters", "notifications")
BAD_TEXTS = {"nul": "a\x00b", "lone surrogate": "a\ud800b"}
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(params=SERVICES)
def service_settings(request, sqlite_url, jwt_keys, tmp_path) -> tuple[str, Any]:
    name = request.param
    options: dict[str, Any] = {
        "database_url": sqlite_url,
        "amqp_url": "memory://",
        "environment": "test",
        "jwt_public_keys": jwt_keys[1],
    }
    if name == "accounts":
        key_file = tmp_path / "jwt-private.pem"
        key_file.write_bytes(jwt_keys[0])
        options["jwt_private_key_file"] = str(key_file)
    return name, importlib.import_module(f"{name}.settings").Settings(**options)


@pytest.fixture
async def service(service_settings) -> AsyncIterator[tuple[dict, httpx.AsyncClient]]:
    name, settings = service_settings
    await create_all(settings.database_url, importlib.import_module(f"{name}.database").Base.metadata)
    app = importlib.import_module(f"{name}.main").create_app(settings)
    async with app_client(app) as client:
        yield app.openapi(), client


def resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def string_fields(
    spec: dict, schema: dict, path: tuple[str, ...] = (), depth: int = 0
) -> Iterator[tuple[str, ...]]:
    """The path of every place a string may sit in documents of this schema (list items at index 0)."""
    schema = resolve(spec, schema)
    if depth > 6:
        return
    if schema.get("type") == "string":
        yield path
    for alternative in schema.get("anyOf", []) + schema.get("allOf", []) + schema.get("oneOf", []):
        yield from string_fields(spec, alternative, path, depth + 1)
    for key, item in schema.get("properties", {}).items():
        yield from string_fields(spec, item, (*path, key), depth + 1)
    if isinstance(extra := schema.get("additionalProperties"), dict):
        yield from string_fields(spec, extra, (*path, "note"), depth + 1)
    elif schema.get("type") == "object" and not schema.get("properties") and path:
        yield (*path, "note")  # a free-form map, such as a case's details
    if not ({"type", "properties", "anyOf", "allOf", "oneOf", "items", "$ref"} & set(schema)):
        # Any JSON (a body the route validates itself, as a new case by its type): a nested text in it.
        yield (*path, "details", "note")
    if "items" in schema:
        yield from string_fields(spec, schema["items"], (*path, "0"), depth + 1)


def document(path: tuple[str, ...], value: str) -> Any:
    """The smallest JSON document with `value` at `path`."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    return [document(rest, value)] if head == "0" else {head: document(rest, value)}


def probes(spec: dict) -> Iterator[tuple[str, str, dict, str]]:
    """(method, url, request options, the field a 422 must name) for each string the API receives."""
    for template, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            parameters = [p for p in operation.get("parameters", []) if p["in"] in ("path", "query")]
            path_values = {p["name"]: "x1" for p in parameters if p["in"] == "path"}
            for parameter in parameters:
                if not list(string_fields(spec, parameter.get("schema", {}))):
                    continue
                values = {**path_values}
                query = ""
                if parameter["in"] == "path":
                    values[parameter["name"]] = BAD_TEXTS["nul"]
                else:
                    query = f"?{quote(parameter['name'])}={quote(BAD_TEXTS['nul'])}"
                url = template.format(**{k: quote(v, safe="") for k, v in values.items()}) + query
                yield method, url, {}, parameter["name"]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            url = template.format(**path_values)
            for field in dict.fromkeys(string_fields(spec, body["schema"])):
                for text in BAD_TEXTS.values():
                    # ensure_ascii writes a lone surrogate as its escape, as a hostile client would send it
                    content = json.dumps(document(field, text)).encode()
                    options = {"content": content, "headers": {"Content-Type": "application/json"}}
                    yield method, url, options, ".".join(field) or "body"


async def test_every_string_the_api_receives_refuses_nul_and_lone_surrogates(service):
    spec, client = service
    tried, wrong = 0, []
    for method, url, options, field in probes(spec):
        response = await client.request(method.upper(), url, **options)
        tried += 1
        problem = response.json() if response.headers.get("content-type", "").endswith("json") else {}
        errors = problem.get("errors") or [{}]
        if (response.status_code, problem.get("code"), errors[0].get("field")) != (
            422,
            "invalid_characters",
            field,
        ):
            wrong.append(f"{method.upper()} {url} {field}: {response.status_code} {response.text[:120]}")
    assert tried, "the walk found nothing to try"
    assert not wrong, "\n".join(wrong)


async def test_paired_surrogates_and_ordinary_text_pass_and_a_bad_key_is_named():
    app = FastAPI(dependencies=[Depends(reject_invalid_characters)])
    install_problem_handlers(app)

    @app.post("/notes/{note_id}")
    async def note(note_id: str, body: dict) -> dict:
        return {"id": note_id, **body}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        emoji = b'{"text": "caf\\u00e9 \\ud83d\\ude00", "items": [{"a": "\\t ok"}]}'
        accepted = await client.post("/notes/n1", content=emoji, headers={"Content-Type": "application/json"})
        bad_key = b'{"details": {"k\\u0000": "v"}}'
        refused = await client.post(
            "/notes/n1", content=bad_key, headers={"Content-Type": "application/json"}
        )
        nested = await client.post("/notes/n1", content=b'{"items": [{"a": "ok"}, {"b": "x\\u0000"}]}')
    assert accepted.status_code == 200 and accepted.json()["text"] == "café 😀"
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "details"
    assert nested.status_code == 422 and nested.json()["errors"][0]["field"] == "items.1.b"
