"""Failed logins are counted per client even when the client writes its own X-Forwarded-For: the gateway and the
accounts service in-process, each wrapped as `python -m <service>` serves it (shared.serve.server_options), with
accounts trusting any proxy as the shipped deployments do."""

from collections.abc import AsyncIterator

import httpx
import pytest
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from accounts.database import Base
from accounts.main import create_app as create_accounts
from accounts.settings import Settings as AccountsSettings
from conftest import create_all
from gateway.main import create_app as create_gateway
from gateway.settings import Settings as GatewaySettings
from shared.config import ServiceSettings
from shared.serve import server_options

CLIENT, GATEWAY_ADDRESS = "198.51.100.7", "127.0.0.1"


def as_served(app, settings: ServiceSettings):
    options = server_options(settings)
    if options["proxy_headers"]:
        return ProxyHeadersMiddleware(app, options["forwarded_allow_ips"])
    return app


@pytest.fixture
def accounts_settings(sqlite_url, jwt_keys, tmp_path) -> AccountsSettings:
    key_file = tmp_path / "jwt-private.pem"
    key_file.write_bytes(jwt_keys[0])
    return AccountsSettings(
        database_url=sqlite_url,
        amqp_url="memory://",
        environment="test",
        jwt_private_key_file=str(key_file),
        jwt_public_keys=jwt_keys[1],
        forwarded_allow_ips="*",
    )


@pytest.fixture
async def gateway(accounts_settings, monkeypatch) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    await create_all(accounts_settings.database_url, Base.metadata)
    accounts = create_accounts(accounts_settings)
    to_accounts = httpx.ASGITransport(
        app=as_served(accounts, accounts_settings), client=(GATEWAY_ADDRESS, 40_000)
    )
    settings = GatewaySettings(accounts_url="http://accounts.internal", session_secret="test-secret")
    gateway = create_gateway(settings, transport=to_accounts)
    to_gateway = httpx.ASGITransport(app=as_served(gateway, settings), client=(CLIENT, 50_000))
    async with (
        accounts.router.lifespan_context(accounts),
        gateway.router.lifespan_context(gateway),
        httpx.AsyncClient(transport=to_gateway, base_url="https://portal.example") as client,
    ):
        yield client


async def test_thirty_failed_logins_with_thirty_forged_addresses_are_throttled(gateway):
    statuses = []
    for attempt in range(30):
        response = await gateway.post(
            "/api/accounts/v1/auth/login",
            json={"email": f"guess{attempt}@example.com", "password": "not-the-password"},
            headers={"X-Forwarded-For": f"203.0.113.{attempt}"},
        )
        statuses.append(response.status_code)
    assert statuses[0] == 401
    assert statuses[-1] == 429, statuses
