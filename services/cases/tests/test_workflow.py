"""F-14: the status workflow, who may drive it, and the 14-day reopen window and auto-close."""

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import update

from cases.case.jobs import close_resolved_cases
from cases.case.models import Case, StatusChange
from shared.db import utcnow


@pytest.fixture
def settings(settings):
    """The portal's own auto-close job leaves these tests' cases alone: its first run, as the app starts, came late on
    a busy machine and closed a case a test had just dated 15 days back. The tests run the job themselves."""
    return settings.model_copy(update={"auto_close_after_days": 3650})


async def resolved_days_ago(portal, case_id: str, days: int) -> None:
    async with portal.app.state.db.session() as session, session.begin():
        await session.execute(
            update(Case).where(Case.id == case_id).values(resolved_at=utcnow() - timedelta(days=days))
        )


async def walk(portal, case_id: str, *statuses: str) -> None:
    for status in statuses:
        response = await portal.set_status("agent", case_id, status)
        assert response.status_code == 200, response.text


async def test_agents_drive_the_whole_workflow(portal):
    case = await portal.new_case()
    path = ["in_progress", "waiting_for_customer", "in_progress", "resolved", "closed"]
    for status in path:
        response = await portal.set_status("agent", case["id"], status, reason=f"to {status}")
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status
    detail = (await portal.get("agent", case["id"])).json()
    changes = [
        (e["from_status"], e["to_status"], e["actor_id"], e["actor_side"], e["reason"])
        for e in detail["timeline"]
        if e["kind"] == "status_changed"
    ]
    assert changes == [(a, b, "agent", "vendor", f"to {b}") for a, b in itertools.pairwise(["new", *path])]
    assert detail["allowed_transitions"] == []
    assert await portal.count(StatusChange) == 5
    assert await portal.case_audit_entries() == 6


@pytest.mark.parametrize(
    "walk_to, target, allowed",
    [
        ([], "resolved", ["in_progress"]),
        ([], "closed", ["in_progress"]),
        (["in_progress"], "new", ["waiting_for_customer", "resolved"]),
        (["in_progress", "resolved", "closed"], "in_progress", []),
    ],
)
async def test_an_illegal_transition_is_409_naming_from_to_and_allowed(portal, walk_to, target, allowed):
    case = await portal.new_case()
    await walk(portal, case["id"], *walk_to)
    before = await portal.count(StatusChange)
    response = await portal.set_status("agent", case["id"], target)
    assert response.status_code == 409, response.text
    problem = response.json()
    current = walk_to[-1] if walk_to else "new"
    assert (problem["from_status"], problem["to_status"]) == (current, target)
    assert problem.get("allowed_transitions", []) == allowed  # an empty list is left out of problems
    assert current in problem["detail"] and target in problem["detail"]
    assert await portal.count(StatusChange) == before


async def test_an_unknown_status_is_422(portal):
    case = await portal.new_case()
    response = await portal.set_status("agent", case["id"], "on_hold")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"


async def test_a_customer_may_cancel_a_new_case_only(portal):
    case = await portal.new_case()
    detail = (await portal.get("manager", case["id"])).json()
    assert detail["allowed_transitions"] == ["cancelled"]
    response = await portal.set_status("manager", case["id"], "cancelled", reason="fixed it myself")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    assert response.json()["allowed_transitions"] == []
    other = await portal.new_case()
    await walk(portal, other["id"], "in_progress")
    response = await portal.set_status("manager", other["id"], "cancelled")
    assert response.status_code == 409
    assert response.json().get("allowed_transitions", []) == []  # an empty list is left out of problems


async def test_customers_cannot_drive_the_vendor_transitions(portal):
    case = await portal.new_case()
    response = await portal.set_status("manager", case["id"], "in_progress")
    assert response.status_code == 409
    assert response.json()["allowed_transitions"] == ["cancelled"]


async def test_a_customer_may_reopen_within_14_days(portal):
    case = await portal.new_case()
    await walk(portal, case["id"], "in_progress", "resolved")
    detail = (await portal.get("manager", case["id"])).json()
    assert detail["allowed_transitions"] == ["in_progress"] and detail["resolved_at"]
    await resolved_days_ago(portal, case["id"], 13)
    response = await portal.set_status("manager", case["id"], "in_progress", reason="jams again")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "in_progress"
    assert response.json()["resolved_at"] is None


async def test_a_customer_may_not_reopen_after_14_days(portal):
    case = await portal.new_case()
    await walk(portal, case["id"], "in_progress", "resolved")
    await resolved_days_ago(portal, case["id"], 15)
    assert (await portal.get("manager", case["id"])).json()["allowed_transitions"] == []
    response = await portal.set_status("manager", case["id"], "in_progress")
    assert response.status_code == 409
    assert "14 days" in response.json()["detail"]


async def test_a_customer_reply_ends_the_wait(portal):
    case = await portal.new_case()
    await walk(portal, case["id"], "in_progress", "waiting_for_customer")
    response = await portal.say("manager", case["id"], "Here is the photo you asked for.")
    assert response.status_code == 201, response.text
    detail = (await portal.get("manager", case["id"])).json()
    assert detail["status"] == "in_progress"
    last = detail["timeline"][-2:]
    assert [e["kind"] for e in last] == ["message", "status_changed"]
    assert (last[1]["from_status"], last[1]["to_status"], last[1]["actor_id"], last[1]["actor_side"]) == (
        "waiting_for_customer",
        "in_progress",
        "manager",
        "customer",
    )
    staff = (await portal.get("agent", case["id"])).json()
    assert staff["paused_seconds"] >= 0
    events = await portal.published("cases.case.status_changed", 3)
    assert events[-1].data["new_status"] == "in_progress"
    assert events[-1].data["changed_by_side"] == "customer"


async def test_a_vendor_message_does_not_move_the_case(portal):
    case = await portal.new_case()
    await walk(portal, case["id"], "in_progress", "waiting_for_customer")
    assert (await portal.say("agent", case["id"], "Any news?")).status_code == 201
    assert (await portal.get("agent", case["id"])).json()["status"] == "waiting_for_customer"


async def test_resolved_cases_close_themselves_after_14_days(portal):
    old, recent = await portal.new_case(), await portal.new_case()
    for case in (old, recent):
        await walk(portal, case["id"], "in_progress", "resolved")
    await resolved_days_ago(portal, old["id"], 15)
    app = portal.app
    assert await close_resolved_cases(app.state.db, app.state.outbox, timedelta(days=14)) == 1
    assert await close_resolved_cases(app.state.db, app.state.outbox, timedelta(days=14)) == 0
    assert (await portal.get("manager", old["id"])).json()["status"] == "closed"
    assert (await portal.get("manager", recent["id"])).json()["status"] == "resolved"
    closing = (await portal.get("agent", old["id"])).json()["timeline"][-1]
    assert (closing["to_status"], closing["actor_id"], closing["actor_side"]) == (
        "closed",
        "system",
        "system",
    )
    [event] = [
        e for e in await portal.staged("cases.case.status_changed") if e["data"]["new_status"] == "closed"
    ]
    assert event["data"]["changed_by"] == "system"
