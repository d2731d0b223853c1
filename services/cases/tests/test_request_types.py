"""F-30, F-32, F-33: consumables orders, relocations, removals and account inquiries through the one
POST /cases, each validated against its own fields, with its own role rules and routing."""

import pytest
from sqlalchemy import select

from cases.audit.models import AuditEntry
from cases.case.models import Case
from services.cases.tests.cases_support import (
    CATALOGUE,
    catalogue_event,
    consumables,
    in_days,
    inquiry,
    relocation,
    removal,
)
from shared.events import new_event
from shared.events.accounts import DeviceUpserted, Location

BUILDERS = {"consumables": consumables, "relocation": relocation, "removal": removal}


@pytest.fixture
async def catalogue(portal):
    await portal.bus.deliver(catalogue_event())


async def test_a_consumables_order_is_created_from_the_catalogue_and_routed_to_supplies(portal, catalogue):
    located = DeviceUpserted(
        device_id="d1",
        account_id="acc-1",
        serial="SN-d1",
        model="imageRUNNER C3826i",
        model_class="colour",
        counters=["black", "colour"],
        response_time_hours=8,
        assigned_user_ids=["manager", "stock", "dsm"],
        location=Location(
            street="Gran Vía 1",
            postal_code="28013",
            city="Madrid",
            country="ES",
            floor="2",
            contact_name="Eva",
        ),
    )
    await portal.bus.deliver(new_event(located, source="accounts"))
    response = await portal.open(
        "stock",
        consumables(
            items=[{"sku": "T-BK", "quantity": 4}, {"sku": "DRUM", "quantity": 1}],
            shipping={"use_device_location": True, "instructions": "Reception desk"},
        ),
    )
    assert response.status_code == 201, response.text
    case = response.json()
    assert (case["type"], case["department"], case["status"], case["device_id"]) == (
        "consumables",
        "supplies",
        "new",
        "d1",
    )
    assert case["subject"] == "Order: 4 × Toner black, 1 × Drum unit"
    assert case["details"]["items"] == [
        {"sku": "T-BK", "kind": "toner_black", "name": "Toner black", "quantity": 4},
        {"sku": "DRUM", "kind": "drum", "name": "Drum unit", "quantity": 1},
    ]
    shipping = case["details"]["shipping"]
    assert (
        shipping["use_device_location"],
        shipping["street"],
        shipping["floor"],
        shipping["instructions"],
    ) == (True, "Gran Vía 1", "2", "Reception desk")
    assert (case["tracking_reference"], case["carrier"]) == (None, None)
    [created] = await portal.staged("cases.case.created")
    assert created["data"]["details"] == case["details"]
    assert created["data"]["department"] == "supplies"
    assert "stock" in created["data"]["follower_ids"]


async def test_an_order_may_ship_elsewhere(portal, catalogue):
    shipping = {
        "use_device_location": False,
        "instructions": "Gate 4",
        "street": "Dock road 9",
        "postal_code": "41101",
        "city": "Sevilla",
        "country": "es",
    }
    response = await portal.open("dsm", consumables(shipping=shipping, subject="Toner for the print room"))
    assert response.status_code == 201, response.text
    case = response.json()
    assert case["subject"] == "Toner for the print room"
    assert case["details"]["shipping"] == {
        **shipping,
        "country": "ES",
        "region": "",
        "building": "",
        "floor": "",
        "room": "",
        "contact_name": "",
        "contact_phone": "",
    }


async def test_relocation_keeps_the_whole_request_and_goes_to_logistics(portal):
    response = await portal.open("manager", relocation())
    assert response.status_code == 201, response.text
    case = response.json()
    assert (case["type"], case["department"], case["category"]) == ("relocation", "logistics", "relocation")
    details = case["details"]
    assert (details["city"], details["country"], details["time_window"], details["preferred_date"]) == (
        "Madrid",
        "ES",
        "morning",
        in_days(10),
    )
    assert details["network"] == {
        "ip_mode": "static",
        "ip_address": "10.0.0.20",
        "netmask": "255.255.255.0",
        "gateway": "10.0.0.1",
        "dns": ["10.0.0.2"],
        "hostname": "mfp-3",
    }
    detail = (await portal.get("manager", case["id"])).json()
    assert detail["details"] == details
    assert (await portal.get("agent", case["id"])).json()["details"] == details


