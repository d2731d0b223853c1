"""F-01: register with account number and serial, verify the email, an approver decides."""

from urllib.parse import parse_qs, urlparse

from sqlalchemy import func, select

from accounts.audit.models import AuditEntry
from accounts.registrations.models import Registration
from services.accounts.tests.accounts_support import all_published, bearer, contact_event, eventually, login

API = "/api/accounts/v1"
APPLICANT = {
    "name": "Nina Nilsson",
    "email": "Nina@Example.com",
    "password": "a long unusual passphrase",
    "language": "sv",
    "account_number": "A-100",
    "serial": "SN-1",
}


def token_from(link_path: str) -> str:
    return parse_qs(urlparse(link_path).query)["token"][0]


async def register_and_verify(client, bus, **changes) -> str:
    response = await client.post(f"{API}/registrations", json={**APPLICANT, **changes})
    assert response.status_code == 202, response.text
    registration_id = response.json()["id"]
    assert response.json()["status"] == "pending_verification"
    requested = await eventually(
        lambda: [
            e for e in bus.of_type("accounts.email_verification.requested") if e.subject == registration_id
        ]
    )
    token = token_from(requested[-1].data["link_path"])
    response = await client.post(f"{API}/registrations/verify", json={"token": token})
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "awaiting_approval"}
    return registration_id


async def test_registration_is_verified_then_approved_by_an_agent_when_no_administrator(
    client, crm_world, add_user, token_for
):
    bus = crm_world
    agent = await add_user("agent@canon.example", staff_role="agent")
    registration_id = await register_and_verify(client, bus)
    # Logging in while the registration waits says so, with the registration's password only.
    waiting = await login(client, "nina@example.com", APPLICANT["password"])
    assert waiting.status_code == 403 and waiting.json()["code"] == "registration_waiting"
    assert (await login(client, "nina@example.com", "a wrong passphrase!")).status_code == 401

    awaiting = await eventually(lambda: bus.of_type("accounts.registration.awaiting_approval"))
    assert awaiting[0].data["approver_user_ids"] == [agent.id]
    assert awaiting[0].data["link_path"] == f"/registrations/{registration_id}"
    assert awaiting[0].data["applicant_email"] == "nina@example.com"

    agent_token = (await login(client, "agent@canon.example")).json()["access_token"]
    pending = (await client.get(f"{API}/registrations", headers=bearer(agent_token))).json()["items"]
    assert [r["id"] for r in pending] == [registration_id]
    device_id = (
        await client.get(
            f"{API}/devices", headers=bearer(agent_token), params={"account_id": pending[0]["account_id"]}
        )
    ).json()["items"][1]["id"]

    response = await client.post(
        f"{API}/registrations/{registration_id}/approve",
        headers=bearer(agent_token),
        json={"role": "device_manager", "device_ids": [device_id]},
    )
    assert response.status_code == 200, response.text
    user_id = response.json()["user_id"]

    user_event = await eventually(
        lambda: [e for e in bus.of_type("accounts.user.upserted") if e.subject == user_id]
    )
    assert user_event[-1].data["memberships"] == [
        {"account_id": pending[0]["account_id"], "role": "device_manager"}
    ]
    device_events = await eventually(
        lambda: [e for e in bus.of_type("accounts.device.upserted") if user_id in e.data["assigned_user_ids"]]
    )
    assert device_events[-1].data["device_id"] == device_id

    # The applicant is told, in their language, and logs in with the password chosen at registration and sees
    # the assigned device only.
    decided = await eventually(lambda: bus.of_type("accounts.registration.decided"))
    assert decided[-1].data["outcome"] == "approved" and decided[-1].data["user_id"] == user_id
    assert decided[-1].data["email"] == "nina@example.com" and decided[-1].data["language"] == "sv"
    assert decided[-1].data["link_path"] == "/login"
    tokens = (await login(client, "nina@example.com", APPLICANT["password"])).json()
    devices = (await client.get(f"{API}/devices", headers=bearer(tokens["access_token"]))).json()["items"]
    assert [d["id"] for d in devices] == [device_id]

    async with client._transport.app.state.db.session() as session:
        entries = (await session.scalars(select(AuditEntry).where(AuditEntry.actor_id == agent.id))).all()
    assert {e.action for e in entries} == {
        "user.created",
        "membership.set",
        "device.assigned",
        "registration.approved",
    }

    again = await client.post(
        f"{API}/registrations/{registration_id}/approve",
        headers=bearer(agent_token),
        json={"role": "device_manager", "device_ids": []},
    )
    assert again.status_code == 409


