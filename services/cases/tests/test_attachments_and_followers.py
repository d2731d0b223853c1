"""F-11: files sent with a message (judged by content, downloaded only by who may see them, never rendered) and
the followers of a case (a customer follows and unfollows; an administrator adds a colleague who may see it)."""

import pytest

from cases.audit.models import AuditEntry
from cases.case.attachments import MAX_FILE_BYTES, detected_type, safe_filename
from cases.case.models import CaseAttachment, CaseMessage

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


async def send(portal, user_id, case_id, files, body="See the attached photo.", internal=False):
    return await portal.client.post(
        f"/api/cases/v1/cases/{case_id}/messages",
        data={"body": body, "internal": "true" if internal else "false"},
        files=[("attachments", f) for f in files],
        headers=portal.auth(user_id),
    )


async def download(portal, user_id, case_id, attachment_id):
    return await portal.client.get(
        f"/api/cases/v1/cases/{case_id}/attachments/{attachment_id}", headers=portal.auth(user_id)
    )


async def test_a_customer_attaches_a_photo_and_the_agent_downloads_it_as_a_file(portal):
    case = await portal.new_case()
    sent = await send(
        portal, "manager", case["id"], [("error screen.png", PNG, "image/png"), ("log.txt", b"E-000\n", "")]
    )
    assert sent.status_code == 201, sent.text
    files = sent.json()["attachments"]
    assert [(f["filename"], f["content_type"], f["size"]) for f in files] == [
        ("error screen.png", "image/png", len(PNG)),
        ("log.txt", "text/plain; charset=utf-8", 6),
    ]
    got = await download(portal, "agent", case["id"], files[0]["id"])
    assert got.status_code == 200, got.text
    assert got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert "error%20screen.png" in got.headers["content-disposition"]
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in got.headers["content-security-policy"]
    # The names are shown in the timeline of both sides, without the bytes.
    for reader in ("manager", "agent"):
        detail = (await portal.get(reader, case["id"])).json()
        [message] = [e for e in detail["timeline"] if e["kind"] == "message"]
        assert [f["filename"] for f in message["attachments"]] == ["error screen.png", "log.txt"]
    # Audited with the message: who sent which files.
    assert await portal.count(AuditEntry, AuditEntry.action == "case.attachments_added") == 1
    # The message's event names them with their sizes, for the email about it; never their bytes.
    (event,) = await portal.published("cases.message.added")
    assert event.data["attachments"] == [
        {"filename": "error screen.png", "size": len(PNG)},
        {"filename": "log.txt", "size": 6},
    ]


async def test_only_who_may_see_the_case_downloads_its_files(portal):
    case = await portal.new_case(device_id="d4", user_id="admin")
    sent = await send(portal, "admin", case["id"], [("photo.png", PNG, "image/png")])
    attachment_id = sent.json()["attachments"][0]["id"]
    for reader, status in (("admin", 200), ("agent", 200), ("other_admin", 404), ("manager", 404)):
        assert (await download(portal, reader, case["id"], attachment_id)).status_code == status, reader
    # Another case's path does not reach it either.
    other = await portal.new_case(device_id="d4", user_id="admin")
    assert (await download(portal, "admin", other["id"], attachment_id)).status_code == 404


async def test_an_internal_notes_file_is_never_served_to_a_customer(portal):
    case = await portal.new_case()
    sent = await send(portal, "agent", case["id"], [("notes.pdf", PDF, "application/pdf")], internal=True)
    assert sent.status_code == 201, sent.text
    attachment_id = sent.json()["attachments"][0]["id"]
    assert (await download(portal, "agent", case["id"], attachment_id)).status_code == 200
    for customer in ("manager", "admin", "dsm"):
        assert (await download(portal, customer, case["id"], attachment_id)).status_code == 404
        timeline = (await portal.get(customer, case["id"])).json()["timeline"]
        assert all(not e.get("attachments") for e in timeline)


@pytest.mark.parametrize(
    "name, content, claimed",
    [
        ("photo.png", HTML, "image/png"),  # claims to be an image, is HTML
        ("page.txt", HTML, "text/plain"),  # markup, whatever it is called
        ("photo.jpg", b"just some text", "image/jpeg"),  # text that claims to be a photo
        ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "application/octet-stream"),
    ],
)
async def test_a_file_that_is_not_what_is_accepted_is_refused_by_its_content(portal, name, content, claimed):
    case = await portal.new_case()
    before = await portal.count(CaseMessage)
    refused = await send(
        portal, "manager", case["id"], [("ok.png", PNG, "image/png"), (name, content, claimed)]
    )
    assert refused.status_code == 422, refused.text
    [issue] = refused.json()["errors"]
    assert issue["field"] == "attachments.1"
    assert issue["code"] == "attachment_type_not_allowed"
    assert issue["params"]["filename"] == name
    assert await portal.count(CaseMessage) == before
    assert await portal.count(CaseAttachment) == 0


async def test_more_than_five_files_or_one_over_10_mb_is_refused_and_nothing_is_written(portal):
    case = await portal.new_case()
    six = await send(portal, "manager", case["id"], [(f"p{i}.png", PNG, "image/png") for i in range(6)])
    assert six.status_code == 422
    assert six.json()["errors"][0]["code"] == "too_many_attachments"
    big = PNG + b"\x00" * (MAX_FILE_BYTES - len(PNG) + 1)
    large = await send(portal, "manager", case["id"], [("big.png", big, "image/png")])
    assert large.status_code == 422
    assert large.json()["errors"][0]["code"] == "attachment_too_large"
    assert await portal.count(CaseAttachment) == 0
    assert await portal.count(CaseMessage) == 0


