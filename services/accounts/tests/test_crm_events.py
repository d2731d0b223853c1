"""F-50: the CRM's events build accounts, devices and users; duplicates change nothing; bad data is refused."""

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from accounts.audit.models import AuditEntry
from accounts.crm.handlers import AccountNotKnownYet, DevicesNotYetKnown
from accounts.customer_accounts.models import Account
from accounts.devices.models import Device
from accounts.users.models import User
from services.accounts.tests.accounts_support import (
    account_event,
    all_published,
    bearer,
    contact_event,
    crm,
    eventually,
    login,
    product_event,
)
from shared.bus import PermanentError
from shared.events import CloudEvent
from shared.events.vendor import CrmProductRemoved

API = "/api/accounts/v1"


async def count(app, model) -> int:
    async with app.state.db.session() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_account_product_and_contact_build_the_portal_data(app, bus, client):
    await bus.deliver(account_event("A-100", "Acme AB"))
    await bus.deliver(product_event("A-100", "SN-1", "a3_colour"))
    await bus.deliver(contact_event("Dm@Acme.example", role="device_manager", serials=["SN-1"]))

    account = (await eventually(lambda: bus.of_type("accounts.account.upserted")))[0].data
    assert (account["number"], account["name"], account["time_zone"]) == (
        "A-100",
        "Acme AB",
        "Europe/Stockholm",
    )
    user = (await eventually(lambda: bus.of_type("accounts.user.upserted")))[-1].data
    assert user["email"] == "dm@acme.example"
    assert user["memberships"] == [{"account_id": account["account_id"], "role": "device_manager"}]
    devices = await eventually(
        lambda: [e for e in bus.of_type("accounts.device.upserted") if e.data["assigned_user_ids"]]
    )
    assert devices[-1].data["counters"] == ["black", "colour", "large"]
    assert devices[-1].data["assigned_user_ids"] == [user["user_id"]]
    assert devices[-1].data["location"]["room"] == "201"
    # Without demo mode the contact cannot log in until they set a password (invitation or reset).
    assert (await login(client, "dm@acme.example", "anything at all here")).status_code == 401


async def test_duplicate_delivery_and_repeated_state_change_nothing(app, bus, client):
    events = [account_event(), product_event(), contact_event("dm@acme.example", serials=["SN-1"])]
    for event in events:
        await bus.deliver(event)
    published = await all_published(app)
    counts = [await count(app, m) for m in (Account, Device, User, AuditEntry)]
    for event in events:
        await bus.deliver(event)  # the same events again: the inbox drops them
    for event in (account_event(), product_event(), contact_event("dm@acme.example", serials=["SN-1"])):
        await bus.deliver(event)  # new events repeating the same state: nothing to change
    assert await all_published(app) == published
    assert [await count(app, m) for m in (Account, Device, User, AuditEntry)] == counts


async def test_a_product_before_its_account_is_retried_not_lost(app, bus, client):
    early = product_event("C-300", "SN-5")
    with pytest.raises(AccountNotKnownYet):
        await bus.deliver(early)
    assert await count(app, Device) == 0
    await bus.deliver(account_event("C-300"))
    await bus.deliver(early)  # the redelivery: its inbox row was rolled back with the failure
    assert await count(app, Device) == 1


async def test_a_contact_before_its_devices_is_retried_not_lost(app, bus, client):
    await bus.deliver(account_event("C-301"))
    early = contact_event("early@acme.example", number="C-301", serials=["SN-7"])
    with pytest.raises(DevicesNotYetKnown, match="SN-7"):
        await bus.deliver(early)
    assert await count(app, User) == 0  # nothing half done: the user waits with the assignment
    await bus.deliver(product_event("C-301", "SN-7"))
    await bus.deliver(early)
    devices = await eventually(
        lambda: [e for e in bus.of_type("accounts.device.upserted") if e.data["assigned_user_ids"]]
    )
    assert devices[-1].data["serial"] == "SN-7"


async def test_invalid_crm_payloads_are_refused_and_change_nothing(app, bus, client):
    bad = CloudEvent(
        id="e-1",
        source="crm",
        type="crm.product.upserted",
        time="2026-01-01T00:00:00Z",
        data={"account_number": "A-100", "serial": "", "model": "x", "model_class": "inkjet"},
    )
    with pytest.raises(ValidationError):
        await bus.deliver(bad)
    with pytest.raises(PermanentError, match="time_zone"):
        await bus.deliver(account_event("A-100", time_zone="Mars/Olympus_Mons"))
    assert await count(app, Account) == 0 and await count(app, Device) == 0


