"""Every service verifies tokens itself: tampered, expired, unsigned and logged-out tokens are refused."""

import base64
import json

import httpx
import pytest

from shared.auth import sign_access_token
from shared.testing import eventually_blocking

pytestmark = pytest.mark.e2e
PROTECTED = {
    "accounts": "/api/accounts/v1/me",
    "cases": "/api/cases/v1/cases",
    "meters": "/api/meters/v1/devices/00000000-0000-0000-0000-000000000000/readings",
    "notifications": "/api/notifications/v1/deliveries",
}


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def bad_tokens(system, good: str) -> dict[str, str]:
    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    elevated = _b64({**claims, "staff_role": "supervisor"})
    private = (system.config.keys_dir / "jwt-private.pem").read_bytes()
    expired = sign_access_token(
        private,
        user_id=claims["sub"],
        session_id=claims["sid"],
        issuer=claims["iss"],
        audience=claims["aud"],
        lifetime_seconds=-30,
    )
    return {
        "tampered": f"{header}.{elevated}.{signature}",
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{elevated}.",
        "expired": expired,
        "wrong audience": sign_access_token(
            private,
            user_id=claims["sub"],
            session_id=claims["sid"],
            issuer=claims["iss"],
            audience="someone-else",
            lifetime_seconds=60,
        ),
    }


@pytest.mark.parametrize("service", sorted(PROTECTED))
def test_every_service_refuses_bad_tokens(system, service):
    good = system.login("admin@iberica.example")
    for name, token in bad_tokens(system, good).items():
        direct = httpx.get(
            system.config.url(service) + PROTECTED[service], headers={"Authorization": f"Bearer {token}"}
        )
        assert direct.status_code == 401, (service, name, direct.text)
        with system.client(token) as api:
            assert api.get(PROTECTED[service]).status_code == 401, (service, name)


def test_logout_ends_the_session_in_every_service(system):
    token = system.login("devices@iberica.example")
    with system.client(token) as api:
        assert api.get("/api/cases/v1/cases").status_code == 200
        assert api.post("/api/accounts/v1/auth/logout").status_code == 204
        eventually_blocking(
            lambda: {s: api.get(PROTECTED[s]).status_code for s in ("accounts", "cases", "meters")},
            15,
            accept=lambda statuses: set(statuses.values()) == {401},
            what="every service to refuse the ended session",
        )
