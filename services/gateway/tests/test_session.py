"""The browser session: login cookies, refresh, logout, CSRF, and redirects to the login form."""

import pytest

from gateway.web.session import unverified_claims
from services.gateway.tests.gateway_fakes import csrf_of, log_in, submit


def set_cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.get_list("set-cookie")}


async def test_login_sets_http_only_secure_lax_cookies(gateway, fakes):
    response = await log_in(gateway)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookies = set_cookies(response)
    for name in ("access_token", "refresh_token"):
        header = cookies[name].lower()
        assert "httponly" in header and "secure" in header and "samesite=lax" in header and "path=/" in header
    login = fakes.of("accounts", "POST", "/api/accounts/v1/auth/login")[0]
    assert login.body == {"email": "ana@example.com", "password": "correct horse battery staple"}
    assert "tz" in cookies and "Europe/Madrid" in cookies["tz"]


async def test_the_device_cookie_of_a_login_is_carried_to_the_next_login(gateway, fakes):
    cookies = set_cookies(await log_in(gateway))
    assert "httponly" in cookies["device"].lower() and "device-of-ana@example.com" in cookies["device"]
    await log_in(gateway)
    login = fakes.of("accounts", "POST", "/api/accounts/v1/auth/login")[-1]
    assert login.body["device_token"] == "device-of-ana@example.com"


async def test_pages_call_services_with_the_bearer_token(logged_in, fakes):
    response = await logged_in.get("/devices", headers={"X-Correlation-ID": "corr-123"})
    assert response.status_code == 200
    call = fakes.of("accounts", "GET", "/api/accounts/v1/devices")[-1]
    assert call.headers["authorization"].startswith("Bearer ")
    assert unverified_claims(call.headers["authorization"][7:])["sub"] == "user-1"
    assert call.headers["x-correlation-id"] == "corr-123"


async def test_wrong_password_keeps_email_and_says_so(gateway):
    response = await log_in(gateway, password="wrong password!")
    assert response.status_code == 401
    assert 'value="ana@example.com"' in response.text
    assert "The email address or the password is not right." in response.text
    assert "access_token" not in set_cookies(response)


async def test_expired_access_token_is_refreshed(gateway, fakes):
    fakes.token_lifetime = 5  # within the refresh margin: treated as about to expire
    await log_in(gateway)
    refreshes_before = len(fakes.of("accounts", "POST", "/api/accounts/v1/auth/refresh"))
    response = await gateway.get("/devices")
    assert response.status_code == 200
    assert len(fakes.of("accounts", "POST", "/api/accounts/v1/auth/refresh")) == refreshes_before + 1
    assert "access_token" in set_cookies(response) and "refresh_token" in set_cookies(response)
    sent = fakes.of("accounts", "GET", "/api/accounts/v1/devices")[-1].headers["authorization"][7:]
    assert sent == gateway.cookies["access_token"]


async def test_failed_refresh_sends_to_login_with_next(gateway, fakes):
    fakes.token_lifetime = 5
    await log_in(gateway)
    fakes.refresh_tokens.clear()
    response = await gateway.get("/cases?status=new")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fcases%3Fstatus%3Dnew"


async def test_anonymous_page_request_redirects_to_login(gateway):
    response = await gateway.get("/cases/case-1")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fcases%2Fcase-1"


async def test_service_401_redirects_to_login(logged_in, fakes):
    fakes.cases.clear()  # unrelated; the 401 comes from the accounts fake below
    app = logged_in._transport.app
    upstreams = app.state.upstreams
    original = upstreams.send

    async def unauthorized(service, method, path, **kwargs):
        response = await original(service, method, path, **kwargs)
        return response if service != "accounts" else type(response)(401, json={"status": 401})

    upstreams.send = unauthorized
    response = await logged_in.get("/devices")
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=%2Fdevices")


async def test_logout_ends_the_server_session_and_clears_cookies(logged_in, fakes):
    page = await logged_in.get("/")
    response = await logged_in.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert response.status_code == 303 and response.headers["location"] == "/login?notice=logged_out"
    logout = fakes.of("accounts", "POST", "/api/accounts/v1/auth/logout")
    assert len(logout) == 1 and logout[0].headers["authorization"].startswith("Bearer ")
    cookies = set_cookies(response)
    assert 'access_token=""' in cookies["access_token"] and "Max-Age=0" in cookies["access_token"]
    assert "Max-Age=0" in cookies["refresh_token"]
    assert (await logged_in.get("/")).status_code == 303


