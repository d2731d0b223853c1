"""The gateway's production client (aiohttp) over real loopback connections: what it forwards, what it brings back,
and how a service that fails, hangs or hangs up is answered. The other gateway tests answer for the services
in-process through an httpx transport instead."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request, Response

from gateway.main import create_app
from gateway.upstream import AiohttpClient
from services.gateway.tests.gateway_fakes import gateway_settings
from shared.testing import eventually


def echo_service() -> FastAPI:
    app = FastAPI()

    @app.api_route("/api/cases/v1/echo/{rest:path}", methods=["GET", "POST", "DELETE"])
    async def echo(request: Request, rest: str) -> Response:
        body = await request.body()
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"x-upstream", b"cases"),
            (b"vary", b"Accept"),
            (b"vary", b"Accept-Language"),
            (b"set-cookie", b"leak=1"),
            (b"x-correlation-id", b"from-the-service"),
        ]
        response = Response(
            content=json.dumps(
                {
                    "method": request.method,
                    "path": request.url.path,
                    "query": request.url.query,
                    "body": body.decode("latin-1"),
                    "headers": request.headers.items(),
                }
            ),
            status_code=201 if body else 200,
        )
        response.raw_headers.extend(headers)
        return response

    @app.get("/api/cases/v1/slow")
    async def slow() -> dict:
        await asyncio.sleep(1)
        return {}

    @app.get("/health/ready")
    async def ready() -> dict:
        return {"status": "ready"}

    return app


@contextlib.asynccontextmanager
async def serving(app: FastAPI, port: int) -> AsyncIterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off"))
    task = asyncio.create_task(server.serve())

    def started() -> bool:
        assert not task.done(), "the test upstream ended before it started"
        return server.started

    await eventually(started, 10, interval=0.01, what="the test upstream to start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def gateway_to(cases_url: str, **settings) -> AsyncIterator[httpx.AsyncClient]:
    config = gateway_settings(**settings)
    config.cases_url = cases_url
    app = create_app(config)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as client,
    ):
        assert isinstance(app.state.upstreams.client, AiohttpClient)
        yield client


async def test_a_request_and_its_answer_cross_unchanged(unused_tcp_port):
    async with serving(echo_service(), unused_tcp_port) as url, gateway_to(url) as gateway:
        gateway.cookies.set("access_token", "secret-cookie")
        response = await gateway.post(
            "/api/cases/v1/echo/a%20b/c?x=1&x=2&y=%C3%A9&z=a+b",
            content=b"\x00payload",
            headers={
                "Authorization": "Bearer abc",
                "X-Correlation-ID": "corr-1",
                "Content-Type": "application/octet-stream",
                "X-Custom": "kept",
            },
        )
        bare = await gateway.delete("/api/cases/v1/echo/x")
    assert response.status_code == 201
    assert response.headers["x-upstream"] == "cases"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers.get_list("vary") == ["Accept", "Accept-Language"]
    assert "set-cookie" not in response.headers
    assert response.headers["x-correlation-id"] == "corr-1"
    seen = json.loads(response.text)
    assert (seen["method"], seen["path"], seen["body"]) == ("POST", "/api/cases/v1/echo/a b/c", "\x00payload")
    assert seen["query"] == "x=1&x=2&y=%C3%A9&z=a+b"
    headers = dict(seen["headers"])
    assert headers["authorization"] == "Bearer abc" and headers["x-custom"] == "kept"
    assert headers["x-correlation-id"] == "corr-1" and headers["x-forwarded-proto"] == "https"
    assert headers["content-type"] == "application/octet-stream" and headers["content-length"] == "8"
    assert "cookie" not in headers
    assert [name for name, _ in seen["headers"]].count("x-forwarded-for") == 1
    assert bare.status_code == 200
    assert "content-type" not in dict(json.loads(bare.text)["headers"])  # none added to a bare request


async def test_pages_reach_the_services_through_the_same_client(unused_tcp_port):
    async with serving(echo_service(), unused_tcp_port) as url, gateway_to(url) as gateway:
        ready = await gateway.get("/health/ready")
    assert ready.json()["checks"]["cases"] == "ready"


async def test_a_service_that_does_not_answer_in_time_is_a_504_problem(unused_tcp_port):
    async with (
        serving(echo_service(), unused_tcp_port) as url,
        gateway_to(url, upstream_timeout_seconds=0.2) as gateway,
    ):
        response = await gateway.get("/api/cases/v1/slow")
    assert response.status_code == 504
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "upstream_unavailable"


async def test_a_service_that_hangs_up_is_a_502_problem(unused_tcp_port):
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", unused_tcp_port)
    async with server, gateway_to(f"http://127.0.0.1:{unused_tcp_port}") as gateway:
        response = await gateway.get("/api/cases/v1/cases")
    assert response.status_code == 502
    assert response.json()["code"] == "upstream_unavailable"


@pytest.mark.parametrize("timeout", [None, 3.0])
async def test_the_client_maps_a_refused_connection_to_503(unused_tcp_port, timeout):
    from gateway.upstream import UpstreamUnavailable

    client = AiohttpClient(10, 5.0)
    try:
        with pytest.raises(UpstreamUnavailable) as refused:
            await client.request("cases", "GET", f"http://127.0.0.1:{unused_tcp_port}/x", [], None, timeout)
    finally:
        await client.aclose()
    assert refused.value.status == 503 and refused.value.service == "cases"
