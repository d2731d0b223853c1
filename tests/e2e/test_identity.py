"""Registration with email verification and approval (F-01) and password reset (F-03), end to end:
every link arrives by email, through the real SMTP server."""

import re
import uuid

import pytest

from deploy.demo.data import DEMO_PASSWORD
from tests.system import first_match, text_of

pytestmark = pytest.mark.e2e
PASSWORD = "a long enough passphrase 42"


def link_in(message, path: str) -> str:
    return first_match(rf"https?://[^\s\"<>]*{re.escape(path)}[^\s\"<>]*", text_of(message))


def test_a_person_registers_verifies_is_approved_and_logs_in(system):
    email = f"new-{uuid.uuid4().hex[:8]}@iberica.example"
    with system.client() as api:
        registered = api.post(
            "/api/accounts/v1/registrations",
            json={
                "name": "Nuevo Usuario",
                "email": email,
                "password": PASSWORD,
                "language": "es",
                "account_number": "ES-100234",
                "serial": "ES1238M0004",
            },
        )
        assert registered.status_code == 202, registered.text
        # Not a user yet; the right password is told that the email still needs confirming (F-01).
        early = api.post("/api/accounts/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert early.status_code == 403 and early.json()["code"] == "registration_unverified"
        wrong = api.post(
            "/api/accounts/v1/auth/login", json={"email": email, "password": "not the one at all"}
        )
        assert wrong.status_code == 401

        [verification] = system.inbox.wait_for(lambda m: email in m["To"])
        token = link_in(verification, "/verify-email?token=").split("token=")[1]
        assert api.post("/api/accounts/v1/registrations/verify", json={"token": token}).status_code == 200
        again = api.post("/api/accounts/v1/registrations/verify", json={"token": token})
        assert again.status_code >= 400  # single use

    [approval] = system.inbox.wait_for(lambda m: "admin@iberica.example" in m["To"] and email in text_of(m))
    registration_id = link_in(approval, "/registrations/").rsplit("/", 1)[1]
    admin = system.login("admin@iberica.example")
    with system.client(admin) as api:
        device = next(
            d for d in api.get("/api/accounts/v1/devices").json()["items"] if d["serial"] == "ES1238M0004"
        )
        approved = api.post(
            f"/api/accounts/v1/registrations/{registration_id}/approve",
            json={"role": "device_manager", "device_ids": [device["id"]]},
        )
        assert approved.status_code == 200, approved.text
    [decided] = system.inbox.wait_for(lambda m: email in m["To"] and "/login" in text_of(m))
    assert "aprobado" in str(decided["Subject"])  # in the applicant's language

    with system.client(system.login(email, PASSWORD)) as api:
        assert [d["serial"] for d in api.get("/api/accounts/v1/devices").json()["items"]] == ["ES1238M0004"]
        assert api.get("/api/accounts/v1/me").json()["language"] == "es"


def test_registration_with_a_serial_of_another_account_is_refused_naming_the_field(system):
    with system.client() as api:
        refused = api.post(
            "/api/accounts/v1/registrations",
            json={
                "name": "Intruso",
                "email": f"x-{uuid.uuid4().hex[:6]}@example.com",
                "password": PASSWORD,
                "language": "en",
                "account_number": "ES-100234",
                "serial": "SE6855A0006",
            },
        )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["serial"]


def test_a_forgotten_password_is_reset_by_the_emailed_link(system):
    email = "stock@iberica.example"
    with system.client() as api:
        assert api.post("/api/accounts/v1/auth/password-reset", json={"email": email}).status_code == 202
        assert (
            api.post(
                "/api/accounts/v1/auth/password-reset", json={"email": "nobody@nowhere.example"}
            ).status_code
            == 202
        )  # no enumeration
        [reset] = system.inbox.wait_for(lambda m: email in m["To"] and "/reset-password?token=" in text_of(m))
        token = link_in(reset, "/reset-password?token=").split("token=")[1]
        weak = api.post(
            "/api/accounts/v1/auth/password-reset/confirm", json={"token": token, "password": "short"}
        )
        assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "password"
        done = api.post(
            "/api/accounts/v1/auth/password-reset/confirm", json={"token": token, "password": PASSWORD}
        )
        assert done.status_code == 204, done.text
        assert system.login(email, PASSWORD)
        # Give the demo user their password back for the other tests, by the same route.
        assert api.post("/api/accounts/v1/auth/password-reset", json={"email": email}).status_code == 202
        [again] = system.inbox.wait_for(
            lambda m: email in m["To"] and "/reset-password?token=" in text_of(m) and m is not reset
        )
        token = link_in(again, "/reset-password?token=").split("token=")[1]
        restored = api.post(
            "/api/accounts/v1/auth/password-reset/confirm", json={"token": token, "password": DEMO_PASSWORD}
        )
        assert restored.status_code == 204, restored.text