async def test_removal_goes_to_logistics(portal):
    response = await portal.open("admin", removal("d4", reason="  Moving out  "))
    assert response.status_code == 201, response.text
    case = response.json()
    assert (case["type"], case["department"]) == ("removal", "logistics")
    assert case["details"] == {"date": in_days(5), "reason": "Moving out"}
    assert case["subject"] == f"Removal of SN-d4 on {in_days(5)}"


async def test_an_account_inquiry_has_no_device_and_goes_to_accounts(portal):
    response = await portal.open("admin", inquiry(topic="billing"))
    assert response.status_code == 201, response.text
    case = response.json()
    assert (case["type"], case["department"], case["category"], case["device_id"], case["account_id"]) == (
        "account_inquiry",
        "accounts",
        "billing",
        None,
        "acc-1",
    )
    assert case["details"] == {"topic": "billing"}
    [created] = await portal.staged("cases.case.created")
    assert created["data"]["follower_ids"] == ["admin"]
    detail = (await portal.get("admin", case["id"])).json()
    assert detail["device"] is None


async def test_every_type_is_audited(portal, catalogue):
    for user, body in (
        ("stock", consumables()),
        ("manager", relocation()),
        ("manager", removal()),
        ("admin", inquiry()),
    ):
        assert (await portal.open(user, body)).status_code == 201
    async with portal.app.state.db.session() as session:
        entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.at))).all()
    created = [e for e in entries if e.action == "case.created"]
    assert [e.details["type"] for e in created] == ["consumables", "relocation", "removal", "account_inquiry"]
    assert created[0].details["details"]["items"][0]["sku"] == "T-BK"


# Validation: each type's own fields, named as the client sent them -------------------------------------------


