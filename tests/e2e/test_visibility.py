"""Who sees what, decided on the server by every service from its own copy of assignments."""

import pytest

pytestmark = pytest.mark.e2e


def new_case(system, token: str, device_id: str, subject: str) -> dict:
    with system.client(token) as api:
        response = api.post(
            "/api/cases/v1/cases",
            json={
                "device_id": device_id,
                "type": "incident",
                "category": "other",
                "subject": subject,
                "description": "Visibility check.",
            },
        )
    assert response.status_code == 201, response.text
    return response.json()


def test_device_manager_sees_only_assigned_devices_and_their_cases(system):
    admin, manager = system.login("admin@iberica.example"), system.login("devices@iberica.example")
    with system.client(admin) as api:
        all_devices = {d["serial"]: d for d in api.get("/api/accounts/v1/devices").json()["items"]}
    with system.client(manager) as api:
        mine = {d["serial"] for d in api.get("/api/accounts/v1/devices").json()["items"]}
    assert mine == {"ES1643A0001", "ES3826C0002"}
    assert len(all_devices) == 5

    on_assigned = new_case(system, admin, all_devices["ES1643A0001"]["id"], "On an assigned device")
    elsewhere = new_case(system, admin, all_devices["ES1238M0004"]["id"], "On an unassigned device")
    unassigned_id = all_devices["ES1238M0004"]["id"]
    with system.client(manager) as api:
        listed = {c["id"] for c in api.get("/api/cases/v1/cases?limit=100").json()["items"]}
        assert on_assigned["id"] in listed and elsewhere["id"] not in listed
        assert api.get(f"/api/cases/v1/cases/{elsewhere['id']}").status_code == 404
        assert api.get(f"/api/accounts/v1/devices/{unassigned_id}").status_code == 404
        assert api.get(f"/api/meters/v1/devices/{unassigned_id}/readings").status_code == 404
        refused = api.post(
            "/api/cases/v1/cases",
            json={
                "device_id": unassigned_id,
                "type": "incident",
                "category": "other",
                "subject": "x",
                "description": "y",
            },
        )
        assert refused.status_code == 404


def test_the_swedish_account_sees_nothing_of_the_spanish_one(system):
    spanish, swedish = system.login("admin@iberica.example"), system.login("admin@nordisk.example")
    with system.client(spanish) as api:
        device = api.get("/api/accounts/v1/devices").json()["items"][0]
        account_id = device["account_id"]
    case = new_case(system, spanish, device["id"], "Spanish only")
    with system.client(swedish) as api:
        serials = {d["serial"] for d in api.get("/api/accounts/v1/devices").json()["items"]}
        assert serials and all(s.startswith("SE") for s in serials)
        assert case["id"] not in api.get("/api/cases/v1/cases?limit=100").text
        for path in (
            f"/api/cases/v1/cases/{case['id']}",
            f"/api/accounts/v1/devices/{device['id']}",
            f"/api/meters/v1/devices/{device['id']}/readings",
            f"/api/accounts/v1/accounts/{account_id}",
        ):
            response = api.get(path)
            assert response.status_code == 404, path
            assert response.headers["content-type"] == "application/problem+json"
        message = api.post(
            f"/api/cases/v1/cases/{case['id']}/messages", json={"body": "hej", "internal": False}
        )
        assert message.status_code == 404
