"""F-40: the agents' queue. The open cases of the caller's departments (a supervisor: of every department), the
soonest due first, each marked breached or at risk, with the account, device and assignee an agent picks by;
filters checked and named when wrong; each department's counts for the tabs. Customers never get it."""

from datetime import UTC, datetime, timedelta

import pytest

from services.cases.tests.cases_support import catalogue_event, consumables, inquiry

QUEUE = "/api/cases/v1/queue"
# A Wednesday, 10:00 in Madrid (the test accounts' time zone): business hours.
NOW = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)


async def queue(portal, user_id: str, **params):
    return await portal.client.get(QUEUE, params=params, headers=portal.auth(user_id))


async def numbers(portal, user_id: str, **params) -> list[str]:
    response = await queue(portal, user_id, **params)
    assert response.status_code == 200, response.text
    return [item["number"] for item in response.json()["items"]]


def in_hours(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)


@pytest.fixture
async def staffed(portal, clock):
    """At NOW, the agent works in technical support, the second agent in supplies; the supervisor in none."""
    clock.set(NOW)
    await portal.place("technical_support", "agent")
    await portal.place("supplies", "agent2")
    return portal


@pytest.mark.parametrize("customer", ["admin", "manager", "knowledge"])
async def test_customers_are_refused_the_queue(staffed, customer):
    await staffed.new_case()
    response = await queue(staffed, customer)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_the_queue_is_sorted_by_due_time_with_the_cases_without_one_last(staffed):
    later, none_first, overdue, soon, none_second = [
        await staffed.new_case(subject=subject)
        for subject in ("later", "none 1", "overdue", "soon", "none 2")
    ]
    await staffed.set_case(later["id"], response_due_at=in_hours(5))
    await staffed.set_case(overdue["id"], response_due_at=in_hours(-2))
    await staffed.set_case(soon["id"], response_due_at=in_hours(0.5))
    expected = [overdue, soon, later, none_first, none_second]  # no due time: oldest first
    assert await numbers(staffed, "agent") == [case["number"] for case in expected]


async def test_breached_and_at_risk_flags(staffed):
    cases = {
        name: await staffed.new_case(subject=name)
        for name in ("breached", "answered", "paused", "at_risk", "in_time", "no_due")
    }
    await staffed.set_case(cases["breached"]["id"], response_due_at=in_hours(-1))
    await staffed.set_case(
        cases["answered"]["id"], response_due_at=in_hours(-1), first_response_at=in_hours(-2)
    )
    await staffed.set_case(cases["paused"]["id"], response_due_at=in_hours(-1), paused_since=in_hours(-3))
    await staffed.set_case(cases["at_risk"]["id"], response_due_at=in_hours(0.5))
    await staffed.set_case(cases["in_time"]["id"], response_due_at=in_hours(3))
    items = (await queue(staffed, "agent")).json()["items"]
    flags = {item["subject"]: (item["breached"], item["at_risk"]) for item in items}
    assert flags == {
        "breached": (True, False),
        "answered": (False, False),
        "paused": (False, False),
        "at_risk": (False, True),
        "in_time": (False, False),
        "no_due": (False, False),
    }
    assert next(i for i in items if i["subject"] == "paused")["paused"] is True


async def test_the_hour_left_is_counted_in_business_hours_of_the_account(staffed, clock):
    """Madrid opens 08:00-17:00 on weekdays: at 16:30, a case due at 08:20 tomorrow has 50 business minutes
    left, one due at 09:00 tomorrow an hour and a half."""
    clock.set(datetime(2026, 3, 11, 15, 30, tzinfo=UTC))  # Wednesday 16:30 in Madrid
    tight, roomy = [await staffed.new_case(subject=s) for s in ("tight", "roomy")]
    await staffed.set_case(tight["id"], response_due_at=datetime(2026, 3, 12, 7, 20, tzinfo=UTC))
    await staffed.set_case(roomy["id"], response_due_at=datetime(2026, 3, 12, 8, 0, tzinfo=UTC))
    items = (await queue(staffed, "agent")).json()["items"]
    assert [(i["subject"], i["at_risk"]) for i in items] == [("tight", True), ("roomy", False)]
    clock.set(datetime(2026, 3, 12, 7, 10, tzinfo=UTC))  # Thursday 08:10: twenty minutes to go
    items = (await queue(staffed, "agent")).json()["items"]
    assert [(i["subject"], i["at_risk"]) for i in items] == [("tight", True), ("roomy", True)]
    assert (await staffed.get("agent", roomy["id"])).json()["at_risk"] is True


async def test_an_item_names_account_device_and_assignee_and_says_what_the_agent_may_do(staffed):
    case = await staffed.new_case()
    [item] = (await queue(staffed, "agent")).json()["items"]
    assert item["account"] == {
        "id": "acc-1",
        "number": "N-acc-1",
        "name": "Account acc-1",
        "country": "ES",
        "credit_status": "good",  # until the finance system says otherwise (F-41)
        "credit_reason": "",
    }
    assert item["device"] == {"id": "d1", "serial": "SN-d1", "model": "imageRUNNER C3826i"}
    assert item["assignee"] is None
    assert item["allowed_actions"] == [
        "reply",
        "add_internal_note",
        "change_status",
        "assign",
        "assign_to_self",
    ]
    await staffed.client.post(
        f"/api/cases/v1/cases/{case['id']}/assign",
        json={"assignee_id": "agent"},
        headers=staffed.auth("agent"),
    )
    [item] = (await queue(staffed, "agent")).json()["items"]
    assert item["assignee"] == {"id": "agent", "name": "Agnes Agent"}
    assert item["allowed_actions"] == ["reply", "add_internal_note", "change_status", "assign", "unassign"]


