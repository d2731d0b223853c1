"""What happens when a service is away in the middle of a story, and how one request is followed through
every event it causes."""

import uuid

import pytest

from tests.system import text_of

pytestmark = pytest.mark.e2e
ADMIN = "admin@iberica.example"


def create_case(system, token: str, subject: str, **headers) -> dict:
    with system.client(token) as api:
        device = api.get("/api/accounts/v1/devices").json()["items"][0]
        response = api.post(
            "/api/cases/v1/cases",
            headers=headers,
            json={
                "device_id": device["id"],
                "type": "incident",
                "category": "noise_damage",
                "subject": subject,
                "description": "A grinding noise when printing.",
            },
        )
    assert response.status_code == 201, response.text
    return response.json()


def test_an_email_owed_while_notifications_is_down_is_sent_once_when_it_is_back(system):
    token = system.login(ADMIN)
    system.stop("notifications")
    try:
        case = create_case(system, token, "Ruido mientras notifications está parado")
    finally:
        system.start("notifications")
    system.inbox.wait_for(lambda m: ADMIN in m["To"] and case["number"] in m["Subject"])
    # Give a duplicate every chance to show up: another case's email arriving means the queue moved on.
    later = create_case(system, token, "Otro caso")
    system.inbox.wait_for(lambda m: ADMIN in m["To"] and later["number"] in m["Subject"])
    to_creator = [m for m in system.inbox.to(ADMIN) if case["number"] in m["Subject"]]
    assert len(to_creator) == 1, [(m["Subject"], m["Message-ID"]) for m in to_creator]


def test_one_correlation_id_follows_a_request_through_its_events(system):
    correlation = uuid.uuid4().hex
    case = create_case(
        system, system.login(ADMIN), "Seguimiento de la correlación", **{"X-Correlation-ID": correlation}
    )
    [email] = system.inbox.wait_for(lambda m: ADMIN in m["To"] and case["number"] in m["Subject"])
    assert case["number"] in text_of(email)
    for service in ("gateway", "cases", "notifications"):
        assert f'"correlation_id": "{correlation}"' in system.log_of(service), service
