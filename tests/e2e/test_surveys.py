"""F-15 across the processes, through the gateway, on the real broker, database and SMTP server: a resolved case's
email carries each follower's survey links (one per rating); opening one saves nothing; sending the form saves one
answer and a second is refused politely; two followers answer once each; the agent sees both on the case and the
supervisor's results count both, as JSON and as CSV."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.system import text_of

pytestmark = pytest.mark.e2e
ADMIN, MANAGER = "admin@iberica.example", "devices@iberica.example"
AGENT, SUPERVISOR = "agent@canon.example", "supervisor@canon.example"
ONLY_THE_MANAGERS_DEVICE = "ES1643A0001"  # assigned to the device manager alone


def resolved_incident(system, creator: str, serial: str, subject: str) -> dict:
    with system.client(system.login(creator)) as api:
        devices = {d["serial"]: d for d in api.get("/api/accounts/v1/devices").json()["items"]}
        created = api.post(
            "/api/cases/v1/cases",
            json={
                "device_id": devices[serial]["id"],
                "type": "incident",
                "category": "print_quality",
                "subject": subject,
                "description": "Rayas en cada página.",
            },
        )
    assert created.status_code == 201, created.text
    case = created.json()
    with system.client(system.login(AGENT)) as api:
        for status in ("in_progress", "resolved"):
            moved = api.post(f"/api/cases/v1/cases/{case['id']}/status", json={"status": status})
            assert moved.status_code == 200, moved.text
    return case


def survey_links(system, email: str, number: str) -> dict[int, str]:
    """The survey page of each rating (path and query) in the follower's resolution email."""
    [resolved] = system.inbox.wait_for(
        lambda m: email in m["To"] and number in m["Subject"] and "/surveys/" in text_of(m)
    )
    found = dict(re.findall(r"https?://[^/\s]+(/surveys/[^\s?]+\?rating=(\d)&lang=\w+)", text_of(resolved)))
    return {int(rating): path for path, rating in found.items()}


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def staff_view(system, case_id: str) -> dict:
    with system.client(system.login(AGENT)) as api:
        return api.get(f"/api/cases/v1/cases/{case_id}").json()


def test_two_followers_answer_once_each_and_the_supervisor_sees_both(system):
    subject = f"Encuesta {uuid.uuid4().hex[:8]}"
    case = resolved_incident(system, ADMIN, ONLY_THE_MANAGERS_DEVICE, subject)
    admins, managers = (
        survey_links(system, ADMIN, case["number"]),
        survey_links(system, MANAGER, case["number"]),
    )
    assert sorted(admins) == sorted(managers) == [1, 2, 3, 4, 5]
    assert set(admins.values()).isdisjoint(managers.values())  # a link of each follower's own

    with httpx.Client(base_url=system.gateway, timeout=15) as browser:  # nobody logged in
        # Opening the link, as a mail scanner would, twice: the question with the rating chosen, nothing saved.
        for _ in range(2):
            page = browser.get(admins[4])
            assert page.status_code == 200, page.text
            assert case["number"] in page.text and 'value="4" checked' in page.text
        assert staff_view(system, case["id"])["survey_answers"] == []

        action = admins[4].split("?")[0] + "?lang=es"
        form = {"rating": "4", "comment": f"Muy amables ({subject})", "csrf_token": csrf_of(page.text)}
        saved = browser.post(action, data=form)
        assert saved.status_code == 200 and "Gracias por su respuesta" in saved.text
        again = browser.post(action, data={**form, "rating": "1"})
        assert again.status_code == 409
        assert f"Ya ha respondido a la encuesta sobre el caso {case['number']}." in again.text

    # The second follower answers through the public API with their own link.
    token = managers[2].split("?")[0].removeprefix("/surveys/")
    with system.client() as api:
        answered = api.post(
            f"/api/cases/v1/surveys/{token}/answer", json={"rating": 2, "comment": f"Lento ({subject})"}
        )
        assert answered.status_code == 201, answered.text
        twice = api.post(f"/api/cases/v1/surveys/{token}/answer", json={"rating": 5})
        assert twice.status_code == 409 and twice.json()["code"] == "survey_already_answered"
        forged = api.get(f"/api/cases/v1/surveys/{token[:-2]}xx")
        assert forged.status_code == 404 and forged.json()["code"] == "survey_link_invalid"

    verdicts = staff_view(system, case["id"])["survey_answers"]
    assert sorted((v["user_name"], v["rating"]) for v in verdicts) == [
        ("Javier López", 2),
        ("María García", 4),
    ]

    today = datetime.now(UTC).date()
    period = {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    with system.client(system.login(SUPERVISOR)) as api:
        results = api.get("/api/cases/v1/reports/surveys", params=period | {"by": "staff"})
        assert results.status_code == 200, results.text
        ours = [
            (c["rating"], c["comment"])
            for row in results.json()["rows"]
            for c in row["comments"]
            if c["number"] == case["number"]
        ]
        assert sorted(ours) == [(2, f"Lento ({subject})"), (4, f"Muy amables ({subject})")]
        alex = next(row for row in results.json()["rows"] if row["group_name"] == "Alex Agent")
        assert alex["answers"] >= 2
        download = api.get("/api/cases/v1/reports/surveys.csv", params=period)
        assert download.status_code == 200
        assert f"{case['number']} (4): Muy amables ({subject})" in download.text
        assert f"{case['number']} (2): Lento ({subject})" in download.text
    with system.client(system.login(AGENT)) as api:
        assert api.get("/api/cases/v1/reports/surveys", params=period).status_code == 403