async def test_only_open_cases_are_queued(staffed):
    open_case, resolved, cancelled = [
        await staffed.new_case(subject=s) for s in ("open", "resolved", "cancelled")
    ]
    for status in ("in_progress", "resolved"):
        await staffed.set_status("agent", resolved["id"], status)
    await staffed.set_status("manager", cancelled["id"], "cancelled")
    assert await numbers(staffed, "agent") == [open_case["number"]]


async def test_an_agent_sees_the_queues_of_their_departments_and_a_supervisor_every_one(staffed):
    await staffed.bus.deliver(catalogue_event())
    incident = await staffed.new_case()
    order = (await staffed.open("stock", consumables())).json()
    question = (await staffed.open("admin", inquiry())).json()
    assert await numbers(staffed, "agent") == [incident["number"]]
    assert await numbers(staffed, "agent2") == [order["number"]]
    assert set(await numbers(staffed, "boss")) == {incident["number"], order["number"], question["number"]}
    assert await numbers(staffed, "boss", department="accounts") == [question["number"]]
    refused = await queue(staffed, "agent", department="supplies")
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_in_department"
    assert refused.json()["params"] == {"department": "supplies"}
    # An agent of no department has no queue yet.
    await staffed.client.delete(
        "/api/cases/v1/departments/technical_support/members/agent", headers=staffed.auth("boss")
    )
    empty = (await queue(staffed, "agent")).json()
    assert (empty["items"], empty["departments"]) == ([], [])


async def test_counts_per_department_own_departments_first(staffed):
    await staffed.place("logistics", "boss")
    await staffed.bus.deliver(catalogue_event())
    overdue, mine, unassigned = [await staffed.new_case(subject=s) for s in ("overdue", "mine", "free")]
    await staffed.set_case(overdue["id"], response_due_at=in_hours(-1))
    await staffed.client.post(
        f"/api/cases/v1/cases/{mine['id']}/assign",
        json={"assignee_id": "agent"},
        headers=staffed.auth("agent"),
    )
    await staffed.open("stock", consumables())
    resolved = await staffed.new_case(subject="resolved")
    for status in ("in_progress", "resolved"):
        await staffed.set_status("agent", resolved["id"], status)
    # Counts stay those of the whole department whatever the filters.
    agent_view = (await queue(staffed, "agent", q="overdue")).json()
    assert agent_view["departments"] == [
        {"department": "technical_support", "member": True, "open": 3, "breached": 1, "unassigned": 2}
    ]
    boss_view = (await queue(staffed, "boss")).json()["departments"]
    assert [(d["department"], d["member"]) for d in boss_view] == [
        ("logistics", True),
        ("technical_support", False),
        ("supplies", False),
        ("accounts", False),
    ]
    assert next(d for d in boss_view if d["department"] == "supplies")["open"] == 1
    assert unassigned["number"] in await numbers(staffed, "agent", unassigned="true")


async def test_filters_narrow_the_queue(staffed):
    first = await staffed.new_case(subject="Paper jam in tray 2")
    second = await staffed.new_case("manager2", "d2", subject="Streaks", category="print_quality")
    await staffed.set_status("agent", second["id"], "in_progress")
    await staffed.client.post(
        f"/api/cases/v1/cases/{second['id']}/assign",
        json={"assignee_id": "agent"},
        headers=staffed.auth("agent"),
    )
    assert await numbers(staffed, "agent", status="in_progress") == [second["number"]]
    assert await numbers(staffed, "agent", type="consumables") == []
    assert await numbers(staffed, "agent", device_id="d1") == [first["number"]]
    assert await numbers(staffed, "agent", account_id="acc-2") == []
    assert await numbers(staffed, "agent", assignee_id="agent") == [second["number"]]
    assert await numbers(staffed, "agent", unassigned="true") == [first["number"]]
    assert await numbers(staffed, "agent", q="TRAY") == [first["number"]]
    assert await numbers(staffed, "agent", q=second["number"]) == [second["number"]]


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"status": "closed"}, "status", "not_a_choice"),
        ({"status": "sleeping"}, "status", "not_a_choice"),
        ({"type": "complaint"}, "type", "not_a_choice"),
        ({"department": "marketing"}, "department", "not_a_choice"),
        ({"unassigned": "perhaps"}, "unassigned", "not_a_choice"),
        ({"unassigned": "true", "assignee_id": "agent"}, "unassigned", "conflicting_filters"),
        ({"account_id": "x" * 37}, "account_id", "too_long"),
        ({"q": "x" * 201}, "q", "too_long"),
        ({"limit": 0}, "limit", "must_be_at_least"),
        ({"offset": -1}, "offset", "must_be_at_least"),
    ],
)
async def test_bad_filters_are_refused_naming_the_field(staffed, params, field, code):
    response = await queue(staffed, "agent", **params)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == (field, code)


async def test_the_queue_pages(staffed):
    cases = [await staffed.new_case(subject=f"case {n}") for n in range(5)]
    page = (await queue(staffed, "agent", limit=2, offset=2)).json()
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 2)
    assert [item["number"] for item in page["items"]] == [c["number"] for c in cases[2:4]]