async def test_the_accounts_subdivision_is_kept_and_published(app, bus, client, token_for):
    await bus.deliver(account_event("E-100", country="ES", time_zone="Europe/Madrid", subdivision="es-md"))
    published = (await eventually(lambda: bus.of_type("accounts.account.upserted")))[-1].data
    assert published["subdivision"] == "ES-MD"
    listed = await client.get(f"{API}/accounts", headers=bearer(token_for(staff_role="agent")))
    assert listed.json()["items"][0]["subdivision"] == "ES-MD"
    await bus.deliver(account_event("E-100", country="ES", time_zone="Europe/Madrid"))  # the CRM dropped it
    assert (await eventually(lambda: bus.of_type("accounts.account.upserted")[1:]))[-1].data[
        "subdivision"
    ] is None
    with pytest.raises(ValidationError, match="not in the country"):
        account_event("E-101", country="ES", subdivision="SE-AB")
    with pytest.raises(ValidationError):
        account_event("E-101", country="ES", subdivision="Madrid")


async def test_removed_product_disappears_and_is_published(app, bus, client, token_for):
    await bus.deliver(account_event())
    await bus.deliver(product_event())
    await bus.deliver(crm(CrmProductRemoved(serial="SN-1")))
    await bus.deliver(crm(CrmProductRemoved(serial="SN-unknown")))
    removed = await eventually(lambda: bus.of_type("accounts.device.removed"))
    assert len(removed) == 1
    items = (await client.get(f"{API}/devices", headers=bearer(token_for(staff_role="agent")))).json()[
        "items"
    ]
    assert items == []
    await bus.deliver(product_event())  # the CRM may bring it back
    items = (await client.get(f"{API}/devices", headers=bearer(token_for(staff_role="agent")))).json()[
        "items"
    ]
    assert [d["serial"] for d in items] == ["SN-1"]
    # Each a version above the one before, so that no copy undoes the removal with an older snapshot.
    upserted = await eventually(lambda: bus.of_type("accounts.device.upserted")[1:])
    versions = [
        e.data["version"] for e in (bus.of_type("accounts.device.upserted")[0], removed[0], upserted[-1])
    ]
    assert versions == [1, 2, 3]


async def test_an_administrator_contact_is_invited_and_accepts(app, bus, client):
    await bus.deliver(account_event())
    await bus.deliver(contact_event("boss@acme.example", role="administrator", name="Bo Boss"))
    await bus.deliver(contact_event("boss@acme.example", role="administrator", name="Bo Boss"))
    invitation = await eventually(lambda: bus.of_type("accounts.invitation.issued"))
    await all_published(app)
    assert len(bus.of_type("accounts.invitation.issued")) == 1  # one open invitation at a time
    data = invitation[0].data
    assert data["role"] == "administrator" and data["account_name"] == "Acme AB"
    assert data["link_path"].startswith("/invitations/")
    token = data["link_path"].removeprefix("/invitations/")

    weak = await client.post(
        f"{API}/invitations/accept", json={"token": token, "name": "Bo", "password": "short"}
    )
    assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "password"
    accepted = await client.post(
        f"{API}/invitations/accept",
        json={"token": token, "name": "Bo Boss", "password": "boss passphrase 2026"},
    )
    assert accepted.status_code == 200, accepted.text
    again = await client.post(
        f"{API}/invitations/accept",
        json={"token": token, "name": "Bo Boss", "password": "boss passphrase 2026"},
    )
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "token"
    assert again.json()["code"] == "invitation_used"
    tokens = (await login(client, "boss@acme.example", "boss passphrase 2026")).json()
    me = (await client.get(f"{API}/me", headers=bearer(tokens["access_token"]))).json()
    assert me["memberships"][0]["role"] == "administrator"


