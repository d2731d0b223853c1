"""F-04: the caller's profile; changes are validated, audited and published."""

import jwt
import pytest
from sqlalchemy import select

from accounts.audit.models import AuditEntry
from services.accounts.tests.accounts_support import bearer, contact_event, eventually, login

API = "/api/accounts/v1"


@pytest.fixture
async def session_token(client, crm_world, app, add_user):
    await crm_world.deliver(contact_event("me@acme.example", role="stock_manager"))
    # The CRM-created user has no password yet; give one through the reset flow.
    await client.post(f"{API}/auth/password-reset", json={"email": "me@acme.example"})
    link = (await eventually(lambda: crm_world.of_type("accounts.password_reset.requested")))[0].data[
        "link_path"
    ]
    token = link.split("token=")[1]
    assert (
        await client.post(
            f"{API}/auth/password-reset/confirm", json={"token": token, "password": "my own long passphrase"}
        )
    ).status_code == 204
    return (await login(client, "me@acme.example", "my own long passphrase")).json()["access_token"]


async def test_me_shows_memberships_and_default_preferences(client, session_token):
    me = (await client.get(f"{API}/me", headers=bearer(session_token))).json()
    assert me["email"] == "me@acme.example" and me["name"] == "Contact Person"
    assert me["staff_role"] is None and me["time_zone"] == "Europe/Stockholm"  # created in the account's zone
    assert me["memberships"] == [
        {
            "account_id": me["memberships"][0]["account_id"],
            "account_number": "A-100",
            "account_name": "Acme AB",
            "role": "stock_manager",
            "country": "SE",
            "time_zone": "Europe/Stockholm",
        }
    ]
    assert set(me["notification_preferences"]) == {
        "case_created",
        "case_status_changed",
        "case_message",
        "case_resolved",
        "reading_accepted",
        "reading_requested",
        "order_shipped",
        "device_offline",
    }
    assert all(me["notification_preferences"].values())


async def test_patch_me_changes_validates_audits_and_publishes(client, app, bus, session_token):
    headers = bearer(session_token)
    response = await client.patch(
        f"{API}/me",
        headers=headers,
        json={
            "name": "Maja Svensson",
            "phone": "+46 8 123",
            "language": "es",
            "time_zone": "Europe/Madrid",
            "notification_preferences": {"order_shipped": False},
        },
    )
    assert response.status_code == 200, response.text
    me = response.json()
    assert (me["name"], me["language"], me["time_zone"]) == ("Maja Svensson", "es", "Europe/Madrid")
    assert me["notification_preferences"]["order_shipped"] is False
    assert me["notification_preferences"]["case_created"] is True
    published = await eventually(
        lambda: [e for e in bus.of_type("accounts.user.upserted") if e.data["name"] == "Maja Svensson"]
    )
    assert published[-1].data["notification_preferences"]["order_shipped"] is False
    assert published[-1].data["time_zone"] == "Europe/Madrid"
    assert published[-1].data["phone"] == "+46 8 123"  # the agents reach the customer with it (F-40)
    async with app.state.db.session() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "user.profile_changed"))
    assert (
        entry.actor_id == me["id"] and entry.target_id == me["id"] and "time_zone" in entry.details["fields"]
    )
    assert entry.new_values["time_zone"] != entry.old_values["time_zone"]
    assert entry.correlation_id


@pytest.mark.parametrize(
    "change, field",
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone"),
        ({"language": "de"}, "language"),
        ({"name": "   "}, "name"),
        ({"notification_preferences": {"spam": True}}, "notification_preferences.spam.[key]"),
        ({"notification_preferences": {"case_created": "maybe"}}, "notification_preferences.case_created"),
        ({"email": "new@example.com"}, "email"),
    ],
)
async def test_patch_me_refuses_bad_input_naming_the_field(client, session_token, change, field):
    response = await client.patch(f"{API}/me", headers=bearer(session_token), json=change)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    me = (await client.get(f"{API}/me", headers=bearer(session_token))).json()
    assert me["time_zone"] == "Europe/Stockholm" and me["language"] == "en"  # the account's zone, unchanged


async def test_a_password_change_needs_the_current_one_and_ends_the_other_sessions(
    client, app, session_token
):
    other = (await login(client, "me@acme.example", "my own long passphrase")).json()["access_token"]
    url = f"{API}/me/password"
    wrong = await client.post(
        url,
        headers=bearer(session_token),
        json={"current_password": "a guess", "new_password": "fresh long passphrase"},
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["code"] == "wrong_password"
    weak = await client.post(
        url,
        headers=bearer(session_token),
        json={"current_password": "my own long passphrase", "new_password": "short"},
    )
    assert weak.status_code == 422 and weak.json()["errors"][0]["field"].endswith("new_password")
    assert (await client.get(f"{API}/me", headers=bearer(other))).status_code == 200  # nothing changed yet
    changed = await client.post(
        url,
        headers=bearer(session_token),
        json={"current_password": "my own long passphrase", "new_password": "fresh long passphrase"},
    )
    assert changed.status_code == 200 and changed.json() == {"other_sessions_ended": 1}
    assert (
        await client.get(f"{API}/me", headers=bearer(other))
    ).status_code == 401  # the other session ended
    assert (
        await client.get(f"{API}/me", headers=bearer(session_token))
    ).status_code == 200  # this one goes on
    assert (await login(client, "me@acme.example", "my own long passphrase")).status_code == 401
    assert (await login(client, "me@acme.example", "fresh long passphrase")).status_code == 200
    async with app.state.db.session() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "user.password_changed" in actions


async def test_the_token_carries_the_account_country(app, session_token):
    """The pages write dates as the account's country does (F-70), from the token, without asking."""
    assert app.state.verifier.verify(session_token).user_id
    assert jwt.decode(session_token, options={"verify_signature": False})["country"] == "SE"
