"""F-11 on the gateway's case page: the conversation with its quiet events, a reply with files sent on as
multipart, the files' downloads passed back with only their safe headers, and the follow buttons."""

import re

from gateway.web.portal_pages import conversation_of
from services.gateway.tests.gateway_fakes import CASE_ID, csrf_of

PHOTO = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_runs_of_status_changes_and_system_events_become_one_group_each():
    kinds = ["created", "status_changed", "shipment", "message", "note", "status_changed", "message", "visit"]
    blocks = conversation_of([{"kind": kind, "at": str(i)} for i, kind in enumerate(kinds)])
    assert [(b["kind"], len(b.get("entries", [b.get("entry")]))) for b in blocks] == [
        ("message", 1),
        ("events", 2),
        ("message", 1),
        ("message", 1),
        ("events", 1),
        ("message", 1),
        ("events", 1),
    ]


async def test_a_reply_with_a_photo_goes_on_as_multipart_and_comes_back_as_a_download(logged_in, fakes):
    page = await logged_in.get(f"/cases/{CASE_ID}")
    assert 'enctype="multipart/form-data"' in page.text and 'name="attachments"' in page.text
    sent = await logged_in.post(
        f"/cases/{CASE_ID}/messages",
        data={"body": "The screen shows this.", "csrf_token": csrf_of(page.text)},
        files=[("attachments", ("pantalla.png", PHOTO, "image/png"))],
    )
    assert sent.status_code == 303, sent.text
    [call] = fakes.of("cases", "POST", f"/api/cases/v1/cases/{CASE_ID}/messages")
    assert call.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'filename="pantalla.png"' in call.body and PHOTO in call.body
    html = (await logged_in.get(f"/cases/{CASE_ID}")).text
    [link] = re.findall(rf'href="(/cases/{CASE_ID}/attachments/\w+)" download>pantalla.png<', html)
    got = await logged_in.get(link)
    assert got.status_code == 200 and got.content == PHOTO
    assert got.headers["content-disposition"] == 'attachment; filename="pantalla.png"'
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in got.headers["content-security-policy"]
    assert "leak" not in got.headers.get("set-cookie", "")
    missing = await logged_in.get(f"/cases/{CASE_ID}/attachments/unknown")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]


async def test_the_customer_page_offers_reopen_and_a_confirmed_cancel_by_the_allowed_actions(
    logged_in, fakes
):
    fakes.cases[CASE_ID].update(status="new", allowed_transitions=["cancelled"])
    html = (await logged_in.get(f"/cases/{CASE_ID}")).text
    assert '<details class="confirm">' in html and 'data-action="status:cancelled"' in html
    assert "Yes, cancel the case" in html and "Mark in progress" not in html
