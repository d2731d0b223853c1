"""The services learn the address the gateway saw, never one a client wrote into X-Forwarded-For.

Both ends are served as `python -m <service>` serves them (uvicorn's proxy-headers handling from
shared.serve.server_options), with the services trusting any proxy as the shipped deployments do."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gateway.main import create_app
from services.gateway.tests.gateway_fakes import gateway_settings, log_in
from shared.config import ServiceSettings
from shared.serve import server_options

CLIENT, GATEWAY_ADDRESS, INGRESS = "198.51.100.7", "127.0.0.1", "10.0.0.5"


def as_served(app, settings: ServiceSettings):
    options = server_options(settings)
    if options["proxy_headers"]:
        return ProxyHeadersMiddleware(app, options["forwarded_allow_ips"])
    return app


def recording_service(seen: list[str]) -> FastAPI:
    """Every service at once: notes the client address it believes and refuses every login."""
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def anything(request: Request, path: str) -> JSONResponse:
        seen.append(request.client.host)
        if path.endswith("auth/login"):
            return JSONResponse({"title": "Unauthorized", "status": 401}, status_code=401)
        return JSONResponse({"status": "ready"})

    return app


class ToServices(httpx.AsyncBaseTransport):
    def __init__(self, seen: list[str]) -> None:
        served = as_served(recording_service(seen), ServiceSettings(forwarded_allow_ips="*"))
        self.transport = httpx.ASGITransport(app=served, client=(GATEWAY_ADDRESS, 40_000))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.transport.handle_async_request(request)


@pytest.fixture
def seen() -> list[str]:
    return []


async def gateway_from(address: str, seen: list[str], **overrides) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway as served, with a client connecting from `address`."""
    settings = gateway_settings(**overrides)
    app = create_app(settings, transport=ToServices(seen))
    transport = httpx.ASGITransport(app=as_served(app, settings), client=(address, 50_000))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="https://testserver") as client,
    ):
        yield client


@pytest.fixture
async def gateway(seen) -> AsyncIterator[httpx.AsyncClient]:
    async for client in gateway_from(CLIENT, seen):
        yield client


def forged(attempt: int) -> dict[str, str]:
    return {"X-Forwarded-For": f"203.0.113.{attempt}"}


async def test_thirty_api_logins_with_forged_addresses_all_reach_accounts_from_the_client(gateway, seen):
    for attempt in range(30):
        response = await gateway.post(
            "/api/accounts/v1/auth/login",
            json={"email": "ana@example.com", "password": "wrong"},
            headers=forged(attempt),
        )
        assert response.status_code == 401
    assert seen == [CLIENT] * 30


async def test_thirty_page_logins_with_forged_addresses_all_reach_accounts_from_the_client(gateway, seen):
    for attempt in range(30):
        response = await log_in(gateway, password="wrong", headers=forged(attempt))
        assert response.status_code == 401  # the login form again, with the refusal
    assert set(seen) == {CLIENT} and len(seen) >= 30


async def test_the_gateway_believes_x_forwarded_for_only_from_a_configured_ingress(seen):
    # The ingress appends the address it saw to whatever the client sent.
    chain = {"X-Forwarded-For": f"203.0.113.1, {CLIENT}"}
    async for behind_ingress in gateway_from(INGRESS, seen, forwarded_allow_ips=INGRESS):
        await behind_ingress.post("/api/accounts/v1/auth/login", json={}, headers=chain)
    async for not_an_ingress in gateway_from("192.0.2.44", seen, forwarded_allow_ips=INGRESS):
        await not_an_ingress.post("/api/accounts/v1/auth/login", json={}, headers=chain)
    assert seen == [CLIENT, "192.0.2.44"]


def test_the_gateway_trusts_no_forwarding_proxy_by_default_and_the_services_only_loopback(monkeypatch):
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    assert server_options(gateway_settings())["proxy_headers"] is False
    service = server_options(ServiceSettings())
    assert service["proxy_headers"] is True and service["forwarded_allow_ips"] == "127.0.0.1"
