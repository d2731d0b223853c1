"""The dashboard in a real browser, in Spanish and in Swedish (F-71): each section shows at most five items, the
soonest due first, and a "see all" link with the total that leads to the full list; the Stock Manager gets the
orders and the toner, no incidents. Other tests open cases in the same system, so the checks are relative: the
test opens enough cases itself and compares what the dashboard shows with what the full list says. Screenshots
at a desk's and a phone's width go to var/screenshots/."""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_conversation_in_the_browser import screenshot
from tests.browser.test_incident_in_the_browser import log_in
from tests.browser.test_requests_in_the_browser import devices_of

pytestmark = pytest.mark.browser
SEE_ALL = {"es": re.compile(r"^Ver (los )?(\d+)$"), "sv": re.compile(r"^Visa alla (\d+)$")}
NO_DUE = dt.datetime.max.replace(tzinfo=dt.UTC)


def open_incidents(system, email: str, count: int) -> None:
    """Open `count` incidents on the first device the user may report a problem on."""
    device = next(d for d in devices_of(system, email).values() if "report_problem" in d["allowed_actions"])
    with system.client(system.login(email)) as api:
        for index in range(count):
            created = api.post(
                "/api/cases/v1/cases",
                json={
                    "type": "incident",
                    "device_id": device["id"],
                    "category": "print_quality",
                    "subject": f"Streaks on the page {index + 1}",
                    "description": "Grey streaks down every page.",
                },
            )
            assert created.status_code == 201, created.text


def due_times(section) -> list[dt.datetime]:
    """Each row's response due time in the order shown (a row without one: after every other)."""
    found = []
    for row in section.locator("tbody tr").all():
        times = row.locator("td:nth-child(4) time")
        stamp = times.first.get_attribute("datetime") if times.count() else None
        found.append(dt.datetime.fromisoformat(stamp) if stamp else NO_DUE)
    return found


def see_all_count(page: Page, heading: str, language: str) -> int:
    link = page.locator(f"section[aria-labelledby={heading}] .see-all a")
    found = SEE_ALL[language].match(link.inner_text().strip())
    assert found, link.inner_text()
    return int(found.groups()[-1])


def check_the_open_cases(page: Page, language: str) -> None:
    section = page.locator("section[aria-labelledby=open-cases]")
    rows = section.locator("tbody tr")
    expect(rows).to_have_count(5)  # the test opened six: more than a section shows
    times = due_times(section)
    assert times == sorted(times)
    total = see_all_count(page, "open-cases", language)
    assert total >= 6
    for wrap in page.locator("main .table-wrap").all():  # reachable and named for the keyboard (axe)
        assert wrap.get_attribute("tabindex") == "0" and wrap.get_attribute("role") == "region"
        assert wrap.get_attribute("aria-label")
    section.locator(".see-all a").click()
    expect(page).to_have_url(re.compile(r"/cases\?status=open&type=incident$"))
    expect(page.get_by_role("status")).to_have_text(re.compile(rf"^{total} "))


@pytest.mark.parametrize(
    ("language", "locale", "email"),
    [("es", "es-ES", "devices@iberica.example"), ("sv", "sv-SE", "admin@nordisk.example")],
)
def test_the_dashboard_shows_five_of_each_the_soonest_due_first_and_links_all(
    new_page, system, language, locale, email
):
    open_incidents(system, email, 6)
    page = new_page(locale)
    log_in(page, email)
    expect(page.locator("html")).to_have_attribute("lang", language)
    for section in page.locator("main section").all():
        assert section.locator("tbody tr").count() <= 5
    screenshot(page, f"dashboard-{language}")
    check_the_open_cases(page, language)


def test_the_stock_managers_dashboard_has_orders_and_toner_but_no_incidents(new_page, system):
    page = new_page("es-ES")
    log_in(page, "stock@iberica.example")
    expect(page.locator("#toner-running-low")).to_have_text("Tóner que se está acabando")
    expect(page.locator("#orders-on-their-way")).to_be_visible()
    expect(page.locator("#open-cases")).to_have_count(0)
    expect(page.locator("#readings-requested")).to_have_count(0)
    for section in page.locator("main section").all():
        assert section.locator("tbody tr").count() <= 5
    screenshot(page, "dashboard-stock-es")