async def test_demo_mode_creates_contacts_ready_to_log_in(settings_for, sqlite_url):
    from accounts.database import Base
    from accounts.main import create_app
    from services.accounts.tests.accounts_support import create_tables
    from shared.testing import app_client

    await create_tables(sqlite_url, Base.metadata)
    app = create_app(settings_for(environment="demo", demo_password="demo passphrase 2026"))
    async with app_client(app) as client:
        await app.state.bus.deliver(account_event())
        await app.state.bus.deliver(contact_event("boss@acme.example", role="administrator"))
        assert (await login(client, "boss@acme.example", "demo passphrase 2026")).status_code == 200
        await all_published(app)
        assert app.state.bus.of_type("accounts.invitation.issued") == []


async def test_a_role_change_or_removal_ends_the_users_sessions(app, bus, client, add_user):
    await bus.deliver(account_event())
    await add_user("dm@acme.example")
    await bus.deliver(contact_event("dm@acme.example", role="device_manager"))
    first = (await login(client, "dm@acme.example")).json()["access_token"]
    assert (await client.get(f"{API}/me", headers=bearer(first))).json()["memberships"][0][
        "role"
    ] == "device_manager"

    await bus.deliver(contact_event("dm@acme.example", role="administrator"))
    assert (
        await client.get(f"{API}/me", headers=bearer(first))
    ).status_code == 401  # the token carried the old role
    second = (await login(client, "dm@acme.example")).json()["access_token"]
    assert app.state.verifier.verify(second).memberships == {
        (await eventually(lambda: bus.of_type("accounts.account.upserted")))[0].data[
            "account_id"
        ]: "administrator"
    }

    await bus.deliver(contact_event("dm@acme.example", role=None))
    assert (await client.get(f"{API}/me", headers=bearer(second))).status_code == 401
    revoked = await eventually(
        lambda: len(bus.of_type("accounts.session.revoked")) == 2 and bus.of_type("accounts.session.revoked")
    )
    assert {e.data["session_id"] for e in revoked} == {
        app.state.verifier.verify(t).session_id for t in (first, second)
    }
    user = (
        await eventually(
            lambda: [e for e in bus.of_type("accounts.user.upserted") if not e.data["memberships"]]
        )
    )[-1].data
    assert user["email"] == "dm@acme.example"


async def test_crm_changes_are_audited_as_the_crm(app, bus, client):
    await bus.deliver(account_event())
    await bus.deliver(product_event())
    await bus.deliver(contact_event("dm@acme.example", serials=["SN-1"]))
    async with app.state.db.session() as session:
        entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.at))).all()
    actions = [e.action for e in entries]
    for action in (
        "account.upserted",
        "device.upserted",
        "user.created",
        "membership.set",
        "device.assigned",
    ):
        assert action in actions
    assert {e.actor_id for e in entries} == {"system:crm"}


async def test_a_new_contact_gets_the_accounts_time_zone(app, bus, client):
    await bus.deliver(account_event("D-400", time_zone="Europe/Madrid"))
    await bus.deliver(contact_event("tz@acme.example", number="D-400", role="administrator"))
    user = (await eventually(lambda: bus.of_type("accounts.user.upserted")))[-1].data
    assert user["time_zone"] == "Europe/Madrid"


async def test_every_published_snapshot_carries_a_higher_version(app, bus, client):
    """The copies in other services keep the snapshot with the highest version (F-80)."""
    await bus.deliver(account_event("A-100", "Acme AB"))
    await bus.deliver(account_event("A-100", "Acme Group AB"))
    await bus.deliver(product_event("A-100", "SN-1"))
    await bus.deliver(contact_event("dm@acme.example", role="device_manager", serials=["SN-1"]))
    await bus.deliver(contact_event("dm@acme.example", role="administrator", serials=["SN-1"]))
    await all_published(app)

    def versions(event_type: str) -> list[int]:
        return [e.data["version"] for e in bus.of_type(event_type)]

    assert versions("accounts.account.upserted") == [1, 2]
    assert [e.data["name"] for e in bus.of_type("accounts.account.upserted")] == ["Acme AB", "Acme Group AB"]
    devices, users = versions("accounts.device.upserted"), versions("accounts.user.upserted")
    assert devices == list(range(1, len(devices) + 1)) and len(devices) >= 2
    assert users == list(range(1, len(users) + 1)) and len(users) >= 2
    assert bus.of_type("accounts.device.upserted")[-1].data["assigned_user_ids"]
    async with app.state.db.session() as session:
        stored = [await session.scalar(select(m.version)) for m in (Account, Device, User)]
    assert stored == [2, devices[-1], users[-1]]
