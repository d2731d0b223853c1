"""F-04: the caller's profile; changes are validated, audited and published."""

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