async def test_a_closed_case_takes_no_message_from_either_side_and_offers_no_reply(portal):
    case = await portal.new_case()
    for status in ("in_progress", "resolved", "closed"):
        assert (await portal.set_status("agent", case["id"], status)).status_code == 200
    for side in ("manager", "agent"):
        answer = await send(portal, side, case["id"], [("p.png", PNG, "image/png")])
        assert answer.status_code == 409 and answer.json()["code"] == "case_closed"
    assert "reply" not in (await portal.get("manager", case["id"])).json()["allowed_actions"]
    staff = (await portal.get("agent", case["id"])).json()["allowed_actions"]
    assert "reply" not in staff and "add_internal_note" in staff
    assert (await portal.say("agent", case["id"], "for the record", internal=True)).status_code == 201
    assert await portal.count(CaseAttachment) == 0


def test_types_are_found_in_the_content_and_names_are_made_safe():
    assert detected_type(PNG) == "image/png"
    assert detected_type(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert detected_type(PDF) == "application/pdf"
    assert detected_type("Fehler: Papierstau ÅÄÖ\n".encode()) == "text/plain; charset=utf-8"
    assert detected_type(b"<svg onload=alert(1)>") is None
    assert detected_type(b"\x00\x01binary") is None
    assert safe_filename('../../etc/"passwd"\n') == "passwd"
    assert safe_filename("C:\\Users\\x\\foto.jpg") == "foto.jpg"
    assert safe_filename("") == "attachment"


async def test_a_customer_follows_and_unfollows_a_case_they_may_see(portal):
    case = await portal.new_case(user_id="manager")  # followed by its writer and d1's assignees
    path = f"/api/cases/v1/cases/{case['id']}/followers"
    left = await portal.client.delete(f"{path}/dsm", headers=portal.auth("dsm"))
    assert left.status_code == 200, left.text
    assert "dsm" not in [f["id"] for f in left.json()["followers"]]
    assert "follow" in left.json()["allowed_actions"]
    back = await portal.client.post(path, json={}, headers=portal.auth("dsm"))
    assert back.status_code == 200, back.text
    assert "dsm" in [f["id"] for f in back.json()["followers"]]
    assert "unfollow" in back.json()["allowed_actions"]
    # Nobody else follows for them, and who may not see the case cannot follow it.
    assert (
        await portal.client.post(path, json={"user_id": "manager2"}, headers=portal.auth("dsm"))
    ).status_code == 403
    assert (await portal.client.post(path, json={}, headers=portal.auth("manager2"))).status_code == 404
    assert (await portal.client.post(path, json={}, headers=portal.auth("other_admin"))).status_code == 404
    assert (await portal.client.delete(f"{path}/manager", headers=portal.auth("dsm"))).status_code == 403
    actions = await portal.count(
        AuditEntry, AuditEntry.action.in_(["case.follower_added", "case.follower_removed"])
    )
    assert actions == 2


async def test_an_administrator_adds_a_colleague_who_may_see_the_case(portal):
    case = await portal.new_case(user_id="manager")
    path = f"/api/cases/v1/cases/{case['id']}/followers"
    await portal.client.post(path, json={}, headers=portal.auth("admin"))  # following it themselves too
    detail = (await portal.get("admin", case["id"])).json()
    assert "add_follower" not in detail["allowed_actions"]  # everyone who may see it follows it
    await portal.client.delete(f"{path}/dsm", headers=portal.auth("dsm"))
    detail = (await portal.get("admin", case["id"])).json()
    assert {"unfollow", "add_follower"} <= set(detail["allowed_actions"])
    candidates = {p["id"] for p in detail["follower_candidates"]}
    assert candidates == {"dsm"}  # not manager2 (another device), nor the knowledge user, nor another account
    refused = await portal.client.post(path, json={"user_id": "manager2"}, headers=portal.auth("admin"))
    assert refused.status_code == 422
    assert refused.json()["errors"][0] == {
        **refused.json()["errors"][0],
        "field": "user_id",
        "code": "may_not_see_case",
    }
    foreign = await portal.client.post(path, json={"user_id": "other_admin"}, headers=portal.auth("admin"))
    assert foreign.status_code == 422
    readded = await portal.client.post(path, json={"user_id": "dsm"}, headers=portal.auth("admin"))
    assert readded.status_code == 200, readded.text
    assert {"dsm", "admin"} <= {f["id"] for f in readded.json()["followers"]}
    # The staff work cases; they do not follow them.
    assert (await portal.client.post(path, json={}, headers=portal.auth("agent"))).status_code == 403


async def test_only_the_message_path_takes_a_body_larger_than_1_mb(portal):
    case = await portal.new_case()
    photo = PNG + b"\x00" * 3_000_000
    sent = await send(portal, "manager", case["id"], [("big photo.png", photo, "image/png")])
    assert sent.status_code == 201, sent.text
    assert sent.json()["attachments"][0]["size"] == len(photo)
    elsewhere = await portal.client.post(
        f"/api/cases/v1/cases/{case['id']}/status",
        content=b'{"status": "cancelled", "reason": "' + b"x" * 2_000_000 + b'"}',
        headers={**portal.auth("manager"), "Content-Type": "application/json"},
    )
    assert elsewhere.status_code == 413
