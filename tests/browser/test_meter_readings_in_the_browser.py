"""In a real browser, in Spanish: the Device Manager submits a meter reading, sees it in the history, and is
told why a lower value and a second reading the same day are refused; an unassigned device is not there."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_incident_in_the_browser import log_in

pytestmark = pytest.mark.browser
MANAGER = "devices@iberica.example"


def test_the_device_manager_submits_a_reading_and_the_rules_are_explained(new_page, system):
    with system.client(system.login(MANAGER)) as api:
        device = next(
            d for d in api.get("/api/accounts/v1/devices").json()["items"] if d["serial"] == "ES1643A0001"
        )
        latest = api.get(f"/api/meters/v1/devices/{device['id']}/readings").json()["latest"]["counters"][
            "black"
        ]
    with system.client(system.login("admin@iberica.example")) as api:
        unassigned = next(
            d for d in api.get("/api/accounts/v1/devices").json()["items"] if d["serial"] == "ES1238M0004"
        )

    page = new_page("es-ES")
    log_in(page, MANAGER)
    page.goto("/devices")
    page.locator(f"a[href='/devices/{device['id']}']").first.click()
    expect(page).to_have_url(re.compile(rf"/devices/{device['id']}"))
    submit = page.locator(f"form[action='/devices/{device['id']}/readings'] button[type=submit]")

    page.locator("#f-black").fill(str(latest - 1))
    submit.click()
    expect(page.locator("#f-black-error")).to_contain_text("no puede ser inferior a la lectura anterior")
    expect(page.locator("#f-black")).to_have_value(str(latest - 1))

    page.locator("#f-black").fill(str(latest + 25))
    submit.click()
    expect(page).to_have_url(re.compile(r"notice=reading"))
    newest = page.locator("table:has(caption) tbody tr").first  # the history, newest first
    expect(newest).to_contain_text(f"{latest + 25:,}".replace(",", "."))

    page.locator("#f-black").fill(str(latest + 30))
    submit.click()
    expect(page.locator("#f-black-error")).to_contain_text("Solo se acepta una lectura al día")

    assert page.goto(f"/devices/{unassigned['id']}").status == 404


def test_the_requested_readings_are_submitted_from_one_page(new_page, system):
    with system.client(system.login(MANAGER)) as api:
        due = {d["serial"]: d for d in api.get("/api/meters/v1/due-readings").json()["items"]}
    device = due["ES3826C0002"]
    page = new_page("es-ES")
    log_in(page, MANAGER)
    expect(page.locator("section[aria-labelledby=readings-requested]")).to_contain_text("ES3826C0002")
    page.goto("/readings/due")
    for counter, value in device["latest"]["counters"].items():
        page.locator(f"#f-{device['device_id']}-{counter}").fill(str(value + 40))
    page.locator("form[action='/readings/due'] button[type=submit]").click()
    expect(page.locator(f"#device-{device['device_id']}")).to_contain_text("ES3826C0002")
    expect(page.locator(f"#device-{device['device_id']} .notice")).to_be_visible()
    with system.client(system.login(MANAGER)) as api:
        assert "ES3826C0002" not in {
            d["serial"] for d in api.get("/api/meters/v1/due-readings").json()["items"]
        }
