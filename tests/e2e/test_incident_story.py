"""A customer reports a problem and follows it to resolution, emailed at every step, while the vendor's
agent works it: five services as processes, requests through the gateway, a real SMTP server."""

import pytest

from tests.system import text_of

pytestmark = pytest.mark.e2e
ADMIN, AGENT = "admin@iberica.example", "agent@canon.example"


def test_incident_from_report_to_resolution(system):
    customer, agent = system.login(ADMIN), system.login(AGENT)
    with system.client(customer) as api:
        device = api.get("/api/accounts/v1/devices").json()["items"][0]
        created = api.post(
            "/api/cases/v1/cases",
            json={
                "device_id": device["id"],
                "type": "incident",
                "category": "paper_jam",
                "subject": "Atasco en la bandeja 2",
                "description": "El papel se atasca en cada impresión.",
            },
        )
        assert created.status_code == 201, created.text
        case = created.json()
        assert case["number"].startswith("CS-") and case["status"] == "new"

    # The acknowledgement, in Spanish, with the case number.
    [ack] = system.inbox.wait_for(lambda m: ADMIN in m["To"] and case["number"] in m["Subject"])
    assert ack["Content-Language"] in (None, "es") and case["number"] in text_of(ack)
    assert any(word in text_of(ack) for word in ("caso", "Caso", "incidencia"))

    with system.client(agent) as api:
        assert (
            api.post(f"/api/cases/v1/cases/{case['id']}/status", json={"status": "in_progress"}).status_code
            == 200
        )
        reply = api.post(
            f"/api/cases/v1/cases/{case['id']}/messages",
            json={"body": "Un técnico revisará la bandeja hoy.", "internal": False},
        )
        assert reply.status_code == 201, reply.text
    system.inbox.wait_for(lambda m: ADMIN in m["To"] and "Un técnico revisará la bandeja hoy." in text_of(m))

    with system.client(customer) as api:
        answer = api.post(
            f"/api/cases/v1/cases/{case['id']}/messages",
            json={"body": "Gracias, estaremos en la oficina.", "internal": False},
        )
        assert answer.status_code == 201, answer.text
    with system.client(agent) as api:
        assert (
            api.post(f"/api/cases/v1/cases/{case['id']}/status", json={"status": "resolved"}).status_code
            == 200
        )
    resolved = system.inbox.wait_for(
        lambda m: (
            ADMIN in m["To"]
            and case["number"] in m["Subject"]
            and m is not ack
            and "Un técnico" not in text_of(m)
            and ("resuelto" in text_of(m).lower() or "resuelta" in text_of(m).lower())
        )
    )
    assert resolved

    with system.client(customer) as api:
        timeline = api.get(f"/api/cases/v1/cases/{case['id']}").json()["timeline"]
    story = [(e["kind"], e.get("to_status") or e.get("body")) for e in timeline]
    assert story == [
        ("created", None if story[0][1] is None else story[0][1]),
        ("status_changed", "in_progress"),
        ("message", "Un técnico revisará la bandeja hoy."),
        ("message", "Gracias, estaremos en la oficina."),
        ("status_changed", "resolved"),
    ]
    times = [e["at"] for e in timeline]
    assert times == sorted(times)


def test_internal_notes_never_reach_the_customer(system):
    customer, agent = system.login(ADMIN), system.login(AGENT)
    with system.client(customer) as api:
        device = api.get("/api/accounts/v1/devices").json()["items"][1]
        case = api.post(
            "/api/cases/v1/cases",
            json={
                "device_id": device["id"],
                "type": "incident",
                "category": "print_quality",
                "subject": "Rayas en las copias",
                "description": "Aparecen rayas negras.",
            },
        ).json()
    secret = "Cliente con impagos: priorizar bajo"
    with system.client(agent) as api:
        note = api.post(f"/api/cases/v1/cases/{case['id']}/messages", json={"body": secret, "internal": True})
        assert note.status_code == 201, note.text
        staff_view = api.get(f"/api/cases/v1/cases/{case['id']}").text
        assert secret in staff_view
        marker = api.post(
            f"/api/cases/v1/cases/{case['id']}/messages",
            json={"body": "Revisamos el tóner.", "internal": False},
        )
        assert marker.status_code == 201
    system.inbox.wait_for(lambda m: "Revisamos el tóner." in text_of(m))
    with system.client(customer) as api:
        assert secret not in api.get(f"/api/cases/v1/cases/{case['id']}").text
        assert secret not in api.get("/api/cases/v1/cases").text
    assert not [m for m in system.inbox.messages if secret in m.as_string()]
