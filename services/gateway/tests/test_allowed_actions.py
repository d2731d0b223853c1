"""The pages offer exactly what the services allow (`allowed_actions`): no page decides a role rule itself."""

import re

import pytest

from services.gateway.tests.gateway_fakes import CASE_ID, DEVICE_ID, log_in


def actions_on(html: str) -> set[str]:
    return set(re.findall(r'data-action="([^"]+)"', html))


async def logged_in_as(gateway, fakes, role: str, staff_role: str | None = None):
    fakes.role, fakes.staff_role = role, staff_role
    response = await log_in(gateway)
    assert response.status_code == 303, response.text
    return gateway


@pytest.mark.parametrize(
    ("role", "dashboard", "device"),
    [
        (
            "administrator",
            {"report_problem", "ask_about_account", "order_toner"},  # the toner running low (F-71)
            {
                "report_problem",
                "order_supplies",
                "request_relocation",
                "request_removal",
                "update_location",
                "submit_reading",
            },
        ),
        (
            "device_manager",
            {"report_problem"},
            {"report_problem", "request_relocation", "request_removal", "update_location", "submit_reading"},
        ),
        ("stock_manager", {"order_toner"}, {"order_supplies"}),
        ("knowledge_user", set(), set()),
    ],
)
async def test_dashboard_and_device_page_offer_what_the_role_allows(gateway, fakes, role, dashboard, device):
    client = await logged_in_as(gateway, fakes, role)
    assert actions_on((await client.get("/")).text) == dashboard
    assert actions_on((await client.get(f"/devices/{DEVICE_ID}")).text) == device


async def test_the_stock_manager_is_not_offered_a_problem_report_form(gateway, fakes):
    client = await logged_in_as(gateway, fakes, "stock_manager")
    html = (await client.get(f"/cases/new?device_id={DEVICE_ID}")).text
    assert 'action="/cases/new"' not in html
    assert "you cannot report a problem here" in html


async def test_the_users_menu_follows_the_token_actions(gateway, fakes):
    client = await logged_in_as(gateway, fakes, "device_manager")
    assert 'href="/account/users"' not in (await client.get("/")).text
    assert (await client.get("/account/users")).status_code == 403
    client = await logged_in_as(gateway, fakes, "administrator")
    assert 'href="/account/users"' in (await client.get("/")).text


async def test_staff_get_the_case_queue_and_the_correction_form(gateway, fakes):
    client = await logged_in_as(gateway, fakes, "knowledge_user", staff_role="agent")
    home = await client.get("/")  # the staff's home is their console
    assert (home.status_code, home.headers["location"]) == (303, "/agent")
    assert actions_on((await client.get(f"/devices/{DEVICE_ID}")).text) == {
        "update_location",
        "submit_reading",
        "record_correction",
    }


async def test_a_closed_case_takes_no_reply(gateway, fakes):
    fakes.cases[CASE_ID].update(status="closed", allowed_transitions=[])
    client = await logged_in_as(gateway, fakes, "device_manager")
    assert actions_on((await client.get(f"/cases/{CASE_ID}")).text) == set()
    fakes.cases[CASE_ID].update(status="new", allowed_transitions=["cancelled"])
    assert actions_on((await client.get(f"/cases/{CASE_ID}")).text) == {"reply", "status:cancelled"}
