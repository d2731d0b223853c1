"""In a real browser (F-10, F-42): the demo supervisor, in Spanish, finds the demo agents in their departments,
adds a routing rule for one incident category and then changes it; the next incident of that category, reported
by a customer on the portal, lands in the department the rule names now. Agents find neither the page nor
its link."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_incident_in_the_browser import log_in
from tests.system import first_match

pytestmark = pytest.mark.browser
SUPERVISOR, AGENT, ADMIN = "supervisor@canon.example", "agent@canon.example", "admin@iberica.example"
PAGE = "/supervisor/routing"
ROW = "#rule-incident-print_quality"


def report_print_quality_problem(page: Page, subject: str) -> str:
    """The customer reports an incident of the category print quality; returns the new case's id."""
    page.goto("/cases/new")
    page.locator("#f-device_id").select_option(index=1)
    page.locator("#f-category").select_option("print_quality")
    page.locator("#f-subject").fill(subject)
    page.locator("#f-description").fill("Rayas grises en cada página.")
    page.locator("form button[type=submit]", has_text=re.compile("Enviar")).click()
    expect(page).to_have_url(re.compile(r"/cases/[0-9a-f-]{36}"))
    return first_match(r"/cases/([0-9a-f-]{36})", page.url, 1)


def department_of(system, case_id: str) -> str:
    with system.client(system.login(AGENT)) as api:
        return api.get(f"/api/cases/v1/cases/{case_id}").json()["department"]


def test_a_supervisor_changes_a_rule_in_spanish_and_the_next_case_follows_it(new_page, system):
    supervisor = new_page("es-ES")
    log_in(supervisor, SUPERVISOR)
    supervisor.locator("nav.main-nav").get_by_role("link", name="Departamentos y asignación").click()
    expect(supervisor).to_have_url(re.compile(PAGE))
    expect(supervisor.locator("h1")).to_have_text("Departamentos y asignación")
    expect(supervisor.locator("#department-technical_support")).to_contain_text("Alex Agent")
    expect(supervisor.locator("#department-supplies")).to_contain_text("Sam Supplies")

    # A rule for the incidents of one category: to logistics.
    add = supervisor.locator("form[data-action='add_rule']")
    add.locator("#f-add-type").select_option("incident")
    add.locator("#f-add-category").select_option("print_quality")
    add.locator("#f-add-department").select_option("logistics")
    add.get_by_role("button", name="Guardar regla").click()
    expect(supervisor.locator(".notice")).to_contain_text("La regla de asignación se ha guardado.")
    row = supervisor.locator(ROW)
    expect(row).to_contain_text("Calidad de impresión")
    expect(row.locator("select")).to_have_value("logistics")

    customer = new_page("es-ES")
    log_in(customer, ADMIN)
    first = report_print_quality_problem(customer, "Rayas en las copias")
    assert department_of(system, first) == "logistics"

    # The rule changed on its own row: to the accounts department.
    supervisor.locator(ROW).locator("select").select_option("accounts")
    supervisor.locator(ROW).locator("button", has_text="Guardar").click()
    expect(supervisor.locator(".notice")).to_contain_text("La regla de asignación se ha guardado.")
    expect(supervisor.locator(ROW).locator("select")).to_have_value("accounts")

    second = report_print_quality_problem(customer, "Siguen las rayas")
    assert department_of(system, second) == "accounts"
    assert department_of(system, first) == "logistics"  # a changed rule routes new cases only

    # The rule goes again, so print quality goes back to the incidents' department.
    supervisor.locator(ROW).locator("form[data-action='delete_rule'] button").click()
    expect(supervisor.locator(".notice")).to_contain_text("La regla de asignación se ha eliminado.")
    expect(supervisor.locator(ROW)).to_have_count(0)
    third = report_print_quality_problem(customer, "Otra vez rayas")
    assert department_of(system, third) == "technical_support"


def test_an_agent_neither_sees_the_link_nor_opens_the_page(new_page):
    agent = new_page("en-GB")
    log_in(agent, AGENT)
    expect(agent.locator("nav.main-nav")).to_contain_text("Case queue")
    expect(agent.locator("nav.main-nav")).not_to_contain_text("Departments and routing")
    response = agent.goto(PAGE)
    assert response is not None and response.status == 403
