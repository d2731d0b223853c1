"""Every page of the portal passes axe-core's WCAG 2.0/2.1/2.2 A and AA rules with no serious or critical
violation (F-70): each person's pages, in English, Spanish and Swedish, on a laptop (1366x768) and a phone
(390x844), as they first open, with a form's errors shown, with an empty list and with a list long enough to page.
The staff and the customers read the portal in their profile's language: the test sets it, and puts it back."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.accessibility import describe, serious_violations
from tests.browser.test_incident_in_the_browser import log_in
from tests.e2e.test_surveys import resolved_incident, survey_links

pytestmark = pytest.mark.browser
LANGUAGES = {"en": "en-GB", "es": "es-ES", "sv": "sv-SE"}
WIDTHS = {"laptop": (1366, 768), "phone": (390, 844)}
ADMIN, KNOWLEDGE, SUPERVISOR = (
    "admin@iberica.example",
    "knowledge@iberica.example",
    "supervisor@canon.example",
)
ANONYMOUS = "anonymous"
SERIAL = "ES3826C0002"
NO_MATCH = "zz-nothing-matches-zz"
MISSING_CASE = "00000000-0000-4000-8000-000000000000"
LONG_LIST = 21  # cases more than a page of the case lists (20)

# Each step is one check: ("open", path), ("errors", path, form) sends the form empty, ("follow", path, *then) opens
# the first link matching each selector in turn, or sends the form (with what it holds) when the selector is one.
# Paths take {device}, {case}, {survey} from the cases and devices the module sets up.
PLANS: dict[str, list[tuple[str, ...]]] = {
    ANONYMOUS: [
        ("open", "/login"),
        ("errors", "/login", "form[action='/login']"),
        ("open", "/register"),
        ("errors", "/register", "form[action='/register']"),
        ("open", "/forgot-password"),
        ("errors", "/forgot-password", "form[action='/forgot-password']"),
        ("open", "/reset-password?token=not-a-token"),
        ("errors", "/reset-password?token=not-a-token", "form[action='/reset-password']"),
        ("open", "/verify-email"),
        ("open", "/invitations/not-a-token"),
        ("open", "{survey}&lang={language}"),
        ("open", "/no-such-page"),
        ("open", "/docs/asyncapi"),
    ],
    ADMIN: [
        ("open", "/"),
        ("open", "/devices"),
        ("open", "/devices?q=" + NO_MATCH),
        ("open", "/devices/{device}"),
        ("errors", "/devices/{device}", "form[data-action='submit_reading']"),
        ("open", "/cases"),
        ("open", "/cases?page=2"),
        ("open", "/cases?q=" + NO_MATCH),
        ("open", "/cases/new"),
        ("errors", "/cases/new", "form[action='/cases/new']"),
        ("open", "/cases/{case}"),
        ("errors", "/cases/{case}", "form[data-action='reply']"),
        ("open", "/cases/" + MISSING_CASE),
        ("open", "/devices/{device}/order"),
        ("errors", "/devices/{device}/order", "main form[action$='/order']"),
        ("open", "/devices/{device}/relocation"),
        ("errors", "/devices/{device}/relocation", "main form[action$='/relocation']"),
        ("open", "/devices/{device}/removal"),
        ("errors", "/devices/{device}/removal", "main form[action$='/removal']"),
        ("open", "/readings/due"),
        ("open", "/supplies"),
        ("open", "/account"),
        ("open", "/account/inquiry"),
        ("errors", "/account/inquiry", "form[action='/account/inquiry']"),
        ("open", "/account/users"),
        ("follow", "/account/users", "main a[href^='/account/users/']"),
        ("open", "/account/audit"),
        ("open", "/profile"),
        ("errors", "/profile", "form[action='/profile/password']"),
        ("open", "/help/guides"),
        ("follow", "/help/guides", "main a[href^='/help/guides/']"),
        ("open", "/logout"),
    ],
    KNOWLEDGE: [
        ("open", "/help/guides"),
        ("follow", "/help/guides", "main a[href^='/help/guides/']"),
        ("follow", "/help/guides", "main a[href^='/help/guides/']", "form[action='/help/runs']"),
        ("open", "/devices"),
        ("open", "/profile"),
    ],
    SUPERVISOR: [
        ("open", "/agent"),
        ("open", "/agent?page=2"),
        ("open", "/agent?q=" + NO_MATCH),
        ("open", "/agent/cases/{case}"),
        ("errors", "/agent/cases/{case}", "form[data-action='reply']"),
        ("open", "/agent/accounts"),
        ("open", "/agent/accounts?q=" + NO_MATCH),
        ("follow", "/agent/accounts?q=" + SERIAL, "main a[href^='/agent/accounts/']"),
        ("open", "/agent/readings/rejected"),
        ("open", "/supervisor/routing"),
        ("open", "/supervisor/calendars"),
        ("follow", "/supervisor/calendars", "main a[href^='/supervisor/calendars/']"),
        ("open", "/supervisor/guides"),
        ("follow", "/supervisor/guides", "main a[href^='/supervisor/guides/']:not([href$='/new'])"),
        (
            "follow",
            "/supervisor/guides",
            "main a[href^='/supervisor/guides/']:not([href$='/new'])",
            "main a[href*='/edit?language=']",
        ),
        ("open", "/supervisor/guides/new"),
        ("errors", "/supervisor/guides/new", "form[action='/supervisor/guides/new']"),
        ("open", "/supervisor/reports/service-level"),
        ("open", "/supervisor/reports/surveys"),
        ("open", "/cases"),
        ("open", "/devices"),
        ("open", "/profile"),
    ],
}


def checks_planned() -> int:
    """Pages x states of every person, in every language and width: the figure the README states."""
    return sum(len(plan) for plan in PLANS.values()) * len(LANGUAGES) * len(WIDTHS)


@dataclass
class Audit:
    page: Page
    where: str
    checked: int = 0
    failures: list[str] = field(default_factory=list)

    def check(self, state: str) -> None:
        self.checked += 1
        violations = serious_violations(self.page)
        if violations:
            self.failures.append(describe(violations, f"on {self.page.url} ({state}, {self.where})"))

    def open(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None and response.status < 500, (path, response and response.status)

    def follow(self, selector: str) -> None:
        if selector.startswith("form"):
            self.page.locator(selector).first.locator("button:not([type=button])").last.click()
            self.page.wait_for_load_state()
            assert not self.page.locator(".error-summary:not([hidden])").count(), (self.page.url, selector)
            return
        href = self.page.locator(selector).first.get_attribute("href")
        assert href, (self.page.url, selector)
        self.open(href)

    def step(self, step: tuple[str, ...], values: dict[str, str]) -> None:
        kind, path = step[0], step[1].format(**values)
        self.open(path)
        if kind == "errors":
            form = self.page.locator(step[2]).first
            if step[2] == "form[action='/login']":
                form.locator("#f-email").fill("nobody@example.invalid")  # throttles no demo login
                form.locator("#f-password").fill("not-the-password")
            form.locator("button:not([type=button])").last.click()
            self.page.wait_for_load_state()
            if not self.page.locator(".error-summary:not([hidden])").count():
                self.failures.append(f"{path}: {step[2]} sent empty showed no error ({self.where})")
        elif kind == "follow":
            for selector in step[2:]:
                self.follow(selector)
        self.check(kind)


def set_language(system, email: str, language: str) -> str:
    """The profile's language set to `language`; answers the one it had."""
    with system.client(system.login(email)) as api:
        before = api.get("/api/accounts/v1/me").json()["language"]
        response = api.patch("/api/accounts/v1/me", json={"language": language})
    assert response.status_code == 200, response.text
    return str(before)


