"""In a real browser (F-81): with the notifications service stopped, the agent still logs in and works a case; the
side panel's part that lists the emails sent about the case says it is unavailable, and lists them again once the
service is back."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_console_in_the_browser import AGENT, open_incidents
from tests.browser.test_incident_in_the_browser import log_in

pytestmark = pytest.mark.browser


def test_the_case_page_works_while_notifications_is_down_and_says_which_part_is_unavailable(new_page, system):
    [case] = open_incidents(system, ["Atasco con las notificaciones paradas"])
    system.stop("notifications")
    try:
        agent = new_page("en-GB")
        log_in(agent, AGENT)
        agent.goto(f"/agent/cases/{case['id']}")
        expect(agent.locator("h1")).to_contain_text(case["number"])
        emails = agent.locator("[data-part=emails]")
        expect(emails.get_by_role("status")).to_have_text(
            "This part is unavailable right now. The rest of the page works; please try again later."
        )
        expect(agent.locator("form[data-action=reply] textarea")).to_be_editable()
    finally:
        system.start("notifications")
    agent.reload()
    expect(emails).not_to_contain_text("unavailable")
    expect(emails).to_contain_text("A case is created")