async def test_form_without_csrf_token_is_refused(logged_in, fakes):
    response = await logged_in.post(
        "/cases/new", data={"device_id": "dev-1", "subject": "x", "category": "other", "description": "y"}
    )
    assert response.status_code == 403
    assert "Access denied" in response.text
    assert not fakes.of("cases", "POST", "/api/cases/v1/cases")


async def test_form_with_a_forged_csrf_token_is_refused(logged_in, fakes):
    response = await logged_in.post("/logout", data={"csrf_token": "forged.0000"})
    assert response.status_code == 403
    assert not fakes.of("accounts", "POST", "/api/accounts/v1/auth/logout")


CASE_FORM = {"device_id": "dev-1", "subject": "x", "category": "other", "description": "y"}


async def test_login_rotates_the_csrf_token_and_the_one_from_before_is_refused(gateway, fakes):
    before = csrf_of((await gateway.get("/login")).text)
    assert gateway.cookies["csrf_token"] == before
    response = await log_in(gateway)
    rotated = set_cookies(response)["csrf_token"].split("=", 1)[1].split(";", 1)[0]
    assert rotated and rotated != before and gateway.cookies["csrf_token"] == rotated
    # A token learnt (or planted) before the login, cookie and field alike, is worthless in the new session.
    gateway.cookies.set("csrf_token", before, domain="testserver", path="/")
    refused = await gateway.post("/cases/new", data={**CASE_FORM, "csrf_token": before})
    assert refused.status_code == 403 and not fakes.of("cases", "POST", "/api/cases/v1/cases")


async def test_a_csrf_token_of_another_session_is_refused(logged_in, fakes, token_for):
    own = csrf_of((await logged_in.get("/cases/new")).text)
    access = logged_in.cookies["access_token"]
    logged_in.cookies.set("access_token", token_for("user-1", session_id="someone-elses-session"))
    other = csrf_of((await logged_in.get("/cases/new")).text)
    assert other != own
    logged_in.cookies.set("access_token", access)
    logged_in.cookies.set("csrf_token", other, domain="testserver", path="/")
    refused = await logged_in.post("/cases/new", data={**CASE_FORM, "csrf_token": other})
    assert refused.status_code == 403 and not fakes.of("cases", "POST", "/api/cases/v1/cases")


async def test_the_csrf_token_outlives_a_refresh_of_the_access_token(logged_in, fakes):
    page = await logged_in.get("/")
    logged_in.cookies.delete("access_token")  # expired: the refresh token gets a new one in the same session
    response = await logged_in.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert response.status_code == 303
    assert fakes.of("accounts", "POST", "/api/accounts/v1/auth/refresh")


async def test_login_form_needs_csrf_too(gateway, fakes):
    response = await gateway.post("/login", data={"email": "ana@example.com", "password": "x"})
    assert response.status_code == 403 and not fakes.of("accounts", "POST")


async def test_next_after_login_stays_on_the_site(gateway):
    response = await submit(
        gateway,
        "/login",
        "/login",
        {
            "email": "ana@example.com",
            "password": "correct horse battery staple",
            "next": "//evil.example/phish",
        },
    )
    assert response.headers["location"] == "/"


async def test_time_zone_is_fetched_once_when_its_cookie_is_missing(logged_in, fakes):
    logged_in.cookies.delete("tz")
    before = len(fakes.of("accounts", "GET", "/api/accounts/v1/me"))
    first = await logged_in.get("/devices")
    assert "tz" in set_cookies(first)
    await logged_in.get("/devices")
    assert len(fakes.of("accounts", "GET", "/api/accounts/v1/me")) == before + 1


def test_production_refuses_the_default_secret():
    from gateway.main import create_app
    from gateway.settings import Settings

    keys = "/keys/public/jwt-public.pem"
    for secret in ("dev-change-me", "short-secret", ""):
        with pytest.raises(ValueError, match="session_secret"):
            Settings(environment="production", session_secret=secret, jwt_public_keys_file=keys)
    with pytest.raises(ValueError, match="jwt_public_keys_file is the development key"):
        Settings(environment="production", session_secret="a-long-random-production-secret")
    create_app(
        Settings(
            environment="production",
            session_secret="a-long-random-production-secret",
            jwt_public_keys_file=keys,
        )
    )
