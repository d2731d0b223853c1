"""Who may open an incident for which device, and who sees which case (ARCHITECTURE §5)."""

import pytest

from cases.case.models import Case
from shared.events import new_event
from shared.events.accounts import DeviceUpserted, Location


@pytest.mark.parametrize(
    "user, device, status",
    [
        ("admin", "d1", 201),
        ("admin", "d4", 201),  # an administrator acts on every device of the account
        ("admin", "d3", 404),  # another account's device is as good as missing
        ("manager", "d1", 201),
        ("dsm", "d1", 201),  # device roles act on their assigned devices
        ("manager", "d4", 404),
        ("manager", "d2", 404),  # unassigned or assigned to someone else
        ("stock", "d1", 403),
        ("knowledge", "d1", 403),  # these roles may not open incidents
        ("other_admin", "d1", 404),
        ("agent", "d1", 403),  # cases are opened by the customer's users
        ("admin", "missing", 404),
    ],
)
async def test_who_may_open_an_incident(portal, user, device, status):
    response = await portal.create(user, device)
    assert response.status_code == status, response.text
    if status != 201:
        assert response.headers["content-type"] == "application/problem+json"
        assert await portal.count(Case) == 0


@pytest.fixture
async def cases_by_creator(portal):
    """One case per creator: by the device manager on d1, the second manager on d2, the administrator on
    the unassigned d4, and the other account's administrator on d3."""
    return {
        "manager_d1": (await portal.new_case("manager", "d1"))["id"],
        "manager2_d2": (await portal.new_case("manager2", "d2"))["id"],
        "admin_d4": (await portal.new_case("admin", "d4"))["id"],
        "other_d3": (await portal.new_case("other_admin", "d3"))["id"],
    }


VISIBLE = {
    "admin": {"manager_d1", "manager2_d2", "admin_d4"},
    "manager": {"manager_d1"},
    "manager2": {"manager2_d2"},
    "dsm": {"manager_d1"},  # assigned to d1, so sees its cases though someone else opened them
    "stock": set(),  # sees only the cases they created
    "knowledge": set(),
    "other_admin": {"other_d3"},
    "agent": {"manager_d1", "manager2_d2", "admin_d4", "other_d3"},
}


@pytest.mark.parametrize("user", sorted(VISIBLE))
async def test_each_role_sees_exactly_its_cases(portal, cases_by_creator, user):
    listed = (await portal.cases(user)).json()
    expected = {cases_by_creator[name] for name in VISIBLE[user]}
    assert {c["id"] for c in listed["items"]} == expected
    assert listed["total"] == len(expected)
    for name, case_id in cases_by_creator.items():
        response = await portal.get(user, case_id)
        assert response.status_code == (200 if name in VISIBLE[user] else 404), (name, response.text)


async def test_callers_of_one_shape_share_a_statement_but_never_their_cases(portal, cases_by_creator):
    """The list's statements are built once per shape (two administrators, two device managers): taking turns,
    with a page of one so that the count runs too, each still sees exactly their own."""
    for user in [
        "admin",
        "other_admin",
        "manager",
        "manager2",
        "other_admin",
        "admin",
        "manager2",
        "manager",
    ]:
        expected = {cases_by_creator[name] for name in VISIBLE[user]}
        listed = (await portal.cases(user, limit=1)).json()
        assert {c["id"] for c in listed["items"]} <= expected and listed["total"] == len(expected), user
        everything = (await portal.cases(user, limit=50, sort="due")).json()
        assert {c["id"] for c in everything["items"]} == expected, user


async def test_a_device_manager_keeps_seeing_the_cases_they_created_after_unassignment(portal):
    case = await portal.new_case("manager", "d1")
    other = await portal.new_case("dsm", "d1")
    await portal.upsert_device("d1", ["dsm"])
    assert (await portal.get("manager", case["id"])).status_code == 200
    assert (await portal.get("manager", other["id"])).status_code == 404
    assert [c["id"] for c in (await portal.cases("manager")).json()["items"]] == [case["id"]]


async def test_a_missing_case_answers_like_an_invisible_one(portal):
    invisible = await portal.new_case("other_admin", "d3")
    missing = await portal.get("admin", "no-such-case")
    hidden = await portal.get("admin", invisible["id"])
    assert missing.status_code == hidden.status_code == 404
    assert missing.json()["detail"] == hidden.json()["detail"]


async def test_invisible_cases_cannot_be_changed_or_discussed(portal):
    case = await portal.new_case("other_admin", "d3")
    assert (await portal.say("admin", case["id"], "hello")).status_code == 404
    assert (await portal.set_status("admin", case["id"], "cancelled")).status_code == 404
    response = await portal.client.post(
        f"/api/cases/v1/cases/{case['id']}/assign",
        json={"assignee_id": "agent"},
        headers=portal.auth("admin"),
    )
    assert response.status_code == 403


async def test_requests_without_a_valid_token_are_401(portal):
    assert (await portal.client.get("/api/cases/v1/cases")).status_code == 401
    response = await portal.client.get("/api/cases/v1/cases", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401


async def test_a_removed_device_takes_no_new_cases_but_keeps_its_history(portal):
    case = await portal.new_case("manager", "d1")
    await portal.remove_device("d1")
    assert (await portal.create("admin", "d1")).status_code == 404
    detail = (await portal.get("admin", case["id"])).json()
    assert detail["device"] == {"id": "d1", "serial": "SN-d1", "model": "imageRUNNER C3826i"}


async def test_a_device_arriving_later_becomes_usable(portal):
    assert (await portal.create("admin", "d9")).status_code == 404
    await portal.bus.deliver(
        new_event(
            DeviceUpserted(
                device_id="d9",
                account_id="acc-1",
                serial="SN-d9",
                model="i-SENSYS",
                model_class="mono",
                counters=["black"],
                location=Location(),
                response_time_hours=4,
            ),
            source="accounts",
        )
    )
    assert (await portal.create("admin", "d9")).status_code == 201
