"""Meter readings end to end (F-20 to F-26): the FAQ's two rules through the gateway, automatic readings
from the fleet, reading requests by email with one reminder however many meters processes run."""

import time
from datetime import UTC, date, datetime, timedelta

import pytest

from shared.events.vendor import BillingMeterReadRequested, FleetMeterCollected
from shared.testing import eventually_blocking
from tests.system import text_of

pytestmark = pytest.mark.e2e
ADMIN, MANAGER, AGENT = "admin@iberica.example", "devices@iberica.example", "agent@canon.example"


def device_by_serial(api, serial: str) -> dict:
    return next(d for d in api.get("/api/accounts/v1/devices").json()["items"] if d["serial"] == serial)


def latest_counters(api, device_id: str) -> dict[str, int]:
    history = api.get(f"/api/meters/v1/devices/{device_id}/readings").json()
    return history["items"][0]["counters"]


def test_the_two_rules_are_enforced_and_explained(system):
    with system.client(system.login(ADMIN)) as api:
        device = device_by_serial(api, "ES5860A0003")
        assert device["counters"] == ["black", "colour", "large"]
        previous = latest_counters(api, device["id"])  # the demo history ends yesterday
        readings = f"/api/meters/v1/devices/{device['id']}/readings"

        lower = api.post(readings, json={"counters": {**previous, "colour": previous["colour"] - 1}})
        assert lower.status_code == 409
        problem = lower.json()
        assert problem["code"] == "lower_than_previous" and problem["counter"] == "colour"
        assert (
            problem["previous_value"] == previous["colour"]
            and str(problem["previous_value"]) in problem["detail"]
        )

        malformed = api.post(readings, json={"counters": {"black": previous["black"] + 10, "colour": -1}})
        assert malformed.status_code == 422
        assert {e["field"] for e in malformed.json()["errors"]} >= {"counters.colour", "counters.large"}

        fine = {name: value + 50 for name, value in previous.items()}
        accepted = api.post(readings, json={"counters": fine})
        assert accepted.status_code == 201, accepted.text
        assert accepted.json()["source"] == "customer"

        again = api.post(readings, json={"counters": {name: value + 10 for name, value in fine.items()}})
        assert again.status_code == 409 and again.json()["code"] == "already_read_today"

        history = api.get(readings).json()
        assert history["items"][0]["counters"] == fine and history["total"] == 7
        dates = [item["local_date"] for item in history["items"]]
        assert dates == sorted(dates, reverse=True)


def test_readings_of_an_unassigned_device_are_not_found(system):
    with system.client(system.login(ADMIN)) as api:
        unassigned = device_by_serial(api, "ES1238M0004")
    with system.client(system.login(MANAGER)) as api:
        assert api.get(f"/api/meters/v1/devices/{unassigned['id']}/readings").status_code == 404
        refused = api.post(
            f"/api/meters/v1/devices/{unassigned['id']}/readings", json={"counters": {"black": 1}}
        )
        assert refused.status_code == 404


def test_automatic_readings_pass_the_same_rules_and_rejected_ones_wait_for_review(system):
    with system.client(system.login(AGENT)) as api:
        device = device_by_serial(api, "SE6855A0006")
        previous = latest_counters(api, device["id"])
    now = datetime.now(UTC)
    system.publish_vendor_events(
        FleetMeterCollected(
            serial="SE6855A0006", collected_at=now, counters={"black": previous["black"] + 900}
        ),
        FleetMeterCollected(
            serial="SE5850C0007", collected_at=now, counters={"black": 5, "colour": 5, "large": 5}
        ),
        source="fleet",
    )
    with system.client(system.login(AGENT)) as api:
        history = eventually_blocking(
            lambda: api.get(f"/api/meters/v1/devices/{device['id']}/readings").json(),
            accept=lambda h: h["total"] == 7,
        )
        assert history["items"][0]["source"] == "automatic"
        rejected = eventually_blocking(
            lambda: api.get("/api/meters/v1/rejected-readings?reviewed=false").json()["items"],
            accept=lambda items: any(i["serial"] == "SE5850C0007" for i in items),
        )
        entry = next(i for i in rejected if i["serial"] == "SE5850C0007")
        assert entry["reason_code"] == "lower_than_previous" and "black" in entry["reason"]
    with system.client(system.login("admin@nordisk.example")) as api:
        assert api.get("/api/meters/v1/rejected-readings").status_code == 403


def test_a_reading_request_is_emailed_and_reminded_once_with_two_meters_processes(system):
    system.start_replica("meters", "meters-2")
    system.publish_vendor_events(
        BillingMeterReadRequested(
            request_id="E2E-REMINDER",
            account_number="SE-200567",
            serials=["SE1333C0008"],
            due_date=date.today() + timedelta(days=1),
        ),
        source="billing",
    )
    admin = "admin@nordisk.example"
    system.inbox.wait_for(
        lambda m: admin in m["To"] and "/readings/due" in text_of(m) and "SE1333C0008" in text_of(m),
        timeout=30,
    )

    def about_it():
        return [m for m in system.inbox.to(admin) if "SE1333C0008" in text_of(m)]

    eventually_blocking(about_it, 30, accept=lambda emails: len(emails) >= 2)
    # Both processes run their reminder job every second here: for three seconds, still one reminder.
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        assert len(about_it()) == 2  # the request and one reminder
        time.sleep(0.2)
    with system.client(system.login(admin)) as api:
        due = api.get("/api/meters/v1/due-readings").json()["items"]
        assert [d["serial"] for d in due] == ["SE1333C0008"]
        device_id = due[0]["device_id"]
        counters = {name: value + 100 for name, value in latest_counters(api, device_id).items()}
        assert (
            api.post(f"/api/meters/v1/devices/{device_id}/readings", json={"counters": counters}).status_code
            == 201
        )
        eventually_blocking(
            lambda: api.get("/api/meters/v1/due-readings").json()["items"], accept=lambda items: items == []
        )


def test_the_device_manager_is_asked_for_the_demo_readings(system):
    [request] = system.inbox.wait_for(lambda m: MANAGER in m["To"] and "/readings/due" in text_of(m))
    assert "ES1643A0001" in text_of(request) and "ES3826C0002" in text_of(request)
    # Only the reader's own devices, each with its model, location and latest reading (F-60).
    assert "ES5860A0003" not in text_of(request)
    assert "imageRUNNER 1643i II" in text_of(request) and "Recepción" in text_of(request)
    assert "Última lectura el" in text_of(request)
    [other] = system.inbox.wait_for(
        lambda m: "both@iberica.example" in m["To"] and "/readings/due" in text_of(m)
    )
    assert "ES5860A0003" in text_of(other) and "ES1643A0001" not in text_of(other)
    with system.client(system.login(MANAGER)) as api:
        due = {d["serial"] for d in api.get("/api/meters/v1/due-readings").json()["items"]}
    assert due <= {"ES1643A0001", "ES3826C0002"} and due
