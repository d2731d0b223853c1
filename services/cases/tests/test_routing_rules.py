"""F-10 and F-42: routing rules. The migrations seed each type's default rule from the former fixed map; a new
case goes to the department of its most specific rule; supervisors alone list, set and delete rules, each
change audited with the department before and after; a changed rule routes only the cases created after it."""

import asyncio

import pytest
from sqlalchemy import select

from cases.audit.models import AuditEntry
from cases.case.routing import DEPARTMENT_BY_TYPE
from cases.departments.models import RoutingRule
from cases.departments.rules import department_for
from cases.main import create_app
from cases.settings import Settings
from services.cases.tests.cases_support import catalogue_event, consumables, inquiry
from shared.migrate import upgrade
from shared.testing import app_client, fresh_postgres_database

RULES = "/api/cases/v1/routing-rules"


async def rules(portal, user_id: str = "boss"):
    return await portal.client.get(RULES, headers=portal.auth(user_id))


async def set_rule(portal, path: str, department: str, user_id: str = "boss", **body):
    return await portal.client.put(
        f"{RULES}/{path}", json={"department": department, **body}, headers=portal.auth(user_id)
    )


async def delete_rule(portal, path: str, user_id: str = "boss"):
    return await portal.client.delete(f"{RULES}/{path}", headers=portal.auth(user_id))


async def department_of_new_incident(portal, category: str) -> str:
    return (await portal.new_case("admin", "d4", category=category))["department"]


def field_codes(response) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


async def test_the_migrations_seed_each_types_default_rule_from_the_former_map(migrated_portal):
    answer = await rules(migrated_portal)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [(r["type"], r["category"], r["department"]) for r in body["items"]] == [
        (case_type.value, None, department.value) for case_type, department in DEPARTMENT_BY_TYPE.items()
    ]
    assert all(r["allowed_actions"] == ["change"] for r in body["items"])  # a default rule stays
    assert body["allowed_actions"] == ["add"]
    assert body["categories"]["incident"][0] == "paper_jam" and body["categories"]["removal"] == []
    assert "invoice" in body["categories"]["account_inquiry"]


@pytest.mark.parametrize("user_id", ["admin", "manager", "agent"])
async def test_only_supervisors_see_and_change_the_rules(migrated_portal, user_id):
    assert (await rules(migrated_portal, user_id)).status_code == 403
    assert (await set_rule(migrated_portal, "incident", "supplies", user_id)).status_code == 403
    assert (await set_rule(migrated_portal, "incident/paper_jam", "supplies", user_id)).status_code == 403
    assert (await delete_rule(migrated_portal, "incident/paper_jam", user_id)).status_code == 403
    assert await migrated_portal.count(RoutingRule) == len(DEPARTMENT_BY_TYPE)
    assert await migrated_portal.count(AuditEntry) == 0


async def test_the_most_specific_rule_wins(migrated_portal):
    portal = migrated_portal
    assert (await set_rule(portal, "incident", "logistics")).status_code == 200
    answer = await set_rule(portal, "incident/paper_jam", "accounts")
    assert answer.status_code == 200, answer.text
    assert answer.json() | {"updated_at": None} == {
        "type": "incident",
        "category": "paper_jam",
        "department": "accounts",
        "updated_at": None,
        "allowed_actions": ["change", "delete"],
    }
    assert await department_of_new_incident(portal, "paper_jam") == "accounts"
    assert await department_of_new_incident(portal, "print_quality") == "logistics"
    listed = [(r["type"], r["category"]) for r in (await rules(portal)).json()["items"]]
    assert listed[:2] == [("incident", None), ("incident", "paper_jam")]


async def test_a_changed_rule_routes_the_next_case_and_leaves_earlier_cases_where_they_are(migrated_portal):
    portal = migrated_portal
    before = await portal.new_case("admin", "d4", category="error_code")
    assert before["department"] == "technical_support"
    assert (await set_rule(portal, "incident/error_code", "supplies")).status_code == 200
    after = await portal.new_case("admin", "d4", category="error_code")
    assert after["department"] == "supplies"
    assert (await set_rule(portal, "incident/error_code", "logistics")).status_code == 200  # replaced
    assert (await portal.new_case("admin", "d4", category="error_code"))["department"] == "logistics"
    assert (await portal.get("agent", before["id"])).json()["department"] == "technical_support"
    assert (await portal.get("agent", after["id"])).json()["department"] == "supplies"


async def test_rules_route_every_type_through_the_real_create_path(migrated_portal):
    portal = migrated_portal
    await portal.bus.deliver(catalogue_event())
    await set_rule(portal, "account_inquiry/invoice", "supplies")
    await set_rule(portal, "consumables", "logistics")
    invoice = (await portal.open("admin", inquiry(topic="invoice"))).json()
    contract = (await portal.open("admin", inquiry(topic="contract"))).json()
    order = (await portal.open("admin", consumables("d4"))).json()
    assert [invoice["department"], contract["department"], order["department"]] == [
        "supplies",
        "accounts",
        "logistics",
    ]


