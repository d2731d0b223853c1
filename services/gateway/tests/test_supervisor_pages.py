"""F-42 in the portal: the supervisor's page "Departments and routing". Only supervisors find it in the menu
and open it; its forms send the cases service's operations and show its refusals next to the field at fault,
in the visitor's language."""

import pytest

from services.gateway.tests.gateway_fakes import csrf_of, log_in

PAGE = "/supervisor/routing"


@pytest.fixture
async def supervisor(gateway, fakes):
    fakes.staff_role = "supervisor"
    await log_in(gateway)
    return gateway


@pytest.mark.parametrize("staff_role", [None, "agent"])
async def test_customers_and_agents_neither_see_nor_open_the_page(gateway, fakes, staff_role):
    fakes.staff_role = staff_role
    await log_in(gateway)
    assert f'href="{PAGE}"' not in (await gateway.get("/")).text
    assert (await gateway.get(PAGE)).status_code == 403
    token = csrf_of((await gateway.get("/profile")).text)
    posted = await gateway.post(
        "/supervisor/routing-rules",
        data={"type": "incident", "category": "", "department": "supplies", "csrf_token": token},
    )
    assert posted.status_code == 403
    assert fakes.of("cases", "PUT") == []


async def test_a_supervisor_finds_the_page_with_departments_members_and_rules(supervisor, fakes):
    fakes.department_members["supplies"] = ["agent-1"]
    home = await supervisor.get("/", follow_redirects=True)  # the console
    assert f'href="{PAGE}"' in home.text
    page = await supervisor.get(PAGE)
    assert page.status_code == 200, page.text
    for text in (
        "Departments and routing",
        "Technical support",
        "Accounts department",
        "Sven",
        "Any category",
    ):
        assert text in page.text
    # A default rule is changed, never deleted: its row offers no delete button.
    assert page.text.count('data-action="delete_rule"') == 0
    assert page.text.count('data-action="change_rule"') == len(fakes.rules)
    assert page.text.count('data-action="remove_member"') == 1


async def test_adding_and_removing_a_member_calls_the_cases_service(supervisor, fakes):
    token = csrf_of((await supervisor.get(PAGE)).text)
    added = await supervisor.post(
        "/supervisor/departments/logistics/members", data={"user_id": "agent-1", "csrf_token": token}
    )
    assert added.status_code == 303
    assert added.headers["location"] == f"{PAGE}?notice=member_added#department-logistics"
    assert fakes.department_members["logistics"] == ["agent-1"]
    removed = await supervisor.post(
        "/supervisor/departments/logistics/members/agent-1/remove", data={"csrf_token": token}
    )
    assert removed.status_code == 303 and fakes.department_members["logistics"] == []
    calls = [(c.method, c.path) for c in fakes.of("cases") if "/departments/" in c.path]
    assert calls == [
        ("PUT", "/api/cases/v1/departments/logistics/members/agent-1"),
        ("DELETE", "/api/cases/v1/departments/logistics/members/agent-1"),
    ]


async def test_an_unknown_person_is_shown_next_to_the_member_field(supervisor, fakes):
    token = csrf_of((await supervisor.get(PAGE)).text)
    refused = await supervisor.post(
        "/supervisor/departments/supplies/members", data={"user_id": "ghost", "csrf_token": token}
    )
    assert refused.status_code == 404
    assert 'id="f-m-supplies-user_id-error"' in refused.text
    assert "This person is not known to the portal yet." in refused.text


async def test_a_rule_is_added_changed_and_deleted(supervisor, fakes):
    token = csrf_of((await supervisor.get(PAGE)).text)
    rule = {"form": "add", "type": "incident", "category": "paper_jam", "department": "supplies"}
    saved = await supervisor.post("/supervisor/routing-rules", data={**rule, "csrf_token": token})
    assert saved.headers["location"] == f"{PAGE}?notice=rule_saved#rules"
    assert fakes.rules[("incident", "paper_jam")] == "supplies"
    default = {"form": "rule-incident-any", "type": "incident", "category": "", "department": "logistics"}
    await supervisor.post("/supervisor/routing-rules", data={**default, "csrf_token": token})
    assert fakes.rules[("incident", None)] == "logistics"
    page = (await supervisor.get(PAGE)).text
    assert page.count('data-action="delete_rule"') == 1
    deleted = await supervisor.post(
        "/supervisor/routing-rules/delete",
        data={"type": "incident", "category": "paper_jam", "csrf_token": token},
    )
    assert deleted.headers["location"] == f"{PAGE}?notice=rule_deleted#rules"
    assert ("incident", "paper_jam") not in fakes.rules
    puts = [c.path for c in fakes.of("cases", "PUT")]
    assert puts == ["/api/cases/v1/routing-rules/incident/paper_jam", "/api/cases/v1/routing-rules/incident"]


async def test_a_refused_rule_keeps_the_choices_and_names_the_field_in_spanish(gateway, fakes):
    fakes.staff_role, fakes.me["language"] = "supervisor", "es"
    await log_in(gateway)
    page = await gateway.get(PAGE)
    assert "Departamentos y asignación" in page.text and "Cualquier categoría" in page.text
    rule = {"form": "add", "type": "removal", "category": "paper_jam", "department": "accounts"}
    refused = await gateway.post("/supervisor/routing-rules", data={**rule, "csrf_token": csrf_of(page.text)})
    assert refused.status_code == 422
    assert 'id="f-add-category-error"' in refused.text
    assert "Los casos del tipo «Retirada» no tienen la categoría «Atasco de papel»." in refused.text
    assert '<option value="accounts" selected>' in refused.text
