"""F-40: who works a case. An agent takes a case of their department in one click or gives it to a colleague of
that department; a supervisor gives it to anyone of the staff; anyone of the staff takes it off its assignee.
Each change is audited with the assignee before and after and published as `cases.case.assigned`."""

import pytest
from sqlalchemy import select

from cases.audit.models import AuditEntry


async def assign(portal, user_id: str, case_id: str, assignee_id: str | None):
    return await portal.client.post(
        f"/api/cases/v1/cases/{case_id}/assign",
        json={"assignee_id": assignee_id},
        headers=portal.auth(user_id),
    )


async def assignments(portal) -> list[AuditEntry]:
    async with portal.app.state.db.session() as session:
        query = select(AuditEntry).where(AuditEntry.action == "case.assigned").order_by(AuditEntry.at)
        return list((await session.scalars(query)).all())


@pytest.fixture
async def staffed(portal):
    """Technical support: the agent and the second agent; the supervisor works in no department."""
    await portal.place("technical_support", "agent", "agent2")
    return portal


async def test_an_agent_takes_a_case_of_their_department_published_and_audited(staffed):
    case = await staffed.new_case()
    response = await assign(staffed, "agent", case["id"], "agent")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["assignee_id"], body["assignee"]) == ("agent", {"id": "agent", "name": "Agnes Agent"})
    assert "assign_to_self" not in body["allowed_actions"] and "unassign" in body["allowed_actions"]
    [event] = await staffed.published("cases.case.assigned")
    assert event.subject == case["id"]
    assert {k: v for k, v in event.data.items() if k != "assigned_at"} == {
        "case_id": case["id"],
        "number": case["number"],
        "department": "technical_support",
        "assignee_id": "agent",
        "previous_assignee_id": None,
        "assigned_by": "agent",
    }
    [entry] = await assignments(staffed)
    assert (entry.actor_id, entry.case_id) == ("agent", case["id"])
    assert (entry.old_values, entry.new_values) == ({"assignee_id": None}, {"assignee_id": "agent"})


async def test_a_colleague_of_the_department_gets_it_and_then_nobody(staffed):
    case = await staffed.new_case()
    assert (await assign(staffed, "agent", case["id"], "agent2")).status_code == 200
    unassigned = await assign(staffed, "agent2", case["id"], None)
    assert unassigned.status_code == 200 and unassigned.json()["assignee"] is None
    _, second = await staffed.published("cases.case.assigned", 2)
    assert (second.data["assignee_id"], second.data["previous_assignee_id"]) == (None, "agent2")
    assert second.data["assigned_by"] == "agent2"
    entries = await assignments(staffed)
    assert [(e.old_values, e.new_values) for e in entries] == [
        ({"assignee_id": None}, {"assignee_id": "agent2"}),
        ({"assignee_id": "agent2"}, {"assignee_id": None}),
    ]


async def test_assigning_the_same_person_again_changes_nothing(staffed):
    case = await staffed.new_case()
    await assign(staffed, "agent", case["id"], "agent")
    again = await assign(staffed, "agent", case["id"], "agent")
    assert again.status_code == 200
    assert len(await staffed.staged("cases.case.assigned")) == 1
    assert len(await assignments(staffed)) == 1


@pytest.mark.parametrize(
    ("assignee", "code"),
    [
        ("boss", "not_department_member"),  # staff, but not of technical support
        ("manager", "not_active_staff"),  # a customer
        ("nobody", "not_active_staff"),  # unknown
    ],
)
async def test_an_agent_gives_cases_only_to_colleagues_of_the_department(staffed, assignee, code):
    case = await staffed.new_case()
    response = await assign(staffed, "agent", case["id"], assignee)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("assignee_id", code)
    assert await staffed.staged("cases.case.assigned") == []
    assert await assignments(staffed) == []


async def test_an_agent_of_another_department_cannot_take_the_case(staffed):
    await staffed.client.delete(
        "/api/cases/v1/departments/technical_support/members/agent2", headers=staffed.auth("boss")
    )
    await staffed.place("supplies", "agent2")
    case = await staffed.new_case()
    detail = (await staffed.get("agent2", case["id"])).json()
    assert "assign" in detail["allowed_actions"] and "assign_to_self" not in detail["allowed_actions"]
    response = await assign(staffed, "agent2", case["id"], "agent2")
    assert response.status_code == 422
    assert response.json()["errors"][0]["params"] == {"department": "technical_support"}
    # ...but gives it to someone who works there.
    assert (await assign(staffed, "agent2", case["id"], "agent")).status_code == 200


async def test_a_supervisor_assigns_anyone_of_the_staff_themselves_included(staffed):
    case = await staffed.new_case()
    detail = (await staffed.get("boss", case["id"])).json()
    assert "assign_to_self" in detail["allowed_actions"]
    assert [p["id"] for p in detail["assignable"]] == ["agent", "agent2", "boss"]  # by name
    assert (await assign(staffed, "boss", case["id"], "boss")).status_code == 200
    await staffed.client.delete(
        "/api/cases/v1/departments/technical_support/members/agent2", headers=staffed.auth("boss")
    )
    assert (await assign(staffed, "boss", case["id"], "agent2")).status_code == 200
    refused = await assign(staffed, "boss", case["id"], "admin")
    assert refused.json()["errors"][0]["code"] == "not_active_staff"


async def test_customers_may_not_assign(staffed):
    case = await staffed.new_case()
    response = await assign(staffed, "manager", case["id"], "agent")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_a_closed_case_keeps_whoever_worked_it(staffed):
    case = await staffed.new_case()
    await staffed.set_status("manager", case["id"], "cancelled")
    response = await assign(staffed, "agent", case["id"], "agent")
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["params"]) == (
        "case_closed",
        {"number": case["number"], "status": "cancelled"},
    )
