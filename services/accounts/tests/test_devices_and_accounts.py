"""Device and account visibility per role: another account's or an unassigned device answers 404."""

import pytest
from sqlalchemy import select

from accounts.customer_accounts.models import Account
from accounts.devices.models import Device
from accounts.users.models import User
from services.accounts.tests.accounts_support import bearer, contact_event

API = "/api/accounts/v1"


@pytest.fixture
async def world(app, crm_world, add_user):
    """Ids of accounts and devices, and a device manager of A-100 assigned to SN-1 only."""
    await crm_world.deliver(contact_event("dm@acme.example", role="device_manager", serials=["SN-1"]))
    async with app.state.db.session() as session:
        accounts = {a.number: a.id for a in (await session.scalars(select(Account))).all()}
        devices = {d.serial: d.id for d in (await session.scalars(select(Device))).all()}
        manager = await session.scalar(select(User.id).where(User.email == "dm@acme.example"))
    return {"accounts": accounts, "devices": devices, "manager": manager}


def as_(token_for, world, role: str | None, account: str = "A-100", **extra) -> dict:
    if role is None:
        return bearer(token_for(**extra))
    return bearer(token_for(memberships={world["accounts"][account]: role}, **extra))


async def visible_serials(client, headers, **params) -> list[str]:
    response = await client.get(f"{API}/devices", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return [d["serial"] for d in response.json()["items"]]


async def test_each_role_sees_its_devices(client, world, token_for):
    admin = as_(token_for, world, "administrator")
    assert await visible_serials(client, admin) == ["SN-1", "SN-2"]
    manager = as_(token_for, world, "device_manager", user_id=world["manager"])
    assert await visible_serials(client, manager) == ["SN-1"]
    unassigned_manager = as_(token_for, world, "device_stock_manager")
    assert await visible_serials(client, unassigned_manager) == []
    assert await visible_serials(client, as_(token_for, world, "knowledge_user")) == []
    staff = bearer(token_for(staff_role="agent"))
    assert await visible_serials(client, staff) == ["SN-1", "SN-2", "SN-9"]
    assert await visible_serials(client, staff, account_id=world["accounts"]["B-200"]) == ["SN-9"]


@pytest.mark.parametrize(
    "role, serial, status",
    [
        ("administrator", "SN-2", 200),
        ("administrator", "SN-9", 404),  # another account
        ("device_manager", "SN-1", 200),
        ("device_manager", "SN-2", 404),  # not assigned
        ("knowledge_user", "SN-1", 404),
    ],
)
async def test_one_device_is_404_when_not_visible(client, world, token_for, role, serial, status):
    headers = as_(token_for, world, role, user_id=world["manager"])
    response = await client.get(f"{API}/devices/{world['devices'][serial]}", headers=headers)
    assert response.status_code == status, response.text
    if status == 404:
        assert response.json()["code"] == "not_found"


async def test_device_item_shape_for_customers_and_staff(client, world, token_for):
    device_id = world["devices"]["SN-1"]
    item = (
        await client.get(f"{API}/devices/{device_id}", headers=as_(token_for, world, "administrator"))
    ).json()
    assert item["counters"] == ["black", "colour"] and item["model_class"] == "colour"
    assert item["account_name"] == "Acme AB" and item["assigned_user_ids"] == [world["manager"]]
    assert item["location"]["building"] == "B" and item["location"]["city"] == "Stockholm"
    assert "daily_volume" not in item  # vendor-only
    staff_item = (
        await client.get(f"{API}/devices/{device_id}", headers=bearer(token_for(staff_role="agent")))
    ).json()
    assert staff_item["daily_volume"] == 200
    a3 = (
        await client.get(
            f"{API}/devices/{world['devices']['SN-9']}", headers=bearer(token_for(staff_role="agent"))
        )
    ).json()
    assert a3["counters"] == ["black", "colour", "large"]
    assert (
        await client.get(f"{API}/devices/missing", headers=bearer(token_for(staff_role="agent")))
    ).status_code == 404


async def test_accounts_are_visible_to_members_and_staff_only(client, world, token_for):
    acme = world["accounts"]["A-100"]
    member = as_(token_for, world, "knowledge_user")
    response = await client.get(f"{API}/accounts/{acme}", headers=member)
    assert response.status_code == 200
    assert response.json() == {
        "id": acme,
        "number": "A-100",
        "name": "Acme AB",
        "country": "SE",
        "language": "sv",
        "time_zone": "Europe/Stockholm",
        "addresses": [],  # the CRM sent none (F-34)
        "contacts": [],
    }
    assert (
        await client.get(f"{API}/accounts/{world['accounts']['B-200']}", headers=member)
    ).status_code == 404
    assert (await client.get(f"{API}/accounts", headers=member)).status_code == 403
    staff = bearer(token_for(staff_role="supervisor"))
    listed = (await client.get(f"{API}/accounts", headers=staff)).json()["items"]
    assert [a["number"] for a in listed] == ["A-100", "B-200"]
    assert (await client.get(f"{API}/devices")).status_code == 401
