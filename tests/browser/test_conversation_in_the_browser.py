"""In a real browser, in Spanish and in Swedish (F-11): a customer writes on their case with a photo of the error
screen, and the agent downloads it; an HTML page called a photo is refused in the customer's language; the agent's
status changes read as one quiet, folded line between the messages, the times in the customer's time zone; the
customer stops following the case and follows it again, and the Spanish administrator adds back a colleague who
may see it; the agent answers with a file and the customer's email names it (F-60); cancelling asks first, and a
cancelled case offers no message box. Screenshots of the case page at a desk's and a phone's width go to var/screenshots/."""

import datetime as dt
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import FilePayload, Page, expect

from shared.i18n import LocaleFormatter
from tests.browser.screens import screenshot
from tests.browser.test_incident_in_the_browser import log_in
from tests.system import text_of

pytestmark = pytest.mark.browser
PHOTO = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 300
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
CUSTOMERS = {
    "es": {
        "locale": "es-ES",
        "email": "admin@iberica.example",
        "serial": "ES1643A0001",
        "time_zone": "Europe/Madrid",
        "photo": "pantalla del error.png",
        "message": "Adjunto una foto de la pantalla.",
        "refused": "No se puede adjuntar foto.png",
        "files": "Archivos enviados con el mensaje:",
        "updates": "2 actualizaciones",
        "following": "Sigue este caso",
        "unfollowed": "Ya no sigue este caso",
        "confirm": "¿Cancelar el caso",
        "cancelled": "Cancelado",
    },
    "sv": {
        "locale": "sv-SE",
        "email": "admin@nordisk.example",
        "serial": "SE5850C0007",
        "time_zone": "Europe/Stockholm",
        "photo": "skärmbild fel.png",
        "message": "Här är ett foto av skärmen.",
        "refused": "foto.png kan inte bifogas",
        "files": "Filer som skickades med meddelandet:",
        "updates": "2 händelser",
        "following": "Du följer ärendet",
        "unfollowed": "Du följer inte längre ärendet",
        "confirm": "Avbryta ärende",
        "cancelled": "Avbrutet",
    },
}


def open_incident(system, email: str, serial: str, subject: str) -> dict:
    with system.client(system.login(email)) as api:
        device = next(d for d in api.get("/api/accounts/v1/devices").json()["items"] if d["serial"] == serial)
        created = api.post(
            "/api/cases/v1/cases",
            json={
                "type": "incident",
                "device_id": device["id"],
                "category": "error_code",
                "error_code": "E000-0007",
                "subject": subject,
                "description": "The panel shows an error.",
            },
        )
    assert created.status_code == 201, created.text
    return created.json()


def send_message(page: Page, path: str, text: str, name: str, content: bytes, mime: str) -> None:
    page.locator("#f-body").fill(text)
    payload: FilePayload = {"name": name, "mimeType": mime, "buffer": content}
    page.locator("#f-attachments-reply").set_input_files([payload])
    page.locator(f"form[action='{path}/messages'] button[type=submit]").click()


