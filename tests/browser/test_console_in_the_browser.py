"""In a real browser (F-40): the demo agent, working in Spanish, lands on her console, finds the queue of technical
support sorted by due time with the overdue case marked in words, opens it, sees the account and the customer's
contact beside it, and assigns it to herself; the followers are named beside it too. The console also reads in
English and Swedish. A screenshot of the agent's case page at a desk's and a phone's width goes to var/screenshots/.

Two due times are written into the cases database here, to have an overdue case and one due later today whatever
the time; the third case keeps the one the service-level clock (F-12) gave it, sixteen business hours on."""

import asyncio
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.browser.screens import screenshot
from tests.browser.test_incident_in_the_browser import log_in

pytestmark = pytest.mark.browser
AGENT, SUPPLIES_AGENT, ADMIN = "agent@canon.example", "supplies@canon.example", "admin@iberica.example"


def set_due(system, case_id: str, due: datetime) -> None:
    async def write() -> None:
        engine = create_async_engine(system.config.database_urls["cases"])
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE support_case SET response_due_at = :due WHERE id = :id"),
                {"due": due, "id": case_id},
            )
        await engine.dispose()

    # In a thread of its own: this thread already runs Playwright's event loop.
    with ThreadPoolExecutor(1) as worker:
        worker.submit(asyncio.run, write()).result()


def open_incidents(system, subjects: list[str]) -> list[dict]:
    """The customer reports one incident per subject on her first device (they go to technical support)."""
    with system.client(system.login(ADMIN)) as api:
        device_id = api.get("/api/accounts/v1/devices").json()["items"][0]["id"]
        cases = []
        for subject in subjects:
            body = {
                "type": "incident",
                "device_id": device_id,
                "category": "paper_jam",
                "subject": subject,
                "description": "Atasco en la bandeja 2.",
            }
            answer = api.post("/api/cases/v1/cases", json=body)
            assert answer.status_code == 201, answer.text
            cases.append(answer.json())
        return cases


@pytest.fixture
def agent_in_spanish(system) -> Iterator[None]:
    """The demo agent works in Spanish for this test, and in English again afterwards."""
    with system.client(system.login(AGENT)) as api:
        assert api.patch("/api/accounts/v1/me", json={"language": "es"}).status_code == 200
        try:
            yield
        finally:
            api.patch("/api/accounts/v1/me", json={"language": "en"})


def queue_numbers(page: Page) -> list[str]:
    return page.locator("table.queue tbody tr td:first-child a").all_inner_texts()


def test_the_agent_sees_the_queue_by_due_time_and_takes_the_overdue_case(new_page, system, agent_in_spanish):
    tag = f"Consola {uuid.uuid4().hex[:8]}"
    later, overdue, undated = open_incidents(
        system, [f"{tag} más tarde", f"{tag} vencido", f"{tag} sin fecha"]
    )
    now = system.clock.now()
    set_due(system, later["id"], now + timedelta(hours=6))
    set_due(system, overdue["id"], now - timedelta(hours=2))

    agent = new_page("es-ES")
    log_in(agent, AGENT)
    expect(agent).to_have_url(re.compile(r"/agent$"))  # her home is the console
    expect(agent.locator("h1")).to_have_text("Cola de casos")
    expect(agent.locator("nav.tabs")).to_contain_text("Soporte técnico")
    expect(agent.locator("nav.tabs")).to_contain_text("vencido")

    agent.locator("#f-q").fill(tag)
    agent.get_by_role("button", name="Aplicar filtros").click()
    expect(agent.locator("table.queue tbody tr")).to_have_count(3)
    assert queue_numbers(agent) == [overdue["number"], later["number"], undated["number"]]
    first_row = agent.locator("table.queue tbody tr").first
    expect(first_row).to_contain_text("Vencido")
    expect(first_row).to_contain_text("Ibérica Servicios Gráficos")
    expect(agent.locator("table.queue tbody tr").nth(1)).not_to_contain_text("Vencido")

    first_row.get_by_role("link", name=overdue["number"]).click()
    expect(agent).to_have_url(re.compile(f"/agent/cases/{overdue['id']}"))
    panel = agent.locator("aside.side-panel")
    expect(panel).to_contain_text("Ibérica Servicios Gráficos")
    expect(panel).to_contain_text("España")
    expect(panel).to_contain_text("admin@iberica.example")
    expect(panel).to_contain_text("horas laborables")
    expect(panel).to_contain_text(later["number"])  # the account's other open cases
    expect(panel.locator("#assignment")).to_contain_text("Nadie")

    panel.get_by_role("button", name="Asignármelo").click()
    expect(agent.get_by_role("status")).to_contain_text("El caso se ha asignado.")
    expect(agent.locator("#assignment")).to_contain_text("Alex Agent")
    expect(agent.locator("#assignment form[data-action='unassign']")).to_be_visible()
    expect(agent.locator("#assignment form[data-action='assign_to_self']")).to_have_count(0)

    with system.client(system.login(AGENT)) as api:
        me = api.get("/api/accounts/v1/me").json()
        assert api.get(f"/api/cases/v1/cases/{overdue['id']}").json()["assignee_id"] == me["id"]

    # Who is emailed about the case, by name (the customer who wrote it among them), and who may change that.
    with system.client(system.login(ADMIN)) as api:
        writer = api.get("/api/accounts/v1/me").json()
    followers = agent.locator("#followers")
    expect(followers.locator("ul.followers")).to_contain_text(writer["name"])
    expect(followers).not_to_contain_text(writer["id"])
    expect(followers).to_contain_text("Los clientes siguen un caso o dejan de seguirlo desde su página")
    expect(followers.locator("form")).to_have_count(0)
    screenshot(agent, "agent-case-es")


@pytest.mark.parametrize(
    ("login", "locale", "title", "department", "search"),
    [
        (AGENT, "en-GB", "Case queue", "Technical support", "Apply filters"),
        (SUPPLIES_AGENT, "sv-SE", "Ärendekö", "Förbrukningsmaterial", "Filtrera"),
    ],
)
def test_the_console_in_english_and_swedish(new_page, login, locale, title, department, search):
    page = new_page(locale)
    log_in(page, login)
    expect(page).to_have_url(re.compile(r"/agent$"))
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("nav.tabs [aria-current='page']")).to_have_count(1)
    expect(page.locator("nav.tabs")).to_contain_text(department)
    expect(page.get_by_role("button", name=search)).to_be_visible()
