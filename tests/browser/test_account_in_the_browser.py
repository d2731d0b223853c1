"""In a real browser (F-41): the agent reaches a customer account's page from the queue, from a case and from the
search, and reads its account data, users, devices, cases, payments and credit status; in Spanish (the Ibérica
account, in good standing) and in Swedish (the Nordisk account, on watch)."""

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from shared.events.vendor import FleetDeviceOffline
from shared.testing import eventually_blocking
from tests.browser.test_incident_in_the_browser import log_in

pytestmark = pytest.mark.browser
AGENT, SUPPLIES_AGENT, ADMIN = "agent@canon.example", "supplies@canon.example", "admin@iberica.example"


@pytest.fixture
def agent_in_spanish(system) -> Iterator[None]:
    with system.client(system.login(AGENT)) as api:
        assert api.patch("/api/accounts/v1/me", json={"language": "es"}).status_code == 200
        try:
            yield
        finally:
            api.patch("/api/accounts/v1/me", json={"language": "en"})


def open_incident(system, subject: str) -> dict:
    with system.client(system.login(ADMIN)) as api:
        device = api.get("/api/accounts/v1/devices").json()["items"][0]
        answer = api.post(
            "/api/cases/v1/cases",
            json={
                "type": "incident",
                "device_id": device["id"],
                "category": "paper_jam",
                "subject": subject,
                "description": "Atasco en la bandeja 2.",
            },
        )
        assert answer.status_code == 201, answer.text
        return answer.json()


def expect_iberica_in_spanish(page: Page) -> None:
    expect(page.locator("h1")).to_contain_text("Ibérica Servicios Gráficos")
    expect(page.locator("#credit")).to_have_text("Situación de crédito")
    expect(page.locator("[data-section='credit'] [data-credit='good']").first).to_have_text("Al corriente")
    payments = page.locator("table[data-list='payments'] tbody tr")
    expect(payments.first).to_be_visible()
    expect(page.locator("table[data-list='payments']")).to_contain_text("F-2026-11-0234")
    expect(page.locator("table[data-list='payments']")).to_contain_text("Domiciliación bancaria")
    expect(page.locator("table[data-list='users']")).to_contain_text("stock@iberica.example")
    expect(page.locator("table[data-list='devices']")).to_contain_text("ES3826C0002")
    expect(page.locator("details[data-device='ES3826C0002']")).to_be_visible()
    expect(page.locator("#cases")).to_have_text("Casos")


def test_the_agent_reaches_the_account_from_the_queue_the_case_and_the_search_in_spanish(
    new_page, system, agent_in_spanish
):
    subject = f"Cuenta {uuid.uuid4().hex[:8]}"
    case = open_incident(system, subject)
    page = new_page("es-ES")
    log_in(page, AGENT)

    # From the queue: the account's name in the case's row.
    page.locator("#f-q").fill(subject)
    page.get_by_role("button", name="Aplicar filtros").click()
    row = page.locator("table.queue tbody tr")
    expect(row).to_have_count(1)
    row.get_by_role("link", name="Ibérica Servicios Gráficos S.L.").click()
    expect(page).to_have_url(re.compile(r"/agent/accounts/[0-9a-f-]+$"))
    expect_iberica_in_spanish(page)
    account_url = page.url

    # The account's cases, filtered, link to the case; the case's side panel links back.
    page.locator("#f-type").select_option("incident")
    page.get_by_role("button", name="Aplicar filtros").click()
    page.locator("table[data-list='cases']").get_by_role("link", name=case["number"]).click()
    expect(page).to_have_url(re.compile(f"/agent/cases/{case['id']}"))
    page.locator("aside.side-panel").get_by_role("link", name="Ibérica Servicios Gráficos S.L.").click()
    expect(page).to_have_url(account_url)

    # The search, by a device's serial number.
    page.get_by_role("link", name="Cuentas", exact=True).click()
    expect(page.locator("h1")).to_have_text("Buscar una cuenta")
    page.locator("#f-q").fill("ES3826C0002")
    page.get_by_role("button", name="Buscar", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("1 cuenta encontrada")
    page.locator("table[data-list='accounts']").get_by_role(
        "link", name="Ibérica Servicios Gráficos S.L."
    ).click()
    expect_iberica_in_spanish(page)


def offline_now(system, serial: str) -> None:
    """The fleet reports the device offline (the demo's report may have been ended by a later reading in an
    earlier test), and cases has it."""
    system.publish_vendor_events(FleetDeviceOffline(serial=serial, since=datetime.now(UTC)), source="fleet")
    with system.client(system.login(AGENT)) as api:
        eventually_blocking(
            lambda: any(
                item["serial"] == serial for item in api.get("/api/cases/v1/offline-devices").json()["items"]
            ),
            10,
            what=f"{serial} reported offline",
        )


def test_the_account_on_watch_in_swedish(new_page, system):
    offline_now(system, "SE6855A0006")
    page = new_page("sv-SE")
    log_in(page, SUPPLIES_AGENT)
    page.goto("/agent/accounts")
    expect(page.locator("h1")).to_have_text("Hitta ett konto")
    page.locator("#f-q").fill("admin@nordisk.example")
    page.get_by_role("button", name="Sök", exact=True).click()
    results = page.locator("table[data-list='accounts']")
    expect(results).to_contain_text("Under bevakning")
    results.get_by_role("link", name="Nordisk Tryckeri AB").click()
    expect(page.locator("h1")).to_contain_text("Nordisk Tryckeri AB")
    credit = page.locator("[data-section='credit']")
    expect(credit.locator("h2")).to_have_text("Kreditstatus")
    expect(credit.locator("dl [data-credit='watch']")).to_have_text("Under bevakning")
    expect(credit).to_contain_text("more than 30 days overdue")  # the finance system's own words
    expect(page.locator("table[data-list='credit-history'] tbody tr")).to_have_count(2)
    payments = page.locator("[data-section='payments']")
    expect(payments.locator("h2")).to_have_text("Betalningar")
    expect(payments).to_contain_text("F-2026-07-0567")
    expect(payments).to_contain_text("Banköverföring")
    expect(page.locator("table[data-list='devices']")).to_contain_text("SE6855A0006")
    offline = page.locator("table[data-list='devices'] tr", has_text="SE6855A0006").locator(
        "[data-field='fleet']"
    )
    expect(offline).to_contain_text("Frånkopplad")
    expect(offline).to_contain_text("Offline sedan")
