"""RequestContextMiddleware: the correlation id in and out, the size limit on bodies, a latency sample and one log
line per request."""

import json
import logging
import re

import httpx
import pytest
from fastapi import FastAPI, Request
from prometheus_client import REGISTRY

from shared.errors import install_problem_handlers
from shared.logging import JsonFormatter, correlation_id
from shared.middleware import MAX_BODY_BYTES, RequestContextMiddleware


@pytest.fixture
def app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware)
    app.state.bodies = []

    @app.get("/things/{thing_id}")
    async def thing(thing_id: str) -> dict:
        return {"thing": thing_id, "correlation_id": correlation_id.get()}

    @app.post("/things")
    async def create(request: Request) -> dict:
        app.state.bodies.append(await request.body())
        return {"ok": True}

    @app.get("/health/live")
    async def live() -> dict:
        return {"status": "live"}

    return app


@pytest.fixture
async def client(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


def timed(method: str, route: str, status: int) -> float:
    """How many requests the latency histogram has counted under these labels."""
    return (
        REGISTRY.get_sample_value(
            "http_request_duration_seconds_count", {"method": method, "route": route, "status": str(status)}
        )
        or 0.0
    )


class Lines(logging.Handler):
    """The log lines as the services write them (formatted when emitted, with the correlation id of the moment)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter("test"))
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "shared.middleware":
            self.lines.append(json.loads(self.format(record)))


async def test_the_given_correlation_id_is_the_requests_and_comes_back(client):
    response = await client.get("/things/a", headers={"X-Correlation-ID": "corr-42"})
    assert response.status_code == 200
    assert response.json()["correlation_id"] == "corr-42"
    assert response.headers["x-correlation-id"] == "corr-42"
    assert correlation_id.get() is None  # only for the request


async def test_without_one_a_new_correlation_id_is_made_and_returned(client):
    first, second = await client.get("/things/a"), await client.get("/things/a")
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["x-correlation-id"])
    assert first.json()["correlation_id"] == first.headers["x-correlation-id"]
    assert first.headers["x-correlation-id"] != second.headers["x-correlation-id"]


async def test_a_long_correlation_id_is_cut_for_the_logs(client):
    response = await client.get("/things/a", headers={"X-Correlation-ID": "x" * 100})
    assert response.json()["correlation_id"] == "x" * 64


async def test_a_body_above_the_limit_is_refused_with_a_413_problem_unread(app, client):
    response = await client.post(
        "/things", content=b"x" * (MAX_BODY_BYTES + 1), headers={"X-Correlation-ID": "big-1"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Payload too large"
    assert response.headers["x-correlation-id"] == "big-1"
    assert app.state.bodies == []
    assert (await client.post("/things", content=b"x" * MAX_BODY_BYTES)).status_code == 200


async def test_a_chunked_body_is_refused_once_the_bytes_received_pass_the_limit(app, client):
    """A chunked body announces no length: it is counted as it arrives and not read to its end."""
    chunk, sent = b"x" * 65_536, 0

    async def ten_megabytes():
        nonlocal sent
        for _ in range(160):
            sent += len(chunk)
            yield chunk

    response = await client.post("/things", content=ten_megabytes(), headers={"X-Correlation-ID": "big-3"})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-correlation-id"] == "big-3"
    assert app.state.bodies == []
    assert sent <= MAX_BODY_BYTES + len(chunk)


async def test_each_request_is_timed_under_its_route(client):
    before, refused_before = timed("GET", "/things/{thing_id}", 200), timed("POST", "unmatched", 413)
    await client.get("/things/a")
    await client.get("/things/b")
    await client.post("/things", content=b"x" * (MAX_BODY_BYTES + 1))
    assert timed("GET", "/things/{thing_id}", 200) == before + 2
    assert timed("POST", "unmatched", 413) == refused_before + 1


async def test_one_log_line_per_request_with_its_correlation_id_but_none_for_health(client):
    handler, logger = Lines(), logging.getLogger("shared.middleware")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        await client.get("/things/a?x=1", headers={"X-Correlation-ID": "corr-7"})
        await client.get("/health/live")
        await client.post(
            "/things", content=b"x" * (MAX_BODY_BYTES + 1), headers={"X-Correlation-ID": "big-2"}
        )
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    first, refused = handler.lines
    assert first["message"] == "GET /things/a 200" and first["correlation_id"] == "corr-7"
    assert (first["method"], first["path"], first["status"]) == ("GET", "/things/a", 200)
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert (refused["message"], refused["correlation_id"]) == ("POST /things 413", "big-2")
