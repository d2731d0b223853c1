"""The Stock Manager's dashboard in a real browser, in Spanish and in Swedish: the toner running low with its level
and days left (from the demo's four weeks of history) and a one-click order prefilled with the catalogue item and
the device's shipping instructions; once ordered, the dashboard says an order is open and suggests nothing. The
stock on site counted on the supplies page is shown beside the forecast."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_incident_in_the_browser import log_in
from tests.browser.test_requests_in_the_browser import devices_of

pytestmark = pytest.mark.browser


def toner_row(page: Page, serial: str, colour: str):
    return page.locator(
        f"table[data-section='toner-running-low'] tr[data-serial='{serial}'][data-colour='{colour}']"
    )


def test_the_stock_managers_dashboard_in_spanish_orders_the_low_toner_in_one_click(new_page, system):
    device = devices_of(system, "stock@iberica.example")["ES5860A0003"]
    page = new_page("es-ES")
    log_in(page, "stock@iberica.example")
    expect(page.locator("html")).to_have_attribute("lang", "es")

    page.goto("/supplies")
    section = page.locator(f"#device-{device['id']}")
    section.locator("textarea[name=instructions]").fill("Recepción de mercancías, de 8 a 14 h")
    section.locator("form[action$='/instructions'] button").click()
    expect(page.locator(".notice-success")).to_have_text("Se han guardado las instrucciones de envío.")
    section = page.locator(f"#device-{device['id']}")
    section.locator("input[id^='count-'][id$='C5860i-T-C']").fill("2")
    section.locator("form[action$='/C5860i-T-C/counted'] button").click()
    expect(page.locator(".notice-success")).to_have_text(
        "Se han actualizado las existencias en las instalaciones."
    )
    section = page.locator(f"#device-{device['id']}")
    section.locator("input[id^='used-'][id$='C5860i-T-C']").fill("5")
    section.locator("form[action$='/C5860i-T-C/used'] button").click()
    expect(page.locator(".error-summary")).to_contain_text(
        "Solo hay 2 de Toner cyan C5860i en las instalaciones."
    )

    page.goto("/")
    expect(page.locator("#toner-running-low")).to_have_text("Tóner que se está acabando")
    row = toner_row(page, "ES5860A0003", "cyan")
    expect(row).to_contain_text("Cian")
    expect(row).to_contain_text("12 %")
    expect(row).to_contain_text(re.compile(r"unos \d+ días \(de \d+ a \d+\)"))
    expect(row).to_contain_text(re.compile(r"2 en las instalaciones, unos \d+ días"))
    row.get_by_role("link", name="Pedir Toner cyan C5860i").click()

    expect(page).to_have_url(re.compile(rf"/devices/{device['id']}/order\?sku=C5860i-T-C"))
    expect(page.locator("#f-quantity_C5860i-T-C")).to_have_value("1")
    expect(page.locator("#f-instructions")).to_have_value("Recepción de mercancías, de 8 a 14 h")
    page.locator("form[action$='/order'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cases/[0-9a-f-]{36}"))

    page.goto("/")
    row = toner_row(page, "ES5860A0003", "cyan")
    expect(row).to_contain_text("Hay un pedido abierto")
    expect(row.get_by_role("link")).to_have_count(0)


def test_the_dashboard_in_swedish_shows_the_low_toner_with_a_prefilled_order(new_page, system):
    device = devices_of(system, "admin@nordisk.example")["SE5850C0007"]
    page = new_page("sv-SE")
    log_in(page, "admin@nordisk.example")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.locator("#devices-offline")).to_have_text("Enheter som är offline")
    expect(page.locator("#toner-running-low")).to_have_text("Toner som börjar ta slut")
    row = toner_row(page, "SE5850C0007", "yellow")
    expect(row).to_contain_text("14 %")
    expect(row).to_contain_text(re.compile(r"cirka \d+ dagar \(\d+ till \d+\)"))
    expect(row).to_contain_text("0 på plats")
    row.get_by_role("link", name=re.compile(r"^Beställ ")).click()
    expect(page).to_have_url(re.compile(rf"/devices/{device['id']}/order\?sku=C5850i-T-Y"))
    expect(page.locator("#f-quantity_C5850i-T-Y")).to_have_value("1")
    expect(page.locator("h1")).to_have_text("Beställ förbrukningsmaterial")
