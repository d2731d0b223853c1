"""F-42: who works in which department. Staff read the departments and their members; only supervisors add and
remove members, and only active staff may be added. Every change is audited with the members before and after."""

import pytest
from sqlalchemy import select

from cases.audit.models import AuditEntry
from cases.departments.models import DepartmentMember
from services.cases.tests.conftest import user_event
from shared.events import new_event
from shared.events.accounts import UserUpserted

DEPARTMENTS = ["technical_support", "supplies", "logistics", "accounts"]
SUPERVISOR_ACTIONS = ["add_member", "remove_member"]


async def departments(portal, user_id: str):
    return await portal.client.get("/api/cases/v1/departments", headers=portal.auth(user_id))


async def add(portal, user_id: str, department: str, member: str):
    return await portal.client.put(
        f"/api/cases/v1/departments/{department}/members/{member}", headers=portal.auth(user_id)
    )


async def remove(portal, user_id: str, department: str, member: str):
    return await portal.client.delete(
        f"/api/cases/v1/departments/{department}/members/{member}", headers=portal.auth(user_id)
    )


async def audit_entries(portal) -> list[AuditEntry]:
    """The department entries of the audit trail (the accounts' arrival adds calendar entries of its own)."""
    async with portal.app.state.db.session() as session:
        department = AuditEntry.action.startswith("department.")
        return list(
            (await session.scalars(select(AuditEntry).where(department).order_by(AuditEntry.at))).all()
        )


def members(answer: dict, department: str) -> list[str]:
    found = next(d for d in answer["items"] if d["department"] == department)
    return [member["user_id"] for member in found["members"]]


@pytest.mark.parametrize("customer", ["admin", "manager", "knowledge"])
async def test_customers_may_neither_see_nor_change_departments(portal, customer):
    assert (await departments(portal, customer)).status_code == 403
    assert (await add(portal, customer, "supplies", "agent")).status_code == 403
    assert (await remove(portal, customer, "supplies", "agent")).status_code == 403
    assert await portal.count(DepartmentMember) == 0


async def test_agents_see_every_department_and_its_members_but_change_nothing(portal):
    assert (await add(portal, "boss", "supplies", "agent2")).status_code == 200
    answer = await departments(portal, "agent")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [d["department"] for d in body["items"]] == DEPARTMENTS
    assert all(d["allowed_actions"] == [] for d in body["items"])
    assert next(d for d in body["items"] if d["department"] == "supplies")["members"] == [
        {"user_id": "agent2", "name": "Arvid Agent", "staff_role": "agent", "active": True}
    ]
    # The staff who could be picked: every active staff user, and no customer.
    assert {s["user_id"] for s in body["staff"]} == {"agent", "agent2", "boss"}
    assert (await add(portal, "agent", "supplies", "agent")).status_code == 403
    assert (await remove(portal, "agent", "supplies", "agent2")).status_code == 403
    assert members((await departments(portal, "boss")).json(), "supplies") == ["agent2"]


async def test_a_supervisor_puts_an_agent_in_several_departments_and_takes_them_out(portal):
    first = await add(portal, "boss", "technical_support", "agent")
    assert first.status_code == 200, first.text
    assert first.json() == {
        "department": "technical_support",
        "members": [{"user_id": "agent", "name": "Agnes Agent", "staff_role": "agent", "active": True}],
        "allowed_actions": SUPERVISOR_ACTIONS,
    }
    assert (await add(portal, "boss", "supplies", "agent")).status_code == 200
    assert (await add(portal, "boss", "supplies", "boss")).status_code == 200  # supervisors work cases too
    body = (await departments(portal, "boss")).json()
    assert all(d["allowed_actions"] == SUPERVISOR_ACTIONS for d in body["items"])
    assert members(body, "technical_support") == ["agent"]
    assert members(body, "supplies") == ["agent", "boss"]

    removed = await remove(portal, "boss", "supplies", "agent")
    assert removed.status_code == 200, removed.text
    assert [m["user_id"] for m in removed.json()["members"]] == ["boss"]
    assert members((await departments(portal, "agent")).json(), "technical_support") == ["agent"]


async def test_adding_or_removing_twice_changes_nothing_more(portal):
    for _ in range(2):
        assert (await add(portal, "boss", "logistics", "agent")).status_code == 200
    assert await portal.count(DepartmentMember) == 1
    for _ in range(2):
        assert (await remove(portal, "boss", "logistics", "agent")).status_code == 200
    assert await portal.count(DepartmentMember) == 0
    assert [e.action for e in await audit_entries(portal)] == [
        "department.member_added",
        "department.member_removed",
    ]


async def test_every_change_is_audited_with_the_members_before_and_after(portal):
    await add(portal, "boss", "accounts", "agent")
    await add(portal, "boss", "accounts", "agent2")
    await remove(portal, "boss", "accounts", "agent")
    entries = await audit_entries(portal)
    assert [(e.actor_id, e.actor_side, e.action, e.case_id) for e in entries] == [
        ("boss", "vendor", "department.member_added", None),
        ("boss", "vendor", "department.member_added", None),
        ("boss", "vendor", "department.member_removed", None),
    ]
    assert [(e.old_values, e.new_values) for e in entries] == [
        ({"members": []}, {"members": ["agent"]}),
        ({"members": ["agent"]}, {"members": ["agent", "agent2"]}),
        ({"members": ["agent", "agent2"]}, {"members": ["agent2"]}),
    ]
    assert entries[2].details == {"department": "accounts", "user_id": "agent"}


async def test_an_unknown_user_is_not_found(portal):
    response = await add(portal, "boss", "supplies", "nobody")
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "unknown_user"
    assert await portal.count(DepartmentMember) == 0


@pytest.mark.parametrize("user_id", ["manager", "admin", "retired"])
async def test_only_active_staff_may_be_added(portal, user_id):
    retired = UserUpserted.model_validate(
        {**user_event("agent2").data, "user_id": "retired", "active": False}
    )
    await portal.bus.deliver(new_event(retired, source="accounts"))
    response = await add(portal, "boss", "supplies", user_id)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("user_id", "not_active_staff")
    assert await portal.count(DepartmentMember) == 0 and await audit_entries(portal) == []


async def test_a_deactivated_member_stays_listed_until_removed(portal):
    await add(portal, "boss", "supplies", "agent2")
    gone = UserUpserted.model_validate({**user_event("agent2").data, "active": False})
    await portal.bus.deliver(new_event(gone, source="accounts"))
    body = (await departments(portal, "boss")).json()
    [member] = next(d for d in body["items"] if d["department"] == "supplies")["members"]
    assert (member["user_id"], member["active"]) == ("agent2", False)
    assert "agent2" not in {s["user_id"] for s in body["staff"]}
    assert (await remove(portal, "boss", "supplies", "agent2")).status_code == 200
    assert await portal.count(DepartmentMember) == 0


async def test_an_unknown_department_is_refused_naming_the_field(portal):
    response = await add(portal, "boss", "sales", "agent")
    assert response.status_code == 422, response.text
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("department", "not_a_choice")]
