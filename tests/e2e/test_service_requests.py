"""Service requests end to end (F-30): the Stock Manager orders toner from the model's catalogue, the
logistics system moves the order along, and the customer is emailed when it ships."""

from datetime import UTC, datetime

import pytest

from shared.events.vendor import LogisticsShipmentUpdated
from shared.testing import eventually_blocking
from tests.system import text_of

pytestmark = pytest.mark.e2e
STOCK, MANAGER = "stock@iberica.example", "devices@iberica.example"


def wait_for_status(api, case_id: str, status: str, timeout: float = 20.0) -> dict:
    return eventually_blocking(
        lambda: api.get(f"/api/cases/v1/cases/{case_id}").json(),
        timeout,
        accept=lambda case: case["status"] == status,
        what=f"the case to be {status}",
    )


def test_a_toner_order_is_shipped_tracked_and_delivered(system):
    with system.client(system.login(STOCK)) as api:
        device = next(
            d for d in api.get("/api/accounts/v1/devices").json()["items"] if d["serial"] == "ES3826C0002"
        )
        catalogue = api.get(f"/api/cases/v1/devices/{device['id']}/catalogue").json()["items"]
        toner = next(item for item in catalogue if item["kind"] == "toner_cyan")
        too_many = api.post(
            "/api/cases/v1/cases",
            json={
                "type": "consumables",
                "device_id": device["id"],
                "items": [{"sku": toner["sku"], "quantity": toner["max_quantity_per_order"] + 1}],
            },
        )
        assert too_many.status_code == 422
        assert too_many.json()["errors"][0]["field"] == "items.0.quantity"
        ordered = api.post(
            "/api/cases/v1/cases",
            json={
                "type": "consumables",
                "device_id": device["id"],
                "items": [{"sku": toner["sku"], "quantity": 2}],
                "shipping": {"use_device_location": True},
            },
        )
        assert ordered.status_code == 201, ordered.text
        order = ordered.json()
        assert order["type"] == "consumables" and order["department"] == "supplies"
        incident = api.post(
            "/api/cases/v1/cases",
            json={
                "type": "incident",
                "device_id": device["id"],
                "category": "other",
                "subject": "x",
                "description": "y",
            },
        )
        assert incident.status_code == 403  # Stock Managers order supplies; they do not open incidents

    now = datetime.now(UTC)
    system.publish_vendor_events(
        LogisticsShipmentUpdated(case_number=order["number"], status="accepted", at=now),
        LogisticsShipmentUpdated(
            case_number=order["number"],
            status="shipped",
            tracking_reference="1Z999AA10",
            carrier="Correos Express",
            at=now,
        ),
        source="logistics",
    )
    [shipped] = system.inbox.wait_for(lambda m: STOCK in m["To"] and "1Z999AA10" in text_of(m))
    assert order["number"] in text_of(shipped)
    system.publish_vendor_events(
        LogisticsShipmentUpdated(case_number=order["number"], status="delivered", at=now), source="logistics"
    )
    with system.client(system.login(STOCK)) as api:
        case = wait_for_status(api, order["id"], "resolved")
    assert case["tracking_reference"] == "1Z999AA10"
    assert [e["status"] for e in case["timeline"] if e["kind"] == "shipment"] == [
        "accepted",
        "shipped",
        "delivered",
    ]


def test_a_device_manager_may_not_order_supplies(system):
    with system.client(system.login(MANAGER)) as api:
        device = next(
            d for d in api.get("/api/accounts/v1/devices").json()["items"] if d["serial"] == "ES3826C0002"
        )
        refused = api.post(
            "/api/cases/v1/cases",
            json={
                "type": "consumables",
                "device_id": device["id"],
                "items": [{"sku": "C3826i-T-C", "quantity": 1}],
            },
        )
    assert refused.status_code == 403