@pytest.mark.parametrize(
    "body, fields",
    [
        (consumables(items=[]), ["items"]),
        (consumables(items=[{"sku": "T-BK", "quantity": 0}]), ["items.0.quantity"]),
        (
            consumables(items=[{"sku": "T-BK", "quantity": 1}, {"sku": "T-CY", "quantity": -1}]),
            ["items.1.quantity"],
        ),
        (consumables(items=[{"sku": "T-BK"}]), ["items.0.quantity"]),
        (consumables(items=[{"sku": "", "quantity": 1}]), ["items.0.sku"]),
        (
            consumables(shipping={"use_device_location": False, "street": "x"}),
            ["shipping.postal_code", "shipping.city", "shipping.country"],
        ),
        (consumables(shipping={"use_device_location": "perhaps"}), ["shipping.use_device_location"]),
        (consumables(shipping={"use_device_location": True, "street": "x"}), ["shipping.street"]),
        (consumables(category="paper_jam"), ["category"]),
        (relocation(preferred_date=in_days(0)), ["relocation.preferred_date"]),
        (relocation(preferred_date="soon"), ["relocation.preferred_date"]),
        (relocation(time_window="evening"), ["relocation.time_window"]),
        (
            relocation(contact_name="", contact_phone="call me"),
            ["relocation.contact_name", "relocation.contact_phone"],
        ),
        (relocation(country="Spain"), ["relocation.country"]),
        (
            relocation(network={"ip_mode": "static", "ip_address": "10.0.0.300"}),
            ["relocation.network.ip_address", "relocation.network.netmask", "relocation.network.gateway"],
        ),
        (relocation(network={"ip_mode": "carrier_pigeon"}), ["relocation.network.ip_mode"]),
        (relocation(network={"ip_mode": "dhcp", "hostname": "bad host!"}), ["relocation.network.hostname"]),
        ({"type": "relocation", "device_id": "d1"}, ["relocation"]),
        (removal(date=in_days(-1)), ["removal.date"]),
        (removal(reason=""), ["removal.reason"]),
        (removal(reason="x" * 1001), ["removal.reason"]),
        (inquiry(topic="weather"), ["topic"]),
        (inquiry(subject=""), ["subject"]),
        (inquiry(device_id="d1"), ["device_id"]),
        ({"type": "account_inquiry"}, ["account_id", "topic", "subject", "description"]),
        ({"device_id": "d1"}, ["type"]),
    ],
)
async def test_each_type_names_its_own_fields_at_fault(portal, catalogue, body, fields):
    response = await portal.open("admin", body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert sorted(e["field"] for e in response.json()["errors"]) == sorted(fields)
    assert await portal.count(Case) == 0


@pytest.mark.parametrize(
    "items, field, message",
    [
        ([{"sku": "T-BK", "quantity": 5}], "items.0.quantity", "at most 4 of T-BK per order"),
        ([{"sku": "T-BK", "quantity": 1}, {"sku": "DRUM", "quantity": 2}], "items.1.quantity", "at most 1"),
        ([{"sku": "NOPE", "quantity": 1}], "items.0.sku", "not in the catalogue"),
        ([{"sku": "T-BK", "quantity": 1}, {"sku": "T-BK", "quantity": 1}], "items.1.sku", "more than once"),
    ],
)
async def test_an_order_keeps_within_the_catalogue_and_the_contracts_limits(
    portal, catalogue, items, field, message
):
    response = await portal.open("stock", consumables(items=items))
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == field and message in error["message"]
    assert await portal.count(Case) == 0
    assert await portal.staged() == []


async def test_without_a_catalogue_for_the_model_nothing_can_be_ordered(portal):
    response = await portal.open("stock", consumables())
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "items.0.sku"


# Who may open which type ------------------------------------------------------------------------------------

ROLE_RULES = [
    # consumables: the stock roles on their assigned devices, administrators on every device
    ("consumables", "admin", "d4", 201),
    ("consumables", "stock", "d1", 201),
    ("consumables", "dsm", "d1", 201),
    ("consumables", "manager", "d1", 403),
    ("consumables", "knowledge", "d1", 403),
    ("consumables", "stock", "d4", 404),
    ("consumables", "other_admin", "d1", 404),
    ("consumables", "admin", "d3", 404),
    ("consumables", "agent", "d1", 403),
    # relocation and removal: the device roles on their assigned devices, administrators on every device
    ("relocation", "admin", "d4", 201),
    ("relocation", "manager", "d1", 201),
    ("relocation", "dsm", "d1", 201),
    ("relocation", "stock", "d1", 403),
    ("relocation", "knowledge", "d1", 403),
    ("relocation", "manager", "d2", 404),
    ("relocation", "other_admin", "d1", 404),
    ("relocation", "agent", "d1", 403),
    ("removal", "admin", "d1", 201),
    ("removal", "manager2", "d2", 201),
    ("removal", "dsm", "d1", 201),
    ("removal", "stock", "d1", 403),
    ("removal", "knowledge", "d1", 403),
    ("removal", "manager", "d4", 404),
    ("removal", "admin", "d3", 404),
]


@pytest.mark.parametrize("case_type, user, device, status", ROLE_RULES)
async def test_who_may_open_device_requests(portal, catalogue, case_type, user, device, status):
    response = await portal.open(user, BUILDERS[case_type](device))
    assert response.status_code == status, response.text
    if status != 201:
        assert response.headers["content-type"] == "application/problem+json"
        assert await portal.count(Case) == 0


@pytest.mark.parametrize(
    "user, account, status",
    [
        ("admin", "acc-1", 201),
        ("other_admin", "acc-2", 201),
        ("manager", "acc-1", 403),
        ("stock", "acc-1", 403),
        ("dsm", "acc-1", 403),
        ("knowledge", "acc-1", 403),
        ("admin", "acc-2", 404),
        ("other_admin", "acc-1", 404),
        ("agent", "acc-1", 403),
    ],
)
async def test_only_administrators_ask_about_their_account(portal, user, account, status):
    response = await portal.open(user, inquiry(account))
    assert response.status_code == status, response.text


async def test_stock_managers_still_may_not_open_incidents(portal):
    assert (await portal.create("stock", "d1")).status_code == 403


# Who sees what ----------------------------------------------------------------------------------------------


async def test_an_account_inquiry_is_seen_by_the_accounts_administrators_the_creator_and_staff(
    portal, token_for
):
    case = (await portal.open("admin", inquiry())).json()
    seen_by = {
        user: (await portal.get(user, case["id"])).status_code
        for user in ("admin", "manager", "dsm", "stock", "knowledge", "other_admin", "agent")
    }
    assert seen_by == {
        "admin": 200,
        "manager": 404,
        "dsm": 404,
        "stock": 404,
        "knowledge": 404,
        "other_admin": 404,
        "agent": 200,
    }
    # A second administrator of the account sees it too; the creator keeps seeing it after a role change.
    second_admin = {"Authorization": f"Bearer {token_for('admin2', memberships={'acc-1': 'administrator'})}"}
    assert (
        await portal.client.get(f"/api/cases/v1/cases/{case['id']}", headers=second_admin)
    ).status_code == 200
    demoted = {"Authorization": f"Bearer {token_for('admin', memberships={'acc-1': 'device_manager'})}"}
    assert (await portal.client.get(f"/api/cases/v1/cases/{case['id']}", headers=demoted)).status_code == 200


async def test_stock_managers_see_the_orders_of_their_devices_but_not_their_incidents(portal, catalogue):
    order = (await portal.open("dsm", consumables())).json()
    incident = await portal.new_case("manager", "d1")
    elsewhere = (await portal.open("admin", consumables("d4"))).json()
    listed = {c["id"] for c in (await portal.cases("stock")).json()["items"]}
    assert listed == {order["id"]}
    assert (await portal.get("stock", incident["id"])).status_code == 404
    assert (await portal.get("stock", elsewhere["id"])).status_code == 404


async def test_the_type_filter_covers_every_type(portal, catalogue):
    ids = {}
    for user, body in (
        ("admin", consumables()),
        ("admin", relocation()),
        ("admin", removal()),
        ("admin", inquiry()),
    ):
        ids[body["type"]] = (await portal.open(user, body)).json()["id"]
    ids["incident"] = (await portal.new_case("admin", "d1"))["id"]
    for case_type, case_id in ids.items():
        listed = (await portal.cases("admin", type=case_type)).json()
        assert [c["id"] for c in listed["items"]] == [case_id], case_type
    assert (await portal.cases("agent", department="logistics")).json()["total"] == 2


# The catalogue ----------------------------------------------------------------------------------------------


async def catalogue_of(portal, user: str, device_id: str = "d1"):
    return await portal.client.get(f"/api/cases/v1/devices/{device_id}/catalogue", headers=portal.auth(user))


async def test_the_catalogue_of_a_visible_devices_model(portal, catalogue):
    response = await catalogue_of(portal, "stock")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "device_id": "d1",
        "model": "imageRUNNER C3826i",
        "items": [
            {"sku": i.sku, "kind": i.kind, "name": i.name, "max_quantity_per_order": i.max_quantity_per_order}
            for i in CATALOGUE
        ],
    }
    for user, device, status in (
        ("admin", "d4", 200),
        ("agent", "d3", 200),
        ("stock", "d4", 404),
        ("knowledge", "d1", 404),
        ("other_admin", "d1", 404),
        ("admin", "nope", 404),
    ):
        assert (await catalogue_of(portal, user, device)).status_code == status, (user, device)


async def test_a_model_without_a_catalogue_has_no_items(portal):
    assert (await catalogue_of(portal, "admin")).json()["items"] == []
