"""Fixtures: the gateway in-process, with fake services behind its HTTP client."""

from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.main import create_app
from services.gateway.tests.gateway_fakes import FakeServices, gateway_settings, log_in


@pytest.fixture
def fakes(token_for) -> FakeServices:
    return FakeServices(mint=token_for)


@pytest.fixture
async def gateway(fakes) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(gateway_settings(), transport=fakes.transport())
    # https, so the Secure cookies are sent back as a browser would.
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as client,
    ):
        yield client
    assert fakes.contract_violations == [], "the fake services answered what the real ones cannot"


@pytest.fixture
async def logged_in(gateway) -> httpx.AsyncClient:
    response = await log_in(gateway)
    assert response.status_code == 303, response.text
    return gateway
