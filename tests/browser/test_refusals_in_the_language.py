"""In a real browser, a Spanish and a Swedish administrator submit each customer form with invalid values: every
refusal is shown in their language, with none of the services' English (their details, pydantic's texts) and none
of the portal's own English texts on the page."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from gateway.web.refusals import MESSAGES
from tests.browser.test_incident_in_the_browser import log_in
from tests.browser.test_requests_in_the_browser import devices_of

pytestmark = pytest.mark.browser
ADMINS = {"es": ("es-ES", "admin@iberica.example"), "sv": ("sv-SE", "admin@nordisk.example")}
YESTERDAY = (date.today() - timedelta(days=1)).isoformat()
# What the services say for integrators, in English, and what pydantic says: none of it may reach a page.
SERVICE_ENGLISH = (
    "Field required",
    "String should",
    "Input should",
    "Value error",
    "value is not a valid",
    "must be",
    "may not",
    "per order",
    "Invalid request",
    "is not in the catalogue",
    "already a user",
    "Unprocessable",
)


def english_fragments() -> set[str]:
    """The portal's own English refusal texts, cut at their params: each piece long enough to be telling."""
    pieces = set()
    for text in MESSAGES.values():
        pieces |= {piece.strip(" .:“”") for piece in re.split(r"%\(\w+\)s", text)}
    return {piece for piece in pieces if len(piece.split()) >= 3}


# Each customer form: the page, the values typed (by field name) and the form's action.
def forms(device_id: str) -> list[tuple[str, dict[str, str], str]]:
    return [
        ("/cases/new", {"subject": "", "description": ""}, "/cases/new"),
        (f"/devices/{device_id}", {"street": "", "postal_code": "9" * 40}, "/location"),
        (f"/devices/{device_id}", {"black": "many"}, "/readings"),
        (f"/devices/{device_id}/order", {"quantity_": "999"}, "/order"),
        (f"/devices/{device_id}/relocation", {"street": "", "preferred_date": YESTERDAY}, "/relocation"),
        (f"/devices/{device_id}/removal", {"date": YESTERDAY, "reason": ""}, "/removal"),
        ("/account/inquiry", {"subject": "", "description": ""}, "/account/inquiry"),
        ("/account/users", {"email": "not-an-address", "name": "Ny"}, "/account/users/invite"),
        ("/profile", {"name": " "}, "/profile"),
    ]


def fill(page: Page, form: str, values: dict[str, str]) -> None:
    for name, value in values.items():
        # `quantity_` is the first line of the order form, whatever the model's catalogue holds.
        selector = f"[name^='{name}']" if name.endswith("_") else f"[name='{name}']"
        page.locator(f"{form} {selector}").first.fill(value)


def assert_refused_in_the_language(page: Page, language: str, where: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator(".field-error, .error-summary:not([hidden])").first).to_be_visible()
    shown = page.locator("main").inner_text()
    english = [text for text in (*SERVICE_ENGLISH, *english_fragments()) if text in shown]
    assert english == [], f"{language} {where}: {english}"


def submit_with(page: Page, action: str, values: dict[str, str]) -> None:
    form = f"form[action$='{action}']"
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # folded forms
    fill(page, form, values)
    page.locator(f"{form} button[type=submit]").first.click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["es", "sv"])
def test_every_customer_form_refuses_in_the_visitors_language(new_page, system, language):
    locale, email = ADMINS[language]
    anonymous = new_page(locale)
    anonymous.goto("/register")
    submit_with(anonymous, "/register", {"email": "nobody", "account_number": "", "serial": ""})
    assert_refused_in_the_language(anonymous, language, "/register")
    anonymous.goto("/login")
    submit_with(anonymous, "/login", {"email": email, "password": "wrong"})
    assert_refused_in_the_language(anonymous, language, "/login")

    page = new_page(locale)
    log_in(page, email)
    device = sorted(devices_of(system, email).values(), key=lambda d: d["serial"])[0]
    for path, values, action in forms(device["id"]):
        page.goto(path)
        submit_with(page, action, values)
        assert_refused_in_the_language(page, language, path + " " + action)
