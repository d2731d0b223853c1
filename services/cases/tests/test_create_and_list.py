"""F-10 and F-11: opening an incident, its number and routing, and the filtered list."""

import asyncio
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from cases.audit.models import AuditEntry
from cases.case.models import Case


async def test_incident_is_created_numbered_and_routed(portal):
    response = await portal.create("manager", "d1", category="error_code", error_code="E000007-0001")
    assert response.status_code == 201, response.text
    case = response.json()
    year = datetime.now(UTC).year
    assert re.fullmatch(rf"CS-{year}-\d{{6}}", case["number"])
    assert case | {"id": case["id"], "number": case["number"], "created_at": case["created_at"]} == case
    assert {
        k: case[k]
        for k in (
            "status",
            "type",
            "category",
            "device_id",
            "account_id",
            "department",
            "created_by",
            "error_code",
        )
    } == {
        "status": "new",
        "type": "incident",
        "category": "error_code",
        "device_id": "d1",
        "account_id": "acc-1",
        "department": "technical_support",
        "created_by": "manager",
        "error_code": "E000007-0001",
    }
    # When it is due is the service-level clock's (test_service_level_clock.py).
    for key in ("id", "subject", "description", "created_at", "response_due_at"):
        assert case[key]
    assert "assignee_id" not in case


async def test_creation_is_audited_with_the_request_correlation_id(portal):
    response = await portal.client.post(
        "/api/cases/v1/cases",
        headers={**portal.auth("admin"), "X-Correlation-ID": "corr-123"},
        json={
            "device_id": "d4",
            "type": "incident",
            "category": "noise_damage",
            "subject": "Loud grinding",
            "description": "Since Monday.",
        },
    )
    assert response.status_code == 201, response.text
    async with portal.app.state.db.session() as session:
        # The one entry of a case (the accounts' arrival audited the creation of their calendar).
        entry = (await session.scalars(select(AuditEntry).where(AuditEntry.case_id.is_not(None)))).one()
    assert (entry.actor_id, entry.action, entry.case_id, entry.correlation_id) == (
        "admin",
        "case.created",
        response.json()["id"],
        "corr-123",
    )
    [event] = await portal.staged("cases.case.created")
    assert event["correlationid"] == "corr-123"


async def test_numbers_are_sequential(portal):
    numbers = [(await portal.new_case())["number"] for _ in range(3)]
    sequence = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert sequence == [sequence[0], sequence[0] + 1, sequence[0] + 2]


async def test_concurrent_creations_get_distinct_numbers(portal):
    responses = await asyncio.gather(*(portal.create("admin", "d4", subject=f"Case {i}") for i in range(10)))
    assert [r.status_code for r in responses] == [201] * 10
    numbers = sorted(int(r.json()["number"].rsplit("-", 1)[1]) for r in responses)
    assert numbers == list(range(numbers[0], numbers[0] + 10))


@pytest.mark.parametrize(
    "change, field",
    [
        ({"category": "coffee"}, "category"),
        ({"type": "complaint"}, "type"),
        ({"type": "consumables"}, "items"),  # another type validates its own fields
        ({"subject": ""}, "subject"),
        ({"subject": "   "}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"description": "y" * 5001}, "description"),
        ({"device_id": None}, "device_id"),
        ({"error_code": "z" * 51}, "error_code"),
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(portal, change, field):
    response = await portal.create("manager", **{"device_id": "d1", **change})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert await portal.count(Case) == 0
    assert await portal.case_audit_entries() == 0
    assert await portal.staged() == []


async def test_a_body_that_is_not_json_is_a_4xx(portal):
    response = await portal.client.post(
        "/api/cases/v1/cases",
        content=b"{not json",
        headers={**portal.auth("manager"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422


async def test_list_is_newest_first_and_pages(portal):
    created = [(await portal.new_case("admin", "d4", subject=f"Case {i}"))["id"] for i in range(5)]
    first = (await portal.cases("admin", limit=2)).json()
    second = (await portal.cases("admin", limit=2, offset=4)).json()
    past_the_last = (await portal.cases("admin", limit=2, offset=6)).json()
    assert (first["total"], first["limit"], first["offset"]) == (5, 2, 0)
    assert (second["total"], past_the_last["total"], past_the_last["items"]) == (5, 5, [])
    assert [c["id"] for c in first["items"]] == created[::-1][:2]
    assert [c["id"] for c in second["items"]] == created[:1]
    assert set(first["items"][0]) == {
        "id",
        "number",
        "status",
        "type",
        "category",
        "subject",
        "device_id",
        "account_id",
        "created_at",
        "updated_at",
        "response_due_at",
        "tracking_reference",
        "service_level",
    }


async def test_list_filters(portal):
    jam = await portal.new_case("admin", "d1", subject="Paper jam again")
    noisy = await portal.new_case(
        "admin", "d4", category="noise_damage", subject="Noise", description="A grinding noise from the fuser"
    )
    await portal.set_status("agent", noisy["id"], "in_progress")

    async def ids(**params) -> list[str]:
        response = await portal.cases("admin", **params)
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["items"]]

    assert await ids(status="in_progress") == [noisy["id"]]
    assert await ids(status="new") == [jam["id"]]
    assert await ids(device_id="d1") == [jam["id"]]
    assert await ids(type="incident") == [noisy["id"], jam["id"]]
    assert await ids(q="FUSER") == [noisy["id"]]
    assert await ids(q=jam["number"]) == [jam["id"]]
    assert await ids(q="100%") == []
    today = datetime.now(UTC).date()
    assert len(await ids(created_from=today.isoformat(), created_to=today.isoformat())) == 2
    assert await ids(created_from=(today + timedelta(days=1)).isoformat()) == []
    assert await ids(created_to=(today - timedelta(days=1)).isoformat()) == []


async def test_staff_filter_by_department_and_account(portal):
    mine = await portal.new_case("admin", "d1")
    theirs = await portal.new_case("other_admin", "d3")
    response = await portal.cases("agent", account_id="acc-2", department="technical_support")
    assert [c["id"] for c in response.json()["items"]] == [theirs["id"]]
    assert response.json()["items"][0]["department"] == "technical_support"
    assert (await portal.cases("agent", department="supplies")).json()["total"] == 0
    assert {c["id"] for c in (await portal.cases("agent")).json()["items"]} == {mine["id"], theirs["id"]}


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "lost"}, "status"),
        ({"offset": -1}, "offset"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"created_from": "yesterday"}, "created_from"),
        ({"type": "complaint"}, "type"),
    ],
)
async def test_bad_list_parameters_are_422(portal, params, field):
    response = await portal.cases("admin", **params)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
