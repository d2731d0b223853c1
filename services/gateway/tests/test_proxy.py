"""/api/<service>/... reaches the service unchanged, and the answer comes back unchanged."""

import httpx
import pytest

from gateway.main import CONTENT_SECURITY_POLICY, create_app
from services.gateway.tests.gateway_fakes import URLS, gateway_settings
from shared.middleware import MAX_BODY_BYTES


async def test_method_path_query_body_and_headers_are_forwarded(gateway, fakes):
    gateway.cookies.set("access_token", "secret-cookie")
    response = await gateway.post(
        "/api/accounts/v1/echo/a/b?x=1&x=2&y=%C3%A9",
        json={"hello": "wörld"},
        headers={"Authorization": "Bearer abc", "X-Correlation-ID": "corr-9", "X-Custom": "kept"},
    )
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-upstream"] == "accounts"
    assert response.headers["x-correlation-id"] == "corr-9"
    assert response.json() == {"path": "a/b", "query": {"x": "2", "y": "é"}, "body": {"hello": "wörld"}}
    call = fakes.of("accounts", "POST", "/api/accounts/v1/echo/a/b")[0]
    assert call.query == "x=1&x=2&y=%C3%A9"
    assert call.headers["authorization"] == "Bearer abc"
    assert call.headers["x-correlation-id"] == "corr-9"
    assert call.headers["x-custom"] == "kept"
    assert "cookie" not in call.headers  # the browser session stays at the gateway


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE", "PUT"])
async def test_every_method_is_forwarded(gateway, fakes, method):
    await gateway.request(method, "/api/cases/v1/anything")
    assert fakes.of("cases", method, "/api/cases/v1/anything")


async def test_problem_details_pass_through_unchanged(gateway):
    response = await gateway.post("/api/accounts/v1/registrations", json={"serial": "nope"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {
            "field": "serial",
            "code": "serial_mismatch",
            "params": {},
            "message": "No device with this serial number on the account.",
        }
    ]


async def test_jwks_comes_from_accounts(gateway, fakes):
    response = await gateway.get("/.well-known/jwks.json")
    assert response.status_code == 200 and response.json()["keys"][0]["crv"] == "Ed25519"
    assert fakes.of("accounts", "GET", "/.well-known/jwks.json")


async def test_unknown_service_is_a_404_problem(gateway):
    response = await gateway.get("/api/billing/v1/invoices")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "billing" in response.json()["detail"]


async def test_service_down_is_a_503_problem(gateway, fakes):
    fakes.down.add("cases")
    response = await gateway.get("/api/cases/v1/cases")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "upstream_unavailable"


async def test_service_not_listening_is_a_503_problem(unused_tcp_port):
    """A real connection to a port nobody listens on."""
    import httpx

    settings = gateway_settings()
    settings.cases_url = f"http://127.0.0.1:{unused_tcp_port}"
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as client,
    ):
        response = await client.get("/api/cases/v1/cases")
        ready = await client.get("/health/ready")
    assert response.status_code == 503 and response.json()["status"] == 503
    # The gateway still serves (the other services' pages): ready, naming the service that is away.
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "degraded" and ready.json()["checks"]["cases"] == "unreachable"


async def test_health_and_metrics(gateway, fakes):
    assert (await gateway.get("/health/live")).status_code == 200
    ready = await gateway.get("/health/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert ready.json()["checks"] == dict.fromkeys(URLS, "ready")
    fakes.down.add("meters")
    degraded = await gateway.get("/health/ready")
    assert degraded.status_code == 200 and degraded.json()["status"] == "degraded"
    assert degraded.json()["checks"]["meters"] != "ready"
    assert degraded.json()["checks"]["cases"] == "ready"


@pytest.mark.parametrize(
    "path",
    [
        "/metrics",
        "/api/cases/openapi.json",
        "/api/accounts/docs",
        "/api/meters/docs/oauth2-redirect",
        "/api/notifications/redoc",
        "/api/cases/v1/%2e%2e/openapi.json",
        "/api/cases/%2e/docs",
    ],
)
async def test_metrics_and_the_api_contracts_are_not_public(gateway, fakes, path):
    response = await gateway.get(path)
    assert response.status_code == 404
    assert not [call for call in fakes.calls if "docs" in call.path or "openapi" in call.path]


async def test_a_chunked_body_above_the_limit_is_refused_before_it_reaches_a_service(gateway, fakes):
    chunk, sent = b"x" * 65_536, 0

    async def ten_megabytes():
        nonlocal sent
        for _ in range(160):
            sent += len(chunk)
            yield chunk

    response = await gateway.post("/api/cases/v1/anything", content=ten_megabytes())
    assert response.status_code == 413
    assert sent <= MAX_BODY_BYTES + len(chunk)
    assert not fakes.of("cases", "POST", "/api/cases/v1/anything")


async def test_the_client_address_the_gateway_saw_and_its_scheme_are_forwarded_once(gateway, fakes):
    await gateway.get(
        "/api/cases/v1/anything", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "http"}
    )
    call = fakes.of("cases", "GET", "/api/cases/v1/anything")[0]
    assert call.headers["x-forwarded-for"] == "127.0.0.1"  # the client's own claim is not passed on
    assert call.headers["x-forwarded-proto"] == "https"
    assert call.headers["x-correlation-id"]  # one made by the gateway when the client sent none


async def test_api_answers_are_not_sniffed_and_pages_carry_the_content_security_policy(gateway):
    api = await gateway.get("/api/cases/v1/cases")
    assert api.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in api.headers and "x-frame-options" not in api.headers
    page = await gateway.get("/login")
    assert page.headers["content-type"].startswith("text/html")
    for name, value in (
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
        ("content-security-policy", CONTENT_SECURITY_POLICY),
    ):
        assert page.headers.get_list(name) == [value], name


async def test_a_body_above_the_limit_is_refused_before_the_service(gateway, fakes):
    response = await gateway.post(
        "/api/cases/v1/cases",
        content=b"x" * (MAX_BODY_BYTES + 1),
        headers={"Content-Type": "application/json", "X-Correlation-ID": "big-3"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-correlation-id"] == "big-3"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert not fakes.of("cases", "POST")


@pytest.mark.parametrize("path", ["/api/cases/v1/cases/a%00b", "/api/cases/v1/cases?q=a%00b"])
async def test_a_nul_in_an_api_address_is_a_422_that_reaches_no_service(gateway, fakes, path):
    response = await gateway.get(path)
    assert response.status_code == 422 and response.json()["code"] == "invalid_characters"
    assert not fakes.of("cases")


async def test_the_gateway_serves_its_own_metrics_on_the_metrics_port_only(fakes, unused_tcp_port):
    app = create_app(gateway_settings(metrics_port=unused_tcp_port), transport=fakes.transport())
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as public,
        httpx.AsyncClient() as scraper,
    ):
        assert (await public.get("/health/live")).status_code == 200
        assert (await public.get("/metrics")).status_code == 404
        metrics = await scraper.get(f"http://127.0.0.1:{unused_tcp_port}/metrics")
    assert metrics.status_code == 200 and "http_request_duration_seconds" in metrics.text
