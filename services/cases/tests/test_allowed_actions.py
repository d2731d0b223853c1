"""A case says what the caller may do on it (`allowed_actions`), and its events name only the followers who
may still open it, so that nobody is emailed a link to a case they cannot see."""

import pytest

from services.cases.tests.cases_support import catalogue_event, consumables


async def actions(portal, user_id: str, case_id: str) -> list[str]:
    response = await portal.get(user_id, case_id)
    assert response.status_code == 200, response.text
    return response.json()["allowed_actions"]


@pytest.mark.parametrize(
    ("customer", "following"),
    [
        ("manager", ["unfollow"]),  # the followers of the new case
        ("dsm", ["unfollow"]),
        ("admin", ["follow", "add_follower"]),  # not a follower; adds colleagues who may see the device
    ],
)
async def test_a_customer_replies_to_and_cancels_a_new_case(portal, customer, following):
    case = await portal.new_case("manager", "d1")
    assert await actions(portal, customer, case["id"]) == ["reply", "cancel", *following]


async def test_a_resolved_case_is_reopened_and_a_closed_one_only_read(portal):
    case = await portal.new_case("manager", "d1")
    for status in ("in_progress", "resolved"):
        await portal.set_status("agent", case["id"], status)
    assert await actions(portal, "manager", case["id"]) == ["reply", "reopen", "unfollow"]
    await portal.set_status("agent", case["id"], "closed")
    assert await actions(portal, "manager", case["id"]) == ["unfollow"]  # read, and stop being told


async def test_a_case_in_progress_takes_only_replies_from_the_customer(portal):
    case = await portal.new_case("manager", "d1")
    await portal.set_status("agent", case["id"], "in_progress")
    assert await actions(portal, "manager", case["id"]) == ["reply", "unfollow"]


async def test_the_staff_reply_note_assign_and_move_the_case(portal):
    case = await portal.new_case("manager", "d1")
    # An agent of no department gives the case to a colleague of its department but cannot take it.
    assert await actions(portal, "agent", case["id"]) == [
        "reply",
        "add_internal_note",
        "change_status",
        "assign",
    ]
    await portal.set_status("manager", case["id"], "cancelled")
    # A cancelled case takes no more replies, and keeps whoever worked it.
    assert await actions(portal, "agent", case["id"]) == ["add_internal_note"]


async def test_the_stock_manager_is_told_about_the_orders_they_see(portal):
    await portal.bus.deliver(catalogue_event())
    order = (await portal.open("stock", consumables())).json()
    [created] = await portal.published("cases.case.created")
    assert created.data["case_id"] == order["id"]
    assert sorted(created.data["follower_ids"]) == ["dsm", "manager", "stock"]


async def test_an_incident_is_not_followed_by_the_stock_manager_of_its_device(portal):
    case = await portal.new_case("manager", "d1")  # d1 is assigned to the manager, dsm and stock
    [created] = await portal.published("cases.case.created")
    assert sorted(created.data["follower_ids"]) == ["dsm", "manager"]
    assert (await portal.get("stock", case["id"])).status_code == 404


async def test_a_follower_unassigned_from_the_device_is_no_longer_told(portal):
    case = await portal.new_case("dsm", "d1")  # followed by dsm and manager (assigned to d1)
    await portal.upsert_device("d1", ["dsm"])  # the manager loses d1 and, with it, the case
    assert (await portal.get("manager", case["id"])).status_code == 404
    await portal.set_status("agent", case["id"], "in_progress")
    [changed] = await portal.published("cases.case.status_changed")
    assert changed.data["follower_ids"] == ["dsm"]
