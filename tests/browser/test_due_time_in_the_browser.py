"""In a real browser, in Spanish, Swedish and English: the customer's case page says when the response is due, with
its weekday, in the customer's language and time zone, and tells them when the case was received outside business
hours (F-12, F-70)."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.test_incident_in_the_browser import log_in

pytestmark = pytest.mark.browser
MADRID, STOCKHOLM = ZoneInfo("Europe/Madrid"), ZoneInfo("Europe/Stockholm")
SATURDAY = datetime(
    2026, 11, 28, 10, 0
)  # local time: due Monday 30 November at 12:00 on a four-hour contract
FRIDAY = datetime(2026, 11, 27, 16, 30)  # local time: due Monday 30 November at 11:30

# (login, browser locale, four-hour device, created at, due time shown, notice shown or None)
READERS = {
    "es": (
        "admin@iberica.example",
        "es-ES",
        "ES5860A0003",
        SATURDAY.replace(tzinfo=MADRID),
        "lunes, 30 de noviembre de 2026, 12:00",
        "Recibido fuera del horario laboral; le responderemos antes del lunes, 30 de noviembre de 2026, 12:00.",
    ),
    "sv": (
        "admin@nordisk.example",
        "sv-SE",
        "SE5850C0007",
        SATURDAY.replace(tzinfo=STOCKHOLM),
        "måndag 30 november 2026 12:00",
        "Mottaget utanför kontorstid; vi svarar senast måndag 30 november 2026 12:00.",
    ),
    "en": (
        "both@iberica.example",  # Spanish, reading in English for this test
        "en-GB",
        "ES5860A0003",
        FRIDAY.replace(tzinfo=MADRID),
        "Monday, 30 November 2026, 11:30",  # English for a Spanish account: day before month, 24 hours (F-70)
        None,
    ),
}


def set_language(system, email: str, language: str) -> None:
    with system.client(system.login(email)) as api:
        changed = api.patch("/api/accounts/v1/me", json={"language": language})
    assert changed.status_code == 200, changed.text


def incident_on(system, email: str, serial: str) -> dict:
    with system.client(system.login(email)) as api:
        device = next(d for d in api.get("/api/accounts/v1/devices").json()["items"] if d["serial"] == serial)
        created = api.post(
            "/api/cases/v1/cases",
            json={
                "device_id": device["id"],
                "type": "incident",
                "category": "error_code",
                "error_code": "E000007-0001",
                "subject": "E000007",
                "description": "The display shows E000007.",
            },
        )
    assert created.status_code == 201, created.text
    return created.json()


@pytest.mark.parametrize("language", list(READERS))
def test_the_customer_sees_when_we_respond(new_page, system, language):
    email, locale, serial, created_at, due, notice = READERS[language]
    if language == "en":
        set_language(system, email, "en")
    try:
        system.clock.set(created_at)
        case = incident_on(system, email, serial)
        page = new_page(locale)
        log_in(page, email)
        page.goto(f"/cases/{case['id']}")
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator("[data-field=response-due] time")).to_have_text(re.compile(due))
        outside = page.locator("[data-notice=outside-business-hours]")
        if notice:
            expect(outside).to_have_text(notice)
        else:
            expect(outside).to_have_count(0)
    finally:
        system.clock.reset()
        if language == "en":
            set_language(system, email, "es")
