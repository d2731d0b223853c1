"""In a real browser, in Spanish and Swedish (F-16, F-42): the Device Manager solves a paper jam with a guide and
nothing is created; another guide that does not help opens the case form with the steps tried, and the agent
reads them on the case; typing "atasco" beside the case form suggests the paper-jam guide; the Knowledge User
sees only the guides; a supervisor rewrites a guide's Swedish text and publishes it, and a Swedish customer's
new run follows it."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_incident_in_the_browser import log_in
from tests.system import first_match

pytestmark = pytest.mark.browser
MANAGER, AGENT, KNOWLEDGE = "devices@iberica.example", "agent@canon.example", "knowledge@iberica.example"
SUPERVISOR, SWEDISH = "supervisor@canon.example", "admin@nordisk.example"
SERIAL = "ES3826C0002"


def device_option(page: Page, serial: str) -> str:
    """The value of the device select's option for this serial."""
    return page.locator("#f-device_id option", has_text=serial).get_attribute("value") or ""


def cases_of(system, email: str) -> int:
    with system.client(system.login(email)) as api:
        return api.get("/api/cases/v1/cases").json()["total"]


def answer(page: Page, solved: bool) -> None:
    page.locator(
        "form[action$='/answer']", has=page.locator(f"input[value='{'solved' if solved else 'not_solved'}']")
    ).locator("button").click()


def test_a_guide_solves_a_paper_jam_and_another_leads_to_a_case_with_the_steps_tried(new_page, system):
    before = cases_of(system, MANAGER)
    page = new_page("es-ES")
    log_in(page, MANAGER)
    page.locator("nav.main-nav a", has_text="Guías").click()
    expect(page.locator("h1")).to_have_text("Guías de autoayuda")
    page.locator("#f-device_id").select_option(device_option(page, SERIAL))
    page.locator("#f-category").select_option("paper_jam")
    page.locator("form.guide-search button[type=submit]").click()
    page.locator("li[data-guide='paper-jam'] a").click()
    expect(page.locator("h1")).to_have_text("Atasco de papel")
    page.locator("form[action='/help/runs'] button").click()

    expect(page.locator(".guide-step h2")).to_have_text("Paso 1")
    expect(page.locator(".step-text")).to_contain_text("Abra la bandeja de papel")
    answer(page, solved=False)
    expect(page.locator(".guide-step h2")).to_have_text("Paso 2")
    answer(page, solved=True)
    expect(page.locator("[data-outcome='solved']")).to_contain_text("No se ha abierto ningún caso")
    run_id = first_match(r"/help/runs/([0-9a-f-]{36})", page.url, 1)
    assert cases_of(system, MANAGER) == before
    with system.client(system.login(MANAGER)) as api:
        run = api.get(f"/api/cases/v1/guide-runs/{run_id}").json()
    assert (run["status"], [s["answer"] for s in run["steps_tried"]]) == ("solved", ["not_solved", "solved"])

    # Another guide, which does not help: the case form opens with the device, the category and the steps tried.
    page.goto("/help/guides?category=print_quality")
    page.locator("li[data-guide='streaks-faded-print'] a").click()
    page.locator("#f-device_id").select_option(device_option(page, SERIAL))
    page.locator("form[action='/help/runs'] button").click()
    for _ in range(3):
        answer(page, solved=False)
    expect(page).to_have_url(re.compile(r"/cases/new\?guide_run="))
    expect(page.locator("[data-section='steps-tried'] li")).to_have_count(3)
    expect(page.locator("#f-category")).to_have_value("print_quality")
    expect(page.locator("#f-device_id option:checked")).to_contain_text(SERIAL)
    page.locator("#f-description").fill("Las copias salen con rayas verticales.")
    page.locator("form[action='/cases/new'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cases/[0-9a-f-]{36}"))
    expect(page.locator("[data-section='steps-tried'] li")).to_have_count(3)
    case_path = first_match(r"/cases/[0-9a-f-]{36}", page.url)
    assert cases_of(system, MANAGER) == before + 1

    agent = new_page("en-GB")
    log_in(agent, AGENT)
    agent.goto(f"/agent{case_path}")
    steps = agent.locator("[data-section='steps-tried']")
    expect(steps).to_contain_text("Steps tried before the case")
    expect(steps.locator("li").first).to_contain_text("clean the scanner glass")
    expect(steps.locator("li").first).to_contain_text("Not solved")


def test_typing_atasco_beside_the_case_form_suggests_the_paper_jam_guide(new_page):
    page = new_page("es-ES")
    log_in(page, MANAGER)
    page.goto("/cases/new")
    page.locator("#f-device_id").select_option(device_option(page, SERIAL))
    page.locator("#f-subject").press_sequentially("atasco", delay=30)
    expect(page.locator("#guide-suggestions a", has_text="Atasco de papel")).to_be_visible()
    page.locator("#guide-suggestions a", has_text="Atasco de papel").click()
    expect(page.locator("h1")).to_have_text("Atasco de papel")


def test_the_knowledge_user_sees_only_the_guides(new_page):
    page = new_page("es-ES")
    log_in(page, KNOWLEDGE)
    expect(page).to_have_url(re.compile(r"/help/guides$"))
    links = page.locator("nav.main-nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert links == ["/help/guides", "/profile"]
    expect(page.locator("li[data-guide='paper-jam']")).to_be_visible()


def test_a_supervisor_publishes_a_swedish_text_that_new_runs_follow(new_page, system):
    customer = new_page("sv-SE")
    log_in(customer, SWEDISH)
    customer.goto("/help/guides?q=skanna")
    customer.locator("li[data-guide='scan-to-email'] a").click()
    customer.locator("form[action='/help/runs'] button").click()
    expect(customer.locator(".step-text")).to_contain_text("Kontrollera att mottagarens adress")
    earlier = customer.url

    boss = new_page("es-ES")
    log_in(boss, SUPERVISOR)
    boss.goto("/supervisor/guides")
    boss.locator("tr[data-guide='scan-to-email'] a").click()
    boss.locator("a[data-action='edit:sv']").click()
    expect(boss.locator("h1")).to_have_text("Textos en Svenska")
    boss.locator("#f-step_s1").fill(
        "Kontrollera mottagarens e-postadress i adressboken och skicka en sida igen."
    )
    boss.locator("form[action$='/edit'] button[type=submit]").click()
    expect(boss.locator(".notice")).to_contain_text("Se ha guardado el borrador")
    boss.locator("form[data-action='publish'] button").click()
    expect(boss.locator(".notice")).to_contain_text("Se ha publicado la guía")
    version = first_match(r"versión (\d+)", boss.locator("[data-field='guide-status']").inner_text(), 1)

    customer.goto("/help/guides?q=skanna")
    customer.locator("li[data-guide='scan-to-email'] a").click()
    customer.locator("form[action='/help/runs'] button").click()
    expect(customer.locator(".step-text")).to_contain_text(
        "Kontrollera mottagarens e-postadress i adressboken"
    )
    with system.client(system.login(SWEDISH)) as api:
        later = api.get(f"/api/cases/v1/guide-runs/{customer.url.rsplit('/', 1)[1]}").json()
        kept = api.get(f"/api/cases/v1/guide-runs/{earlier.rsplit('/', 1)[1]}").json()
    assert later["version"] == int(version) == kept["version"] + 1
    customer.goto(earlier)
    expect(customer.locator(".step-text")).to_contain_text("Kontrollera att mottagarens adress")
