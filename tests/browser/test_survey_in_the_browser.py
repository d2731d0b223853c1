"""In a real browser, without logging in, a Spanish and a Swedish customer open the survey link of their resolved
case's email: the question is in their language with the rating they clicked chosen; they add a comment and send
it; opening the link again tells them, politely and in their language, that they have answered; the agent finds the verdict on the case."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.test_incident_in_the_browser import log_in
from tests.e2e.test_surveys import resolved_incident, survey_links

pytestmark = pytest.mark.browser
CUSTOMERS = {
    "es": (
        "es-ES",
        "admin@iberica.example",
        "ES1643A0001",
        {
            "heading": "Su opinión sobre el caso",
            "chosen": "5 – Muy satisfecho",
            "send": "Enviar mi respuesta",
            "thanks": "Gracias por su respuesta",
            "again": "Ya ha respondido a la encuesta sobre el caso",
        },
    ),
    "sv": (
        "sv-SE",
        "admin@nordisk.example",
        "SE5850C0007",
        {
            "heading": "Ditt omdöme om ärende",
            "chosen": "5 – Mycket nöjd",
            "send": "Skicka mitt svar",
            "thanks": "Tack för ditt svar",
            "again": "Du har redan besvarat enkäten om ärende",
        },
    ),
}


@pytest.mark.parametrize("language", ["es", "sv"])
def test_a_customer_answers_the_survey_in_their_language(new_page, system, language):
    locale, email, serial, texts = CUSTOMERS[language]
    case = resolved_incident(system, email, serial, f"Survey {language} {uuid.uuid4().hex[:6]}")
    link = survey_links(system, email, case["number"])[5]

    page = new_page(locale)
    page.goto(link)
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("h1")).to_contain_text(f"{texts['heading']} {case['number']}")
    expect(page.get_by_label(texts["chosen"])).to_be_checked()
    page.locator("#f-comment").fill("¡Perfecto!" if language == "es" else "Toppen!")
    page.get_by_role("button", name=texts["send"]).click()
    expect(page.locator("h1")).to_have_text(texts["thanks"])

    # The link opened again: answered already, said politely, in the language, with no form to send.
    page.goto(link)
    expect(page.locator("main")).to_contain_text(f"{texts['again']} {case['number']}")
    expect(page.get_by_role("button", name=texts["send"])).to_have_count(0)

    agent = new_page("en-GB")
    log_in(agent, "agent@canon.example")
    agent.goto(f"/agent/cases/{case['id']}")
    verdict = agent.locator("#survey")
    expect(verdict).to_contain_text("Rating 5 of 5")
    expect(verdict).to_contain_text("¡Perfecto!" if language == "es" else "Toppen!")
    assert re.search(r"/surveys/", agent.content()) is None  # no customer's link on the staff's page
