"""F-02, F-31, F-34, F-83: an account's administrators (and staff) manage its users; every change is audited,
ends sessions where roles change, and publishes the state the other services keep."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.devices.models import Device, DeviceAssignment
from accounts.invitations.models import Invitation
from accounts.tokens import secret_hash
from accounts.users.models import Membership, User
from accounts.users.passwords import hash_password
from services.accounts.tests.accounts_support import PASSWORD, all_published, bearer, login
from shared.db import utcnow

API = "/api/accounts/v1"
NEW_PASSWORD = "a brand new passphrase"


_password_hash: list[str] = []


async def password_hash() -> str:
    """Hashed once for the module: argon2 is deliberately slow, and six users per test add up."""
    if not _password_hash:
        _password_hash.append(await hash_password(PASSWORD))
    return _password_hash[0]


@pytest.fixture
async def team(app, crm_world):
    """A-100 (SN-1, SN-2) with one user per role, B-200 (SN-9) with its own administrator.
    The device manager and the stock manager are assigned SN-1."""
    async with app.state.db.session() as session:
        devices = {d.serial: d for d in (await session.scalars(select(Device))).all()}
    acme, beta = devices["SN-1"].account_id, devices["SN-9"].account_id
    users = {}
    async with app.state.db.session() as session, session.begin():
        for name, account, role in (
            ("admin", acme, "administrator"),
            ("dm", acme, "device_manager"),
            ("sm", acme, "stock_manager"),
            ("dsm", acme, "device_stock_manager"),
            ("ku", acme, "knowledge_user"),
            ("beta", beta, "administrator"),
        ):
            user = User(
                email=f"{name}@example.com",
                name=name.title(),
                password_hash=await password_hash(),
                email_verified=True,
                memberships=[Membership(account_id=account, role=role)],
            )
            session.add(user)
            await session.flush()
            users[name] = user.id
        session.add_all(
            [DeviceAssignment(device_id=devices["SN-1"].id, user_id=users[name]) for name in ("dm", "sm")]
        )
    return {"acme": acme, "beta": beta, "users": users, "devices": {s: d.id for s, d in devices.items()}}


def caller(token_for, team, who: str) -> dict:
    """A token for one of the team (or staff), without a server session."""
    if who == "staff":
        return bearer(token_for(staff_role="agent"))
    account = team["beta"] if who == "beta" else team["acme"]
    roles = {
        "admin": "administrator",
        "dm": "device_manager",
        "sm": "stock_manager",
        "dsm": "device_stock_manager",
        "ku": "knowledge_user",
        "beta": "administrator",
    }
    return bearer(token_for(team["users"][who], memberships={account: roles[who]}))


async def session_of(client, who: str) -> dict:
    response = await login(client, f"{who}@example.com")
    assert response.status_code == 200, response.text
    return bearer(response.json()["access_token"])


def request_for(endpoint: str, team: dict) -> tuple[str, str, dict | None]:
    acme, dm, devices = team["acme"], team["users"]["dm"], team["devices"]
    return {
        "list": ("GET", f"/accounts/{acme}/users", None),
        "invite": (
            "POST",
            f"/accounts/{acme}/invitations",
            {"email": "new@example.com", "role": "device_manager", "device_ids": [devices["SN-2"]]},
        ),
        "role": ("PATCH", f"/accounts/{acme}/users/{dm}", {"role": "stock_manager"}),
        "devices": (
            "PUT",
            f"/accounts/{acme}/users/{dm}/devices",
            {"device_ids": [devices["SN-1"], devices["SN-2"]]},
        ),
        "deactivate": ("POST", f"/accounts/{acme}/users/{dm}/deactivate", None),
        "reactivate": ("POST", f"/accounts/{acme}/users/{dm}/reactivate", None),
        "audit": ("GET", f"/accounts/{acme}/audit", None),
    }[endpoint]


REFUSED = [("dm", 403), ("sm", 403), ("dsm", 403), ("ku", 403), ("beta", 404)]


@pytest.mark.parametrize("allowed", ["admin", "staff"])
@pytest.mark.parametrize(
    "endpoint, success",
    [
        ("list", 200),
        ("invite", 201),
        ("role", 200),
        ("devices", 200),
        ("deactivate", 200),
        ("reactivate", 200),
        ("audit", 200),
    ],
)
async def test_only_the_accounts_administrators_and_staff_manage_its_users(
    client, team, token_for, endpoint, success, allowed
):
    method, path, body = request_for(endpoint, team)
    for who, status in REFUSED:
        response = await client.request(method, API + path, json=body, headers=caller(token_for, team, who))
        assert response.status_code == status, (who, response.text)
        assert response.json()["code"] == ("forbidden" if status == 403 else "not_found")
    assert (await client.request(method, API + path, json=body)).status_code == 401
    response = await client.request(method, API + path, json=body, headers=caller(token_for, team, allowed))
    assert response.status_code == success, response.text


async def test_another_accounts_ids_answer_404(client, team, token_for):
    admin, beta_admin = caller(token_for, team, "admin"), team["users"]["beta"]
    acme, beta = team["acme"], team["beta"]
    for method, path, body in (
        ("GET", f"/accounts/{beta}/users", None),
        ("GET", f"/accounts/{beta}/audit", None),
        ("PATCH", f"/accounts/{acme}/users/{beta_admin}", {"role": "knowledge_user"}),
        ("POST", f"/accounts/{acme}/users/{beta_admin}/deactivate", None),
        ("PUT", f"/accounts/{acme}/users/{beta_admin}/devices", {"device_ids": []}),
        ("PATCH", f"/accounts/{acme}/users/missing", {"role": "knowledge_user"}),
        ("GET", "/accounts/missing/users", None),
    ):
        response = await client.request(method, API + path, json=body, headers=admin)
        assert response.status_code == 404, (path, response.text)


async def test_the_user_list_shows_roles_devices_and_open_invitations(client, team, token_for):
    admin = caller(token_for, team, "admin")
    await client.post(
        f"{API}/accounts/{team['acme']}/invitations",
        headers=admin,
        json={"email": "Invitee@Example.com", "name": "Ines Invitee", "role": "knowledge_user"},
    )
    items = (await client.get(f"{API}/accounts/{team['acme']}/users", headers=admin)).json()["items"]
    by_email = {item["email"]: item for item in items}
    assert set(by_email) == {
        "admin@example.com",
        "dm@example.com",
        "sm@example.com",
        "dsm@example.com",
        "ku@example.com",
        "invitee@example.com",
    }
    assert by_email["dm@example.com"] | {"invitation_id": None} == {
        "user_id": team["users"]["dm"],
        "email": "dm@example.com",
        "name": "Dm",
        "role": "device_manager",
        "active": True,
        "device_ids": [team["devices"]["SN-1"]],
        "invited": False,
        "invitation_id": None,
        "invitation_expires_at": None,
        "allowed_actions": ["change_role", "assign_devices", "deactivate"],
    }
    invitee = by_email["invitee@example.com"]
    assert invitee["allowed_actions"] == ["cancel_invitation"]
    assert invitee["invited"] is True and invitee["active"] is False and invitee["role"] == "knowledge_user"
    assert invitee["name"] == "Ines Invitee" and invitee["invitation_id"]


async def test_an_invitation_is_single_use_and_makes_the_user_with_role_and_devices(
    app, client, bus, team, token_for
):
    admin, sn2 = caller(token_for, team, "admin"), team["devices"]["SN-2"]
    response = await client.post(
        f"{API}/accounts/{team['acme']}/invitations",
        headers=admin,
        json={"email": "new@example.com", "role": "device_manager", "device_ids": [sn2]},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    await all_published(app)
    issued = bus.of_type("accounts.invitation.issued")[-1].data
    assert issued["invitation_id"] == created["invitation_id"] and issued["role"] == "device_manager"
    token = issued["link_path"].removeprefix("/invitations/")
    async with app.state.db.session() as session:
        invitation = await session.get(Invitation, created["invitation_id"])
    assert invitation.token_hash == secret_hash(token) and token not in invitation.token_hash  # only the hash
    lifetime = invitation.expires_at - invitation.created_at
    assert lifetime == timedelta(days=7)

    accepted = await client.post(
        f"{API}/invitations/accept", json={"token": token, "name": "Nina New", "password": NEW_PASSWORD}
    )
    assert accepted.status_code == 200, accepted.text
    again = await client.post(
        f"{API}/invitations/accept", json={"token": token, "name": "Nina New", "password": NEW_PASSWORD}
    )
    assert again.status_code == 409 and again.json()["code"] == "invitation_used"
    assert again.json()["errors"][0]["field"] == "token"

    tokens = (await login(client, "new@example.com", NEW_PASSWORD)).json()
    assert app.state.verifier.verify(tokens["access_token"]).memberships == {team["acme"]: "device_manager"}
    await all_published(app)
    user_id = accepted.json()["user_id"]
    upserted = [e.data for e in bus.of_type("accounts.device.upserted") if e.data["device_id"] == sn2]
    assert upserted[-1]["assigned_user_ids"] == [user_id]
    user = [e.data for e in bus.of_type("accounts.user.upserted") if e.data["user_id"] == user_id][-1]
    assert user["memberships"] == [{"account_id": team["acme"], "role": "device_manager"}]
    items = (await client.get(f"{API}/accounts/{team['acme']}/users", headers=admin)).json()["items"]
    mine = next(i for i in items if i["user_id"] == user_id)
    assert mine["invited"] is False and mine["active"] is True and mine["device_ids"] == [sn2]


async def test_an_invitation_expires_after_seven_days_and_can_be_renewed(app, client, bus, team, token_for):
    admin, url = caller(token_for, team, "admin"), f"{API}/accounts/{team['acme']}/invitations"
    created = await client.post(
        url, headers=admin, json={"email": "late@example.com", "role": "knowledge_user"}
    )
    assert created.status_code == 201
    pending = await client.post(
        url, headers=admin, json={"email": "late@example.com", "role": "knowledge_user"}
    )
    assert pending.status_code == 409 and pending.json()["code"] == "already_invited"
    assert pending.json()["errors"][0]["field"] == "email"
    await all_published(app)
    old_token = bus.of_type("accounts.invitation.issued")[-1].data["link_path"].removeprefix("/invitations/")
    async with app.state.db.session() as session, session.begin():
        invitation = await session.get(Invitation, created.json()["invitation_id"])
        invitation.expires_at = utcnow() - timedelta(seconds=1)  # seven days later
    expired = await client.post(
        f"{API}/invitations/accept", json={"token": old_token, "name": "Late", "password": NEW_PASSWORD}
    )
    assert expired.status_code == 410 and expired.json()["code"] == "invitation_expired"
    assert "expired" in expired.json()["errors"][0]["message"]

    renewed = await client.post(
        url, headers=admin, json={"email": "late@example.com", "role": "knowledge_user"}
    )
    assert renewed.status_code == 201 and renewed.json()["invitation_id"] == created.json()["invitation_id"]
    stale = await client.post(
        f"{API}/invitations/accept", json={"token": old_token, "name": "Late", "password": NEW_PASSWORD}
    )
    assert stale.status_code == 422  # the previous link stopped working

    cancelled = await client.delete(f"{url}/{renewed.json()['invitation_id']}", headers=admin)
    assert cancelled.status_code == 204
    await all_published(app)
    new_token = bus.of_type("accounts.invitation.issued")[-1].data["link_path"].removeprefix("/invitations/")
    withdrawn = await client.post(
        f"{API}/invitations/accept", json={"token": new_token, "name": "Late", "password": NEW_PASSWORD}
    )
    assert withdrawn.status_code == 410 and withdrawn.json()["code"] == "invitation_cancelled"


@pytest.mark.parametrize(
    "body, status, field",
    [
        ({"email": "dm@example.com", "role": "device_manager"}, 409, "email"),  # already a member
        ({"email": "x@example.com", "role": "device_manager", "device_ids": ["SN-9"]}, 422, "device_ids"),
        ({"email": "x@example.com", "role": "device_manager", "device_ids": ["nope"]}, 422, "device_ids"),
        ({"email": "x@example.com", "role": "knowledge_user", "device_ids": ["SN-1"]}, 422, "device_ids"),
        ({"email": "not an email", "role": "device_manager"}, 422, "email"),
        ({"email": "x@example.com", "role": "owner"}, 422, "role"),
    ],
)
async def test_invitations_are_refused_naming_the_field(client, team, token_for, body, status, field):
    body = {**body, "device_ids": [team["devices"].get(d, d) for d in body.get("device_ids", [])]}
    response = await client.post(
        f"{API}/accounts/{team['acme']}/invitations", json=body, headers=caller(token_for, team, "admin")
    )
    assert response.status_code == status, response.text
    assert response.json()["errors"][0]["field"] == field
    if field == "email" and status == 409:
        assert "dm@example.com" in response.json()["detail"]


async def test_an_account_keeps_at_least_one_active_administrator(client, team, token_for):
    acme, users = team["acme"], team["users"]
    admin, staff = caller(token_for, team, "admin"), caller(token_for, team, "staff")
    demote_self = await client.patch(
        f"{API}/accounts/{acme}/users/{users['admin']}", headers=admin, json={"role": "device_manager"}
    )
    assert demote_self.status_code == 409 and demote_self.json()["code"] == "last_administrator"
    by_staff = await client.post(f"{API}/accounts/{acme}/users/{users['admin']}/deactivate", headers=staff)
    assert by_staff.status_code == 409 and by_staff.json()["code"] == "last_administrator"
    myself = await client.post(f"{API}/accounts/{acme}/users/{users['admin']}/deactivate", headers=admin)
    assert myself.status_code == 409 and myself.json()["code"] == "cannot_deactivate_self"

    appointed = await client.patch(
        f"{API}/accounts/{acme}/users/{users['ku']}", headers=admin, json={"role": "administrator"}
    )
    assert appointed.status_code == 200 and appointed.json()["role"] == "administrator"
    stepped_down = await client.patch(
        f"{API}/accounts/{acme}/users/{users['admin']}", headers=admin, json={"role": "device_manager"}
    )
    assert stepped_down.status_code == 200, stepped_down.text


async def test_a_role_change_ends_the_users_sessions_and_a_knowledge_user_loses_devices(
    app, client, bus, team, token_for
):
    dm_session = await session_of(client, "dm")
    assert (await client.get(f"{API}/me", headers=dm_session)).status_code == 200
    response = await client.patch(
        f"{API}/accounts/{team['acme']}/users/{team['users']['dm']}",
        headers=caller(token_for, team, "admin"),
        json={"role": "knowledge_user"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "knowledge_user" and response.json()["device_ids"] == []
    assert (
        await client.get(f"{API}/me", headers=dm_session)
    ).status_code == 401  # the token carried the old role
    again = (await login(client, "dm@example.com")).json()["access_token"]
    assert app.state.verifier.verify(again).memberships == {team["acme"]: "knowledge_user"}
    await all_published(app)
    assert [e.data["user_id"] for e in bus.of_type("accounts.session.revoked")] == [team["users"]["dm"]]
    sn1 = [
        e.data
        for e in bus.of_type("accounts.device.upserted")
        if e.data["device_id"] == team["devices"]["SN-1"]
    ]
    assert sn1[-1]["assigned_user_ids"] == [team["users"]["sm"]]  # the full remaining set


async def test_deactivation_revokes_every_session_at_once(app, client, bus, team, token_for):
    dm = team["users"]["dm"]
    first, second = await session_of(client, "dm"), await session_of(client, "dm")
    response = await client.post(
        f"{API}/accounts/{team['acme']}/users/{dm}/deactivate", headers=caller(token_for, team, "admin")
    )
    assert response.status_code == 200, response.text
    assert response.json()["active"] is False and response.json()["device_ids"] == []
    for headers in (first, second):
        assert (await client.get(f"{API}/devices", headers=headers)).status_code == 401
    assert (await login(client, "dm@example.com")).status_code == 401
    table = app.state.tables.revoked_sessions
    async with app.state.db.session() as session:
        revoked = (await session.scalars(select(table.c.session_id).where(table.c.user_id == dm))).all()
        user = await session.get(User, dm)
    assert len(revoked) == 2 and user.active is False
    await all_published(app)
    assert {e.data["session_id"] for e in bus.of_type("accounts.session.revoked")} == set(revoked)
    upserted = [e.data for e in bus.of_type("accounts.user.upserted") if e.data["user_id"] == dm][-1]
    assert upserted["active"] is False and upserted["memberships"] == []
    sn1 = [
        e.data
        for e in bus.of_type("accounts.device.upserted")
        if e.data["device_id"] == team["devices"]["SN-1"]
    ]
    assert dm not in sn1[-1]["assigned_user_ids"]

    listed = (
        await client.get(f"{API}/accounts/{team['acme']}/users", headers=caller(token_for, team, "admin"))
    ).json()["items"]
    assert next(i for i in listed if i["user_id"] == dm)["active"] is False
    reactivated = await client.post(
        f"{API}/accounts/{team['acme']}/users/{dm}/reactivate", headers=caller(token_for, team, "admin")
    )
    assert reactivated.status_code == 200 and reactivated.json()["active"] is True
    assert (await login(client, "dm@example.com", PASSWORD)).status_code == 200


async def test_assignments_are_set_as_a_whole_and_published_with_the_full_set(
    app, client, bus, team, token_for
):
    acme, dm, devices = team["acme"], team["users"]["dm"], team["devices"]
    admin, url = caller(token_for, team, "admin"), f"{API}/accounts/{acme}/users/{dm}/devices"
    response = await client.put(url, headers=admin, json={"device_ids": [devices["SN-2"]]})
    assert response.status_code == 200 and response.json() == {"user_id": dm, "device_ids": [devices["SN-2"]]}
    await all_published(app)
    latest = {
        e.data["device_id"]: e.data["assigned_user_ids"] for e in bus.of_type("accounts.device.upserted")
    }
    assert latest[devices["SN-1"]] == [team["users"]["sm"]] and latest[devices["SN-2"]] == [dm]
    count = len(bus.of_type("accounts.device.upserted"))
    assert (await client.put(url, headers=admin, json={"device_ids": [devices["SN-2"]]})).status_code == 200
    await all_published(app)
    assert len(bus.of_type("accounts.device.upserted")) == count  # nothing changed, nothing published

    for device_ids in ([devices["SN-9"]], ["missing"]):
        refused = await client.put(url, headers=admin, json={"device_ids": device_ids})
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "device_ids"
    knowledge_user = await client.put(
        f"{API}/accounts/{acme}/users/{team['users']['ku']}/devices",
        headers=admin,
        json={"device_ids": [devices["SN-1"]]},
    )
    assert knowledge_user.status_code == 422 and knowledge_user.json()["errors"][0]["field"] == "device_ids"


@pytest.mark.parametrize(
    "who, serial, status",
    [
        ("admin", "SN-2", 200),
        ("staff", "SN-9", 200),
        ("dm", "SN-1", 200),
        ("dm", "SN-2", 404),  # not assigned
        ("sm", "SN-1", 403),  # assigned, but stock managers do not move devices
        ("ku", "SN-1", 404),
        ("beta", "SN-1", 404),
    ],
)
async def test_who_may_update_a_devices_location(client, team, token_for, who, serial, status):
    response = await client.patch(
        f"{API}/devices/{team['devices'][serial]}/location",
        headers=caller(token_for, team, who),
        json={"room": "305", "floor": "3"},
    )
    assert response.status_code == status, response.text
    if status == 200:
        assert response.json()["location"]["room"] == "305" and response.json()["location"]["building"] == "B"


async def test_a_location_change_is_published_for_the_vendor_and_audited(app, client, bus, team, token_for):
    sn1, dm = team["devices"]["SN-1"], team["users"]["dm"]
    headers = caller(token_for, team, "dm")
    response = await client.patch(
        f"{API}/devices/{sn1}/location",
        headers=headers,
        json={"building": " C ", "contact_name": "Olle", "street": "Nygatan 5"},
    )
    assert response.status_code == 200, response.text
    await all_published(app)
    [changed] = bus.of_type("accounts.product.location_changed")
    assert (
        changed.data["device_id"] == sn1
        and changed.data["serial"] == "SN-1"
        and changed.data["changed_by"] == dm
    )
    assert changed.data["location"]["building"] == "C" and changed.data["location"]["street"] == "Nygatan 5"
    assert changed.data["location"]["room"] == "201" and changed.data["account_id"] == team["acme"]
    assert changed.data["changed_fields"] == ["building", "contact_name", "street"]
    assert bus.of_type("accounts.device.upserted")[-1].data["location"]["contact_name"] == "Olle"
    trail = (
        await client.get(f"{API}/accounts/{team['acme']}/audit", headers=caller(token_for, team, "admin"))
    ).json()["items"]
    assert trail[0]["action"] == "device.location_changed" and trail[0]["actor_id"] == dm
    assert trail[0]["old_values"]["building"] == "B"
    assert trail[0]["new_values"]["building"] != "B" and "building" in trail[0]["details"]["fields"]
    for bad in ({"country": "NO"}, {"room": "x" * 101}, {"floor": 3}):
        refused = await client.patch(f"{API}/devices/{sn1}/location", headers=headers, json=bad)
        assert refused.status_code == 422, bad


async def test_assigned_users_are_named_for_administrators_and_staff_only(client, team, token_for):
    sn1 = team["devices"]["SN-1"]
    for who in ("admin", "staff"):
        device = (await client.get(f"{API}/devices/{sn1}", headers=caller(token_for, team, who))).json()
        assert device["assigned_users"] == [
            {"user_id": team["users"]["dm"], "name": "Dm"},
            {"user_id": team["users"]["sm"], "name": "Sm"},
        ]
    managed = (await client.get(f"{API}/devices/{sn1}", headers=caller(token_for, team, "dm"))).json()
    assert "assigned_users" not in managed


async def test_every_change_is_in_the_accounts_audit_trail_newest_first(client, team, token_for):
    acme, users, devices = team["acme"], team["users"], team["devices"]
    admin = caller(token_for, team, "admin")
    await client.post(
        f"{API}/accounts/{acme}/invitations",
        headers=admin,
        json={"email": "new@example.com", "role": "knowledge_user"},
    )
    await client.patch(
        f"{API}/accounts/{acme}/users/{users['dsm']}", headers=admin, json={"role": "stock_manager"}
    )
    await client.put(
        f"{API}/accounts/{acme}/users/{users['sm']}/devices",
        headers=admin,
        json={"device_ids": [devices["SN-2"]]},
    )
    response = await client.post(
        f"{API}/accounts/{acme}/users/{users['dm']}/deactivate",
        headers={**admin, "X-Correlation-ID": "req-deactivate-1"},
    )
    assert response.status_code == 200
    await client.patch(
        f"{API}/accounts/{team['beta']}/users/{users['beta']}",
        headers=caller(token_for, team, "beta"),
        json={"role": "administrator"},
    )

    page = (await client.get(f"{API}/accounts/{acme}/audit", headers=admin)).json()
    actions = [item["action"] for item in page["items"]]
    assert page["total"] == len(page["items"]) >= 6
    for action in (
        "invitation.issued",
        "membership.set",
        "device.assigned",
        "device.unassigned",
        "membership.deactivated",
    ):
        assert action in actions, action
    assert actions.index("membership.deactivated") < actions.index("invitation.issued")  # newest first
    times = [item["at"] for item in page["items"]]
    assert times == sorted(times, reverse=True)
    deactivated = next(i for i in page["items"] if i["action"] == "membership.deactivated")
    assert deactivated["actor_id"] == users["admin"] and deactivated["actor_name"] == "Admin"
    assert deactivated["target_id"] == users["dm"] and deactivated["target_type"] == "user"
    assert deactivated["correlation_id"] == "req-deactivate-1"  # which request did it
    role_change = next(i for i in page["items"] if i["action"] == "membership.set")
    assert role_change["details"] | {} == {
        **role_change["details"],
        "role": "stock_manager",
        "previous_role": "device_stock_manager",
    }
    assert (role_change["old_values"], role_change["new_values"]) == (
        {"role": "device_stock_manager"},
        {"role": "stock_manager"},
    )
    assert all(item["correlation_id"] for item in page["items"])
    assert not any(item["target_id"] == users["beta"] for item in page["items"])  # another account's trail

    second = (
        await client.get(f"{API}/accounts/{acme}/audit", headers=admin, params={"offset": 2, "limit": 2})
    ).json()
    assert [i["at"] for i in second["items"]] == times[2:4] and second["total"] == page["total"]
    assert (
        await client.get(f"{API}/accounts/{acme}/audit", headers=admin, params={"limit": 0})
    ).status_code == 422


async def test_an_open_invitation_is_sent_again_with_a_new_link_or_withdrawn(
    app, client, bus, team, token_for
):
    admin, acme = caller(token_for, team, "admin"), team["acme"]
    created = await client.post(
        f"{API}/accounts/{acme}/invitations",
        headers=admin,
        json={"email": "again@example.com", "role": "knowledge_user"},
    )
    invitation_id = created.json()["invitation_id"]
    await all_published(app)
    first = bus.of_type("accounts.invitation.issued")[-1].data
    assert first["invited_by_name"] == "Admin"  # the email says who invited
    assert first["time_zone"]  # and gives the expiry in the invitee's zone
    for who, status in REFUSED:
        response = await client.post(
            f"{API}/accounts/{acme}/invitations/{invitation_id}/resend", headers=caller(token_for, team, who)
        )
        assert response.status_code == status, who
    resent = await client.post(f"{API}/accounts/{acme}/invitations/{invitation_id}/resend", headers=admin)
    assert resent.status_code == 201, resent.text
    await all_published(app)
    second = bus.of_type("accounts.invitation.issued")[-1].data
    assert second["invitation_id"] == invitation_id and second["link_path"] != first["link_path"]
    old_token = first["link_path"].removeprefix("/invitations/")
    refused = await client.post(
        f"{API}/invitations/accept", json={"token": old_token, "name": "Old Link", "password": NEW_PASSWORD}
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "invitation_unknown"
    withdrawn = await client.delete(f"{API}/accounts/{acme}/invitations/{invitation_id}", headers=admin)
    assert withdrawn.status_code == 204
    again = await client.post(f"{API}/accounts/{acme}/invitations/{invitation_id}/resend", headers=admin)
    assert again.status_code == 409 and again.json()["code"] == "invitation_not_open"
    trail = (
        await client.get(f"{API}/accounts/{acme}/audit", headers=admin, params={"kind": "invitation"})
    ).json()
    assert [i["action"] for i in trail["items"]][:3] == [
        "invitation.cancelled",
        "invitation.resent",
        "invitation.issued",
    ]


async def test_the_audit_trail_names_people_and_devices_and_filters(client, team, token_for):
    acme, users, devices = team["acme"], team["users"], team["devices"]
    admin = caller(token_for, team, "admin")
    await client.put(
        f"{API}/accounts/{acme}/users/{users['sm']}/devices",
        headers=admin,
        json={"device_ids": [devices["SN-2"]]},
    )
    await client.patch(
        f"{API}/accounts/{acme}/users/{users['dsm']}", headers=admin, json={"role": "stock_manager"}
    )
    audit = f"{API}/accounts/{acme}/audit"
    items = (await client.get(audit, headers=admin, params={"kind": "device"})).json()["items"]
    assigned = next(i for i in items if i["action"] == "device.assigned")
    assert assigned["target_name"] == "SN-2" and assigned["names"][users["sm"]] == "Sm"
    assert assigned["actor_name"] == "Admin"
    assert {i["action"].split(".")[0] for i in items} == {"device"}
    role = (await client.get(audit, headers=admin, params={"kind": "membership"})).json()["items"][0]
    assert role["target_name"] == "Dsm"
    mine = (await client.get(audit, headers=admin, params={"actor_id": users["admin"]})).json()
    nobody = (await client.get(audit, headers=admin, params={"actor_id": users["ku"]})).json()
    assert mine["total"] >= 3 and nobody["total"] == 0
    today = utcnow().date()
    assert (await client.get(audit, headers=admin, params={"since": today.isoformat()})).json()["total"] >= 3
    past = {"until": (today - timedelta(days=1)).isoformat()}
    assert (await client.get(audit, headers=admin, params=past)).json()["total"] == 0
    for params, field in (
        ({"kind": "everything"}, "kind"),
        ({"since": "2026-02-30"}, "since"),
        ({"since": today.isoformat(), "until": (today - timedelta(days=2)).isoformat()}, "until"),
    ):
        refused = await client.get(audit, headers=admin, params=params)
        assert refused.status_code == 422, params
        assert refused.json()["errors"][0]["field"].endswith(field), refused.text
