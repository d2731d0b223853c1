"""Devices, the caller's profile and an account's users say what the caller may do (`allowed_actions`), decided
from the caller's role and device assignment; the access token carries what the roles allow for the menus."""

import jwt
import pytest
from sqlalchemy import select

from accounts.customer_accounts.models import Account
from accounts.devices.models import Device
from accounts.users.models import User
from services.accounts.tests.accounts_support import bearer, contact_event, login

API = "/api/accounts/v1"
MANAGER_ACTIONS = [
    "report_problem",
    "submit_reading",
    "request_relocation",
    "request_removal",
    "update_location",
]
ALL_CUSTOMER_ACTIONS = [
    "report_problem",
    "submit_reading",
    "order_supplies",
    "request_relocation",
    "request_removal",
    "update_location",
]
ROLES = ("administrator", "device_manager", "stock_manager", "device_stock_manager", "knowledge_user")


@pytest.fixture
async def people(app, crm_world) -> dict[str, tuple[str, str]]:
    """role -> (user id, account id): one user per role in A-100, each device role assigned to SN-1 only."""
    for role in ROLES:
        serials = [] if role in ("administrator", "knowledge_user") else ["SN-1"]
        await crm_world.deliver(contact_event(f"{role}@acme.example", role=role, serials=serials))
    async with app.state.db.session() as session:
        account = await session.scalar(select(Account.id).where(Account.number == "A-100"))
        users = {u.email: u.id for u in (await session.scalars(select(User))).all()}
    return {role: (users[f"{role}@acme.example"], account) for role in ROLES}


def as_role(token_for, people, role: str) -> dict:
    user_id, account = people[role]
    return bearer(token_for(user_id, memberships={account: role}))


async def device_actions(client, headers) -> dict[str, list[str]]:
    response = await client.get(f"{API}/devices", headers=headers)
    assert response.status_code == 200, response.text
    return {device["serial"]: device["allowed_actions"] for device in response.json()["items"]}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("administrator", {"SN-1": ALL_CUSTOMER_ACTIONS, "SN-2": ALL_CUSTOMER_ACTIONS}),
        ("device_manager", {"SN-1": MANAGER_ACTIONS}),
        ("stock_manager", {"SN-1": ["order_supplies"]}),
        ("device_stock_manager", {"SN-1": ALL_CUSTOMER_ACTIONS}),
        ("knowledge_user", {}),
    ],
)
async def test_each_role_gets_its_device_actions(client, people, token_for, role, expected):
    assert await device_actions(client, as_role(token_for, people, role)) == expected


async def test_one_device_and_staff_actions(app, client, people, token_for):
    async with app.state.db.session() as session:
        sn1 = await session.scalar(select(Device.id).where(Device.serial == "SN-1"))
    stock = await client.get(f"{API}/devices/{sn1}", headers=as_role(token_for, people, "stock_manager"))
    assert stock.json()["allowed_actions"] == ["order_supplies"]
    staff = await client.get(f"{API}/devices/{sn1}", headers=bearer(token_for(staff_role="agent")))
    assert staff.json()["allowed_actions"] == ["submit_reading", "update_location", "record_correction"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("administrator", [*ALL_CUSTOMER_ACTIONS[:3], "ask_about_account", "manage_users"]),
        ("device_manager", ["report_problem", "submit_reading"]),
        ("stock_manager", ["order_supplies"]),
        ("device_stock_manager", ["report_problem", "submit_reading", "order_supplies"]),
        ("knowledge_user", []),
    ],
)
async def test_the_profile_says_what_the_caller_may_start(client, people, token_for, role, expected):
    response = await client.get(f"{API}/me", headers=as_role(token_for, people, role))
    assert response.status_code == 200, response.text
    assert response.json()["allowed_actions"] == expected


async def test_a_device_manager_without_devices_may_report_nothing(app, client, people, token_for, crm_world):
    await crm_world.deliver(contact_event("unassigned@acme.example", role="device_manager"))
    async with app.state.db.session() as session:
        user_id = await session.scalar(select(User.id).where(User.email == "unassigned@acme.example"))
    headers = bearer(token_for(user_id, memberships={people["administrator"][1]: "device_manager"}))
    assert (await client.get(f"{API}/me", headers=headers)).json()["allowed_actions"] == []


async def test_the_token_carries_what_the_roles_allow(client, people, add_user):
    account = people["administrator"][1]
    await add_user("ada@acme.example", memberships={account: "administrator"})
    tokens = (await login(client, "ada@acme.example")).json()
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["actions"] == ["ask_about_account", "manage_users"]
    assert claims["account_actions"] == {account: ["ask_about_account", "manage_users"]}


async def test_the_account_users_say_what_the_administrator_may_do_to_them(client, people, token_for):
    _, account = people["administrator"]
    response = await client.get(
        f"{API}/accounts/{account}/users", headers=as_role(token_for, people, "administrator")
    )
    assert response.status_code == 200, response.text
    by_email = {u["email"]: u["allowed_actions"] for u in response.json()["items"]}
    assert by_email["stock_manager@acme.example"] == ["change_role", "assign_devices", "deactivate"]
    assert by_email["knowledge_user@acme.example"] == ["change_role", "deactivate"]
