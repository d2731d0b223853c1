"""F-30 and F-32 driven by the vendor's systems (F-50): the CRM's catalogue, logistics moving consumables
orders, field service moving relocations and removals. Duplicates change nothing; a report about an unknown
case can never succeed and is parked (PermanentError)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from cases.audit.models import AuditEntry
from cases.case.models import StatusChange
from cases.fulfilment.models import FulfilmentUpdate
from services.cases.tests.cases_support import (
    catalogue_event,
    consumables,
    relocation,
    removal,
    shipment_event,
    visit_event,
)
from shared.bus import PermanentError
from shared.events.vendor import ConsumableItem


@pytest.fixture
async def order(portal) -> dict:
    await portal.bus.deliver(catalogue_event())
    response = await portal.open("stock", consumables())
    assert response.status_code == 201, response.text
    return response.json()


async def status_changes(portal, case_id: str) -> list[tuple]:
    async with portal.app.state.db.session() as session:
        rows = (
            await session.scalars(
                select(StatusChange).where(StatusChange.case_id == case_id).order_by(StatusChange.at)
            )
        ).all()
    return [(c.from_status, c.to_status, c.actor_id, c.actor_side) for c in rows]


# The catalogue ----------------------------------------------------------------------------------------------


async def test_each_catalogue_event_replaces_the_models_catalogue(portal):
    await portal.bus.deliver(catalogue_event())
    await portal.bus.deliver(
        catalogue_event(
            [
                ConsumableItem(
                    sku="T-BK", kind="toner_black", name="Toner black XL", max_quantity_per_order=6
                ),
                ConsumableItem(sku="STAPLE", kind="staples", name="Staples", max_quantity_per_order=10),
            ]
        )
    )
    items = (
        await portal.client.get("/api/cases/v1/devices/d1/catalogue", headers=portal.auth("admin"))
    ).json()
    assert [(i["sku"], i["name"], i["max_quantity_per_order"]) for i in items["items"]] == [
        ("T-BK", "Toner black XL", 6),
        ("STAPLE", "Staples", 10),
    ]
    assert (
        await portal.open("stock", consumables(items=[{"sku": "T-BK", "quantity": 6}]))
    ).status_code == 201
    refused = await portal.open("stock", consumables(items=[{"sku": "DRUM", "quantity": 1}]))
    assert refused.json()["errors"][0]["field"] == "items.0.sku"


async def test_an_older_catalogue_arriving_late_is_ignored(portal):
    await portal.bus.deliver(catalogue_event())
    await portal.bus.deliver(catalogue_event([], time=datetime.now(UTC) - timedelta(hours=1)))
    items = (
        await portal.client.get("/api/cases/v1/devices/d1/catalogue", headers=portal.auth("admin"))
    ).json()
    assert len(items["items"]) == 3


async def test_a_catalogue_repeating_a_sku_is_invalid():
    with pytest.raises(ValueError, match="more than once"):
        catalogue_event([ConsumableItem(sku="A", kind="drum", name="Drum", max_quantity_per_order=1)] * 2)


# Logistics --------------------------------------------------------------------------------------------------


async def test_logistics_moves_an_order_accepted_shipped_delivered(portal, order):
    await portal.bus.deliver(shipment_event(order, "accepted"))
    assert (await portal.get("stock", order["id"])).json()["status"] == "in_progress"

    await portal.bus.deliver(
        shipment_event(order, "shipped", by_id=True, tracking_reference="1Z999AA1", carrier="UPS")
    )
    detail = (await portal.get("stock", order["id"])).json()
    assert (detail["status"], detail["tracking_reference"], detail["carrier"]) == (
        "in_progress",
        "1Z999AA1",
        "UPS",
    )
    listed = (await portal.cases("stock", type="consumables")).json()["items"]
    assert listed[0]["tracking_reference"] == "1Z999AA1"

    await portal.bus.deliver(shipment_event(order, "delivered"))
    detail = (await portal.get("stock", order["id"])).json()
    assert detail["status"] == "resolved" and detail["resolved_at"]
    assert detail["allowed_transitions"] == ["in_progress"]  # the customer may still reopen it

    shipments = [
        (e["status"], e["tracking_reference"], e["carrier"], e["actor_id"], e["actor_side"])
        for e in detail["timeline"]
        if e["kind"] == "shipment"
    ]
    assert shipments == [
        ("accepted", None, None, "logistics", "vendor"),
        ("shipped", "1Z999AA1", "UPS", "logistics", "vendor"),
        ("delivered", None, None, "logistics", "vendor"),
    ]
    assert await status_changes(portal, order["id"]) == [
        ("new", "in_progress", "logistics", "vendor"),
        ("in_progress", "resolved", "logistics", "vendor"),
    ]
    changed = [e.data for e in await portal.published("cases.case.status_changed", 2)]
    assert [(c["old_status"], c["new_status"], c["changed_by"], c["changed_by_side"]) for c in changed] == [
        ("new", "in_progress", "logistics", "vendor"),
        ("in_progress", "resolved", "logistics", "vendor"),
    ]
    [shipped] = await portal.published("cases.order.shipped")
    assert (
        shipped.subject,
        shipped.data["number"],
        shipped.data["tracking_reference"],
        shipped.data["carrier"],
        shipped.data["follower_ids"],
    ) == (order["id"], order["number"], "1Z999AA1", "UPS", ["dsm", "manager", "stock"])
    async with portal.app.state.db.session() as session:
        actions = (
            await session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == "logistics"))
        ).all()
    # The delivery also put the order's one line into the stock on site (SPEC §1).
    assert sorted(actions) == sorted(
        ["case.shipment_updated"] * 3 + ["case.status_changed"] * 2 + ["device.stock_changed"]
    )


async def test_a_delivery_reported_first_resolves_a_new_order_at_once(portal, order):
    await portal.bus.deliver(shipment_event(order, "delivered"))
    assert await status_changes(portal, order["id"]) == [("new", "resolved", "logistics", "vendor")]


async def test_duplicate_and_late_reports_change_nothing(portal, order):
    at = datetime.now(UTC)
    event = shipment_event(order, "shipped", at=at, tracking_reference="TR-1")
    await portal.bus.deliver(event)
    await portal.bus.deliver(event)  # the same event again: the inbox drops it
    await portal.bus.deliver(shipment_event(order, "shipped", at=at, tracking_reference="TR-1"))  # sent again
    await portal.bus.deliver(shipment_event(order, "delivered"))
    await portal.bus.deliver(shipment_event(order, "accepted"))  # late: recorded, but never moves it back
    assert await portal.count(FulfilmentUpdate) == 3
    assert (await portal.get("stock", order["id"])).json()["status"] == "resolved"
    assert len(await status_changes(portal, order["id"])) == 2
    assert len(await portal.staged("cases.order.shipped")) == 1


async def test_a_cancelled_order_stays_cancelled(portal, order):
    assert (await portal.set_status("stock", order["id"], "cancelled")).status_code == 200
    await portal.bus.deliver(shipment_event(order, "delivered"))
    assert (await portal.get("stock", order["id"])).json()["status"] == "cancelled"


async def test_a_report_about_an_unknown_case_is_parked(portal, order):
    with pytest.raises(PermanentError, match="no case CS-1999-000001"):
        await portal.bus.deliver(shipment_event({"id": "x", "number": "CS-1999-000001"}, "accepted"))
    with pytest.raises(PermanentError, match="no case"):
        await portal.bus.deliver(shipment_event({"id": "no-such-id", "number": ""}, "accepted", by_id=True))
    assert await portal.count(FulfilmentUpdate) == 0
    assert (await portal.get("stock", order["id"])).json()["status"] == "new"


async def test_logistics_reports_only_about_consumables_orders(portal):
    incident = await portal.new_case("manager", "d1")
    with pytest.raises(PermanentError, match="of type incident"):
        await portal.bus.deliver(shipment_event(incident, "accepted"))


# Field service ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("request_body", [relocation(), removal()], ids=["relocation", "removal"])
async def test_field_service_moves_a_relocation_or_removal(portal, request_body):
    case = (await portal.open("manager", request_body)).json()
    visit_day = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    await portal.bus.deliver(visit_event(case, "scheduled", scheduled_for=visit_day, technician="Jonas"))
    detail = (await portal.get("manager", case["id"])).json()
    assert detail["status"] == "in_progress"
    [scheduled] = [e for e in detail["timeline"] if e["kind"] == "visit"]
    assert (scheduled["status"], scheduled["technician"], scheduled["actor_id"]) == (
        "scheduled",
        "Jonas",
        "fieldservice",
    )
    assert datetime.fromisoformat(scheduled["scheduled_for"]) == visit_day

    await portal.bus.deliver(visit_event(case, "on_site", note="Technician on site"))
    assert (await portal.get("manager", case["id"])).json()["status"] == "in_progress"
    await portal.bus.deliver(visit_event(case, "done"))
    detail = (await portal.get("manager", case["id"])).json()
    assert detail["status"] == "resolved"
    visits = [(e["status"], e["body"]) for e in detail["timeline"] if e["kind"] == "visit"]
    assert visits == [("scheduled", None), ("on_site", "Technician on site"), ("done", None)]
    assert await status_changes(portal, case["id"]) == [
        ("new", "in_progress", "fieldservice", "vendor"),
        ("in_progress", "resolved", "fieldservice", "vendor"),
    ]
    published = [e.data["status"] for e in await portal.published("cases.visit.updated", 3)]
    assert published == ["scheduled", "on_site", "done"]
    # The stock manager assigned to the device cannot open a relocation or removal: not told about it.
    assert (await portal.published("cases.visit.updated"))[0].data["follower_ids"] == ["dsm", "manager"]


async def test_a_repeated_visit_report_changes_nothing(portal):
    case = (await portal.open("manager", relocation())).json()
    at = datetime.now(UTC)
    await portal.bus.deliver(visit_event(case, "scheduled", at=at))
    await portal.bus.deliver(visit_event(case, "scheduled", at=at))
    assert await portal.count(FulfilmentUpdate) == 1
    assert len(await portal.staged("cases.visit.updated")) == 1


async def test_field_service_does_not_report_on_orders_or_inquiries(portal, order):
    with pytest.raises(PermanentError):
        await portal.bus.deliver(visit_event(order, "done"))
    with pytest.raises(PermanentError):
        await portal.bus.deliver(visit_event({"number": "CS-2000-000009"}, "done"))
