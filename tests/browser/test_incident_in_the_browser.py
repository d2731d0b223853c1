"""In a real browser: the Spanish Administrator reports a problem, the agent works it on the agent's page,
the customer answers, and the whole story shows on the case page in the order it happened."""

import re

import pytest
from playwright.sync_api import Page, expect

from deploy.demo.data import DEMO_PASSWORD
from tests.system import first_match, text_of

pytestmark = pytest.mark.browser


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(DEMO_PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def test_report_work_answer_and_resolve_a_case(new_page, system):
    customer = new_page("es-ES")
    log_in(customer, "admin@iberica.example")
    expect(customer.locator("html")).to_have_attribute("lang", "es")

    customer.goto("/cases/new")
    customer.locator("#f-device_id").select_option(index=1)
    customer.locator("#f-category").select_option("paper_jam")
    customer.locator("#f-subject").fill("Atasco de papel en la bandeja 1")
    customer.locator("#f-description").fill("Cada vez que imprimimos a doble cara.")
    customer.locator("form button[type=submit]", has_text=re.compile("Enviar")).click()
    expect(customer).to_have_url(re.compile(r"/cases/[0-9a-f-]{36}"))
    number = first_match(r"CS-\d{4}-\d{6}", customer.content())
    case_path = first_match(r"/cases/[0-9a-f-]{36}", customer.url)

    [ack] = system.inbox.wait_for(lambda m: "admin@iberica.example" in m["To"] and number in m["Subject"])
    assert number in text_of(ack)

    agent = new_page("en-GB")
    log_in(agent, "agent@canon.example")
    agent.goto(f"/agent{case_path}")
    agent.locator("#f-status").select_option("in_progress")
    agent.locator(f"form[action='/agent{case_path}/status'] button").click()
    agent.locator("#f-reply").fill("A technician will check tray 1 today.")
    agent.locator(f"form[action='/agent{case_path}/messages'] button").click()
    expect(agent.locator("ol.timeline")).to_contain_text("A technician will check tray 1 today.")
    system.inbox.wait_for(lambda m: "A technician will check tray 1 today." in text_of(m))

    customer.goto(case_path)
    customer.locator("#f-body").fill("Gracias, estaremos aquí.")
    customer.locator(f"form[action='{case_path}/messages'] button").click()
    expect(customer.locator("ol.timeline")).to_contain_text("Gracias, estaremos aquí.")

    agent.goto(f"/agent{case_path}")
    agent.locator("#f-status").select_option("resolved")
    agent.locator(f"form[action='/agent{case_path}/status'] button").click()

    customer.goto(case_path)
    entries = customer.locator("ol.timeline > li")
    kinds = [
        first_match(r"entry-(\w+)", c, 1) for c in entries.evaluate_all("els => els.map(e => e.className)")
    ]
    # The conversation: the messages on their own, each run of status changes between them one quiet group.
    assert kinds == ["created", "events", "message", "message", "events"]
    texts = entries.all_inner_texts()
    assert "A technician will check tray 1 today." in texts[2] and "Gracias, estaremos aquí." in texts[3]
    assert "note" not in kinds