@pytest.mark.parametrize("language", ["es", "sv"])
def test_a_conversation_with_a_photo_quiet_events_followers_and_a_confirmed_cancel(
    new_page, system, language
):
    texts = CUSTOMERS[language]
    case = open_incident(system, texts["email"], texts["serial"], f"Conversation {uuid.uuid4().hex[:6]}")
    path = f"/cases/{case['id']}"

    customer = new_page(texts["locale"])
    log_in(customer, texts["email"])
    customer.goto(path)
    expect(customer.locator("html")).to_have_attribute("lang", language)
    send_message(customer, path, texts["message"], texts["photo"], PHOTO, "image/png")
    expect(customer).to_have_url(re.compile(rf"{path}\?notice=sent"))
    link = customer.locator("ol.timeline .attachments a", has_text=texts["photo"])
    expect(link).to_be_visible()

    # An HTML page that claims to be a photo: refused in the language, the message kept, nothing added.
    send_message(customer, path, "Otra vez", "foto.png", HTML, "image/png")
    expect(customer.locator(".field-error")).to_contain_text(texts["refused"])
    expect(customer.locator("#f-body")).to_have_value("Otra vez")
    expect(customer.locator("ol.timeline .attachments a")).to_have_count(1)

    # The agent downloads the customer's photo, byte for byte, and moves the case on twice.
    agent = new_page("en-GB")
    log_in(agent, "agent@canon.example")
    agent.goto(f"/agent{path}")
    with agent.expect_download() as download:
        agent.locator("ol.timeline .attachments a", has_text=texts["photo"]).click()
    assert download.value.suggested_filename == texts["photo"]
    assert Path(download.value.path()).read_bytes() == PHOTO
    for status in ("in_progress", "waiting_for_customer"):
        agent.locator("#f-status").select_option(status)
        agent.locator(f"form[action='/agent{path}/status'] button").click()
        expect(agent).to_have_url(re.compile("notice=status"))

    # The customer's conversation: the two status changes are one folded line, opened on demand.
    customer.goto(path)
    group = customer.locator("ol.timeline > li.entry-events").last
    expect(group.locator("summary")).to_contain_text(texts["updates"])
    lines = group.locator(".event-lines li")
    expect(lines.first).to_be_hidden()
    group.locator("summary").click()
    expect(lines).to_have_count(2)
    expect(lines.first).to_be_visible()
    # Times in the customer's time zone and language.
    stamp = customer.locator("ol.timeline li.entry-message time").first
    moment = dt.datetime.fromisoformat(stamp.get_attribute("datetime") or "")
    expect(stamp).to_have_text(LocaleFormatter(language, texts["time_zone"]).datetime(moment))
    screenshot(customer, f"case-{language}")

    # Following: the writer follows; they stop, and follow again.
    customer.locator("form[data-action='unfollow'] button").click()
    expect(customer.get_by_role("status")).to_contain_text(texts["unfollowed"])
    customer.locator("form[data-action='follow'] button").click()
    expect(customer.get_by_role("status")).to_contain_text(texts["following"])
    expect(customer.locator("form[data-action='unfollow']")).to_have_count(1)

    # The administrator adds back a colleague who may see the device and had stopped following (Spain: the
    # device manager of this device).
    if language == "es":
        manager = system.login("devices@iberica.example")
        with system.client(manager) as api:
            me = api.get("/api/accounts/v1/me").json()
            manager_id = me["id"]
            left = api.delete(f"/api/cases/v1/cases/{case['id']}/followers/{manager_id}")
            assert left.status_code == 200, left.text
        customer.goto(path)
        customer.locator("#f-follower").select_option(manager_id)
        customer.locator("form[data-action='add_follower'] button").click()
        expect(customer.get_by_role("status")).to_contain_text("Su compañero sigue ahora este caso")
        expect(customer.locator("ul.followers")).to_contain_text(me["name"])

    # The agent answers with a file: the customer's email names it, with its size, and links to the case page.
    agent.goto(f"/agent{path}")
    agent.locator("#f-reply").fill("Adjunto el informe del técnico.")
    report: FilePayload = {"name": "informe técnico.pdf", "mimeType": "application/pdf", "buffer": PDF}
    agent.locator("#f-attachments-reply").set_input_files([report])
    agent.locator(f"form[action='/agent{path}/messages'] button[type=submit]").click()
    expect(agent.locator("ol.timeline .attachments a", has_text="informe técnico.pdf")).to_be_visible()
    (email,) = system.inbox.wait_for(
        lambda m: (
            texts["email"] in m["To"]
            and case["number"] in m["Subject"]
            and "informe técnico.pdf" in text_of(m)
        )
    )
    text = text_of(email).replace("\r\n", "\n")
    assert f"{texts['files']}\n- informe técnico.pdf (1 kB)" in text
    assert re.search(rf"https?://\S+{path}\n", text), text

    # Cancelling a new case asks first; once cancelled, the case offers no message box.
    other = open_incident(system, texts["email"], texts["serial"], f"Cancel {uuid.uuid4().hex[:6]}")
    customer.goto(f"/cases/{other['id']}")
    confirm = customer.locator("form[data-action='status:cancelled']")
    expect(confirm).to_be_hidden()
    customer.locator("details.confirm summary").click()
    expect(confirm).to_contain_text(texts["confirm"])
    confirm.locator("button").click()
    expect(customer.locator(".case-facts")).to_contain_text(texts["cancelled"])
    expect(customer.locator("#f-body")).to_have_count(0)
    expect(customer.locator("form[data-action='reply']")).to_have_count(0)