async def test_deleting_a_category_rule_falls_back_to_the_types_default(migrated_portal):
    portal = migrated_portal
    await set_rule(portal, "incident/noise_damage", "logistics")
    assert await department_of_new_incident(portal, "noise_damage") == "logistics"
    assert (await delete_rule(portal, "incident/noise_damage")).status_code == 204
    assert await department_of_new_incident(portal, "noise_damage") == "technical_support"
    missing = await delete_rule(portal, "incident/noise_damage")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


async def test_a_types_default_rule_is_changed_never_deleted(migrated_portal):
    response = await delete_rule(migrated_portal, "removal")
    assert response.status_code == 409, response.text
    assert (response.json()["code"], response.json()["params"]) == (
        "default_rule_required",
        {"type": "removal"},
    )
    assert await migrated_portal.count(RoutingRule) == len(DEPARTMENT_BY_TYPE)


async def test_every_change_is_audited_with_the_department_before_and_after(migrated_portal):
    portal = migrated_portal
    await set_rule(portal, "incident", "supplies")
    await set_rule(portal, "incident", "supplies")  # no change, no entry
    await set_rule(portal, "incident/other", "accounts")
    await delete_rule(portal, "incident/other")
    async with portal.app.state.db.session() as session:
        entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.at))).all()
    assert [(e.actor_id, e.action, e.details, e.old_values, e.new_values) for e in entries] == [
        (
            "boss",
            "routing_rule.set",
            {"type": "incident", "category": None},
            {"department": "technical_support"},
            {"department": "supplies"},
        ),
        (
            "boss",
            "routing_rule.set",
            {"type": "incident", "category": "other"},
            {"department": None},
            {"department": "accounts"},
        ),
        (
            "boss",
            "routing_rule.deleted",
            {"type": "incident", "category": "other"},
            {"department": "accounts"},
            {"department": None},
        ),
    ]


@pytest.mark.parametrize(
    "path, body, expected",
    [
        ("incident/coffee", {"department": "supplies"}, [("category", "not_a_category")]),
        ("removal/removal", {"department": "supplies"}, [("category", "not_a_category")]),
        ("account_inquiry/paper_jam", {"department": "supplies"}, [("category", "not_a_category")]),
        ("complaint", {"department": "supplies"}, [("type", "not_a_choice")]),
        ("complaint/paper_jam", {"department": "supplies"}, [("type", "not_a_choice")]),
        ("incident", {"department": "sales"}, [("department", "not_a_choice")]),
        ("incident/paper_jam", {}, [("department", "required")]),
        ("incident", {"department": "supplies", "priority": 1}, [("priority", "unexpected_field")]),
    ],
)
async def test_bad_rules_are_refused_naming_the_field_and_nothing_changes(
    migrated_portal, path, body, expected
):
    response = await migrated_portal.client.put(
        f"{RULES}/{path}", json=body, headers=migrated_portal.auth("boss")
    )
    assert response.status_code == 422, response.text
    assert field_codes(response) == expected
    assert await migrated_portal.count(RoutingRule) == len(DEPARTMENT_BY_TYPE)
    assert await migrated_portal.count(AuditEntry) == 0


async def test_a_category_refusal_names_the_category_and_the_type(migrated_portal):
    response = await set_rule(migrated_portal, "incident/coffee", "supplies")
    assert response.json()["errors"][0]["params"] == {"category": "coffee", "type": "incident"}


async def test_without_a_rule_a_case_goes_where_its_type_always_went(portal):
    """A database without rules (tables made from the models, nothing seeded) still routes every case."""
    assert await portal.count(RoutingRule) == 0
    assert (await portal.new_case("admin", "d4"))["department"] == "technical_support"
    assert (await portal.open("admin", inquiry())).json()["department"] == "accounts"


@pytest.mark.integration
async def test_on_postgresql_the_seeded_rules_route_and_simultaneous_writes_of_one_rule_never_fail(
    jwt_keys, token_for
):
    async with fresh_postgres_database() as url:
        await asyncio.to_thread(upgrade, "cases", url)
        app = create_app(Settings(database_url=url, amqp_url="memory://", jwt_public_keys=jwt_keys[1]))
        boss = {"Authorization": f"Bearer {token_for('boss', staff_role='supervisor')}"}
        async with app_client(app) as client:
            answers = await asyncio.gather(
                *(
                    client.put(f"{RULES}/incident/paper_jam", json={"department": "supplies"}, headers=boss)
                    for _ in range(5)
                )
            )
            assert {a.status_code for a in answers} <= {200, 409}, [a.text for a in answers]
            assert 200 in {a.status_code for a in answers}
            listed = (await client.get(RULES, headers=boss)).json()["items"]
            assert [(r["category"], r["department"]) for r in listed if r["type"] == "incident"] == [
                (None, "technical_support"),
                ("paper_jam", "supplies"),
            ]
            async with app.state.db.session() as session:
                assert await department_for(session, "incident", "paper_jam") == "supplies"
                assert await department_for(session, "incident", "other") == "technical_support"