@pytest.fixture(scope="module")
def values(system) -> Iterator[dict[str, str]]:
    """A device, an open incident and more account inquiries than a page lists, a survey link; the profiles'
    languages put back afterwards."""
    with system.client(system.login(ADMIN)) as api:
        device = {d["serial"]: d for d in api.get("/api/accounts/v1/devices").json()["items"]}[SERIAL]
        incident = api.post(
            "/api/cases/v1/cases",
            json={
                "type": "incident",
                "device_id": device["id"],
                "category": "paper_jam",
                "subject": "Paper jam on every copy",
                "description": "Tray 2 jams on every copy.",
            },
        )
        assert incident.status_code == 201, incident.text
        for number in range(LONG_LIST):
            inquiry = {"account_id": device["account_id"], "topic": "invoice", "subject": f"Invoice {number}"}
            created = api.post(
                "/api/cases/v1/cases",
                json={"type": "account_inquiry", **inquiry, "description": "Which contract is it for?"},
            )
            assert created.status_code == 201, created.text
    resolved = resolved_incident(system, ADMIN, "ES1643A0001", f"Streaks {uuid.uuid4().hex[:6]}")
    languages = {email: set_language(system, email, "en") for email in (ADMIN, KNOWLEDGE, SUPERVISOR)}
    yield {
        "device": device["id"],
        "case": incident.json()["id"],
        "survey": survey_links(system, ADMIN, resolved["number"])[4].split("&lang=")[0],
    }
    for email, language in languages.items():
        set_language(system, email, language)


@pytest.mark.timeout(300)  # up to 31 pages on a shared machine
@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("person", list(PLANS))
def test_every_page_passes_wcag_aa(browser, system, values, person, language, width):
    if person != ANONYMOUS:
        set_language(system, person, language)
    context = browser.new_context(
        base_url=system.gateway,
        locale=LANGUAGES[language],
        viewport=dict(zip(("width", "height"), WIDTHS[width], strict=True)),
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        if person != ANONYMOUS:
            log_in(page, person)
        audit = Audit(page, f"{person}, {language}, {width}")
        for step in PLANS[person]:
            audit.step(step, {**values, "language": language})
        assert page.locator("html").get_attribute("lang") == language
    finally:
        context.close()
    print(f"{audit.checked} pages and states checked for {audit.where}; {checks_planned()} in all")
    assert audit.checked == len(PLANS[person])
    assert not audit.failures, "\n".join(audit.failures)


def test_the_readme_states_how_many_checks_are_made():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    per_language_and_width = sum(len(plan) for plan in PLANS.values())
    assert f"**{checks_planned()} checks** ({per_language_and_width} pages and states x" in readme