async def test_administrators_are_the_approvers_once_the_account_has_one(
    client, crm_world, add_user, token_for
):
    bus = crm_world
    await bus.deliver(contact_event("boss@acme.example", role="administrator"))
    boss_event = await eventually(
        lambda: [e for e in bus.of_type("accounts.user.upserted") if e.data["email"] == "boss@acme.example"]
    )
    boss_id, account_id = boss_event[0].data["user_id"], boss_event[0].data["memberships"][0]["account_id"]
    registration_id = await register_and_verify(client, bus)
    awaiting = await eventually(lambda: bus.of_type("accounts.registration.awaiting_approval"))
    assert awaiting[-1].data["approver_user_ids"] == [boss_id]

    manager = token_for(memberships={account_id: "device_manager"})
    assert (await client.get(f"{API}/registrations", headers=bearer(manager))).status_code == 403
    refused = await client.post(f"{API}/registrations/{registration_id}/refuse", headers=bearer(manager))
    assert refused.status_code == 403
    other_admin = token_for(memberships={"another-account": "administrator"})
    assert (
        await client.post(f"{API}/registrations/{registration_id}/refuse", headers=bearer(other_admin))
    ).status_code == 404

    boss = token_for(boss_id, memberships={account_id: "administrator"})
    assert [
        r["id"] for r in (await client.get(f"{API}/registrations", headers=bearer(boss))).json()["items"]
    ] == [registration_id]
    response = await client.post(f"{API}/registrations/{registration_id}/refuse", headers=bearer(boss))
    assert response.status_code == 200 and response.json()["status"] == "refused"
    assert (await login(client, "nina@example.com", APPLICANT["password"])).status_code == 401
    decided = await eventually(lambda: bus.of_type("accounts.registration.decided"))
    assert decided[-1].data["outcome"] == "refused" and decided[-1].data["account_name"]


async def test_logging_in_before_the_email_is_confirmed_says_so(client, crm_world):
    response = await client.post(f"{API}/registrations", json=APPLICANT)
    assert response.status_code == 202, response.text
    unverified = await login(client, "nina@example.com", APPLICANT["password"])
    assert unverified.status_code == 403 and unverified.json()["code"] == "registration_unverified"


async def test_serial_of_another_account_or_unknown_account_is_refused_naming_the_serial(client, crm_world):
    for changes in ({"serial": "SN-9"}, {"account_number": "NOPE"}, {"serial": "UNKNOWN"}):
        response = await client.post(f"{API}/registrations", json={**APPLICANT, **changes})
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == ["serial"]
    assert crm_world.of_type("accounts.email_verification.requested") == []


async def test_verification_link_is_single_use(client, crm_world):
    bus = crm_world
    response = await client.post(f"{API}/registrations", json=APPLICANT)
    link = (await eventually(lambda: bus.of_type("accounts.email_verification.requested")))[0].data[
        "link_path"
    ]
    assert link.startswith("/verify-email?token=")
    assert (
        await client.post(f"{API}/registrations/verify", json={"token": token_from(link)})
    ).status_code == 200
    second = await client.post(f"{API}/registrations/verify", json={"token": token_from(link)})
    assert second.status_code == 422 and second.json()["errors"][0]["field"] == "token"
    assert response.json()["status"] == "pending_verification"


async def test_registration_password_must_follow_the_rules(client, crm_world):
    response = await client.post(f"{API}/registrations", json={**APPLICANT, "password": "password1234"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "password"


async def test_verification_emails_are_throttled_per_address_with_the_same_answer(client, app, crm_world):
    bus = crm_world
    answers = [await client.post(f"{API}/registrations", json=APPLICANT) for _ in range(4)]
    assert {a.status_code for a in answers} == {202}
    assert {a.json()["status"] for a in answers} == {"pending_verification"}
    await all_published(app)
    assert len(bus.of_type("accounts.email_verification.requested")) == 3
    async with app.state.db.session() as session:  # and nothing kept of the refused one
        assert await session.scalar(select(func.count()).select_from(Registration)) == 3
