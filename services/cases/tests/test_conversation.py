"""F-13: messages of both sides, internal notes no customer reads, the timeline, and the events with followers."""

import pytest

from cases.case.models import CaseMessage

NOTE = "Customer is on credit hold - check before dispatch"
# The agent's side panel (F-40): never in a customer's answer.
VENDOR_ONLY = ("account", "customer", "other_open_cases", "assignee", "assignable", "breached", "at_risk")


async def test_timeline_is_ordered_and_names_the_actors(portal):
    case = await portal.new_case("manager", "d1")
    await portal.set_status("agent", case["id"], "in_progress")
    await portal.say("agent", case["id"], "Which tray?")
    await portal.say("agent", case["id"], NOTE, internal=True)
    await portal.say("manager", case["id"], "Tray 2.")
    detail = (await portal.get("agent", case["id"])).json()
    assert [(e["kind"], e["actor_id"], e["actor_name"], e["actor_side"]) for e in detail["timeline"]] == [
        ("created", "manager", "Max Manager", "customer"),
        ("status_changed", "agent", "Agnes Agent", "vendor"),
        ("message", "agent", "Agnes Agent", "vendor"),
        ("note", "agent", "Agnes Agent", "vendor"),
        ("message", "manager", "Max Manager", "customer"),
    ]
    times = [e["at"] for e in detail["timeline"]]
    assert times == sorted(times)
    assert detail["device"] == {
        "id": "d1",
        "serial": "SN-d1",
        "model": "imageRUNNER C3826i",
        "response_time_hours": 8,
    }
    assert detail["first_response_at"] is not None


@pytest.mark.parametrize("customer", ["manager", "admin", "dsm"])
async def test_customers_never_see_internal_notes(portal, customer):
    case = await portal.new_case("manager", "d1", subject="Streaks on prints")
    await portal.say("agent", case["id"], NOTE, internal=True)
    await portal.say("agent", case["id"], "We are on it.")
    detail = await portal.get(customer, case["id"])
    assert NOTE not in detail.text
    kinds = [e["kind"] for e in detail.json()["timeline"]]
    assert kinds == ["created", "message"]
    for key in ("assignee_id", "follower_ids", "first_response_at", "paused_seconds", *VENDOR_ONLY):
        assert key not in detail.json()
    assert "response_time_hours" not in detail.json()["device"]
    listed = await portal.cases(customer, q="credit hold")
    assert listed.json()["total"] == 0 and NOTE not in listed.text
    assert NOTE not in (await portal.cases(customer)).text


async def test_only_staff_write_internal_notes(portal):
    case = await portal.new_case()
    response = await portal.say("manager", case["id"], "secret", internal=True)
    assert response.status_code == 403
    assert await portal.count(CaseMessage) == 0
    note = await portal.say("agent", case["id"], NOTE, internal=True)
    assert note.status_code == 201 and note.json()["internal"] is True


async def test_message_responses_follow_the_caller_side(portal):
    case = await portal.new_case()
    customer = (await portal.say("manager", case["id"], "Still jamming")).json()
    assert set(customer) == {"id", "case_id", "author_id", "author_side", "body", "created_at", "attachments"}
    assert (customer["author_side"], customer["body"]) == ("customer", "Still jamming")
    staff = (await portal.say("agent", case["id"], "Sending a technician")).json()
    assert (staff["author_side"], staff["internal"]) == ("vendor", False)


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
async def test_bad_messages_are_422_and_nothing_is_written(portal, body):
    case = await portal.new_case()
    response = await portal.say("manager", case["id"], body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"
    assert await portal.count(CaseMessage) == 0


async def test_customers_cannot_write_on_a_closed_case(portal):
    case = await portal.new_case()
    await portal.set_status("manager", case["id"], "cancelled")
    response = await portal.say("manager", case["id"], "hello?")
    assert response.status_code == 409


async def test_events_carry_the_followers(portal):
    case = await portal.new_case("manager", "d1")
    [created] = await portal.published("cases.case.created")
    # The creator and the users assigned to the device (d1: manager, stock, dsm) who may open the case: the
    # stock manager sees only consumables orders, so is not told about an incident.
    assert sorted(created.data["follower_ids"]) == ["dsm", "manager"]
    assert created.subject == case["id"]
    assert {k: created.data[k] for k in ("case_id", "number", "account_id", "device_id", "department")} == {
        "case_id": case["id"],
        "number": case["number"],
        "account_id": "acc-1",
        "device_id": "d1",
        "department": "technical_support",
    }

    await portal.set_status("agent", case["id"], "in_progress")
    [changed] = await portal.published("cases.case.status_changed")
    assert (changed.data["old_status"], changed.data["new_status"], changed.data["changed_by_side"]) == (
        "new",
        "in_progress",
        "vendor",
    )
    assert sorted(changed.data["follower_ids"]) == ["dsm", "manager"]

    await portal.say("agent", case["id"], "Which tray?")
    await portal.say("agent", case["id"], NOTE, internal=True)
    await portal.say("admin", case["id"], "Tray 2, says our admin.")
    public, note, reply = await portal.published("cases.message.added", 3)
    assert (public.data["internal"], sorted(public.data["follower_ids"])) == (
        False,
        ["dsm", "manager"],
    )
    # An internal note is published for the vendor's systems only: no customer recipient.
    assert (note.data["internal"], note.data["follower_ids"], note.data["body"]) == (True, [], NOTE)
    # A customer who writes on a case follows it from then on.
    assert sorted(reply.data["follower_ids"]) == ["admin", "dsm", "manager"]
    assert reply.data["author_side"] == "customer"


async def test_administrator_cases_are_followed_by_the_device_users(portal):
    case = await portal.new_case("admin", "d2")
    detail = (await portal.get("agent", case["id"])).json()
    assert detail["follower_ids"] == ["admin", "manager2"]
    # The agent's page names them.
    assert detail["followers"] == [
        {"id": "admin", "name": "Ada Admin"},
        {"id": "manager2", "name": "Mia Manager"},
    ]
