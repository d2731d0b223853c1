"""The fleet's reports (F-50) on the devices: offline and back online (told once per outage, a case after N days,
exactly once), toner levels with the forecast, and the Stock Manager's stock and shipping instructions."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from cases.case.models import Case, CaseMessage
from cases.fleet.jobs import open_outage_cases
from cases.fleet.models import DeviceOutage, OutageCase, TonerLevel
from services.cases.tests.cases_support import catalogue_event, consumables, shipment_event
from shared.bus import PermanentError
from shared.events import new_event
from shared.events.vendor import FleetDeviceOffline, FleetDeviceOnline, FleetMeterCollected, FleetTonerLow

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
API = "/api/cases/v1"


def offline(serial: str = "SN-d1", since: datetime = START):
    return new_event(FleetDeviceOffline(serial=serial, since=since), source="fleet")


def online(serial: str = "SN-d1", at: datetime = START + timedelta(days=4)):
    return new_event(FleetDeviceOnline(serial=serial, at=at), source="fleet")


def reading(at: datetime, serial: str = "SN-d1", toner: dict | None = None):
    return new_event(
        FleetMeterCollected(serial=serial, collected_at=at, counters={"black": 1000}, toner=toner),
        source="fleet",
    )


def toner_low(level: int, at: datetime, colour: str = "black", serial: str = "SN-d1"):
    return new_event(FleetTonerLow(serial=serial, colour=colour, level_percent=level, at=at), source="fleet")


async def offline_list(portal, user_id: str) -> list[dict]:
    response = await portal.client.get(f"{API}/offline-devices", headers=portal.auth(user_id))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def open_cases(portal) -> int:
    return await open_outage_cases(portal.app.state.db, portal.app.state.outbox, timedelta(days=3))


# Online state --------------------------------------------------------------------------------------------------


async def test_an_outage_is_told_once_to_the_device_managers_with_the_guide(portal, clock):
    clock.set(START + timedelta(hours=1))
    await portal.bus.deliver(offline())
    await portal.bus.deliver(offline())  # the same report again
    await portal.bus.deliver(offline(since=START + timedelta(hours=1)))  # a later one while still offline
    [told] = await portal.staged("cases.device.offline")
    data = told["data"]
    assert data["recipient_ids"] == ["dsm", "manager"]  # not the stock manager: device managers only
    assert data["guide_path"] == "/help/guides?device=SN-d1&category=device_offline"
    assert [d["serial"] for d in await offline_list(portal, "manager")] == ["SN-d1"]
    assert await offline_list(portal, "manager2") == []  # not their device
    assert await offline_list(portal, "other_admin") == []


async def test_a_device_without_managers_is_told_to_the_administrators(portal, clock):
    clock.set(START + timedelta(hours=1))
    await portal.bus.deliver(offline("SN-d4"))
    [told] = await portal.staged("cases.device.offline")
    assert told["data"]["recipient_ids"] == ["admin"]


async def test_back_online_by_signal_or_by_a_later_reading_and_never_by_an_older_one(portal, clock):
    clock.set(START + timedelta(days=1))
    await portal.bus.deliver(offline())
    await portal.bus.deliver(reading(START - timedelta(hours=2)))  # from before the outage
    assert len(await offline_list(portal, "admin")) == 1
    await portal.bus.deliver(reading(START + timedelta(hours=5)))
    assert await offline_list(portal, "admin") == []
    await portal.bus.deliver(offline(since=START + timedelta(hours=3)))  # late: older than the return
    assert await offline_list(portal, "admin") == []
    await portal.bus.deliver(offline(since=START + timedelta(hours=8)))  # a second outage
    await portal.bus.deliver(online(at=START + timedelta(hours=9)))
    assert await offline_list(portal, "admin") == []
    assert len(await portal.staged("cases.device.offline")) == 2
    assert len(await portal.staged("cases.device.online")) == 2


async def test_a_run_of_readings_ends_an_outage_once_by_its_first_later_reading(portal, clock):
    clock.set(START + timedelta(days=1))
    await portal.bus.deliver(offline())
    await portal.bus.deliver_run(
        [
            reading(START - timedelta(hours=2)),  # from before the outage: changes nothing
            reading(START + timedelta(hours=5), toner={"black": 40}),
            reading(START + timedelta(hours=6)),
            reading(START + timedelta(hours=7), serial="SN-nobody"),  # passed over, the run goes on
        ]
    )
    assert await offline_list(portal, "admin") == []
    assert len(await portal.staged("cases.device.online")) == 1
    async with portal.app.state.db.session() as session:
        levels = (await session.scalars(select(TonerLevel.level))).all()
    assert levels == [40]


async def test_the_staff_read_one_accounts_offline_devices(portal, clock):
    clock.set(START + timedelta(hours=1))
    await portal.bus.deliver(offline("SN-d1"))
    await portal.bus.deliver(offline("SN-d3"))
    everyone = await offline_list(portal, "agent")
    assert sorted(d["serial"] for d in everyone) == ["SN-d1", "SN-d3"]
    response = await portal.client.get(
        f"{API}/offline-devices", params={"account_id": "acc-2"}, headers=portal.auth("agent")
    )
    assert [d["serial"] for d in response.json()["items"]] == ["SN-d3"]
    response = await portal.client.get(
        f"{API}/offline-devices", params={"account_id": "acc-2"}, headers=portal.auth("admin")
    )
    assert response.json()["items"] == []  # a filter narrows what the caller sees, never widens it


async def test_after_three_days_one_case_opens_and_the_return_is_noted_on_it(portal, clock):
    clock.set(START + timedelta(days=1))
    await portal.bus.deliver(offline())
    assert await open_cases(portal) == 0  # one day: not yet
    clock.set(START + timedelta(days=3, minutes=1))
    assert await open_cases(portal) == 1
    assert await open_cases(portal) == 0  # once per outage
    async with portal.app.state.db.session() as session:
        [link] = (await session.scalars(select(OutageCase))).all()
        case = await session.get(Case, link.case_id)
    assert case is not None
    assert (case.type, case.department, case.device_id, case.created_by) == (
        "incident",
        "technical_support",
        "d1",
        "system",
    )
    assert "/help/guides?device=SN-d1&category=device_offline" in case.description
    [created] = await portal.staged("cases.case.created")
    assert set(created["data"]["follower_ids"]) == {"manager", "dsm"}
    assert (await portal.get("manager", case.id)).status_code == 200
    await portal.bus.deliver(online())
    async with portal.app.state.db.session() as session:
        [note] = (await session.scalars(select(CaseMessage).where(CaseMessage.case_id == case.id))).all()
        [outage] = (await session.scalars(select(DeviceOutage))).all()
    assert note.author_side == "system" and not note.internal and "SN-d1" in note.body
    assert outage.ended_at == START + timedelta(days=4)
    [back] = await portal.staged("cases.device.online")
    assert back["data"]["case_id"] == case.id


async def test_a_device_back_before_three_days_gets_no_case(portal, clock):
    clock.set(START + timedelta(days=1))
    await portal.bus.deliver(offline())
    await portal.bus.deliver(online(at=START + timedelta(days=2)))
    clock.set(START + timedelta(days=5))
    assert await open_cases(portal) == 0


async def test_a_report_about_an_unknown_device_is_parked(portal):
    with pytest.raises(PermanentError, match="serial"):
        await portal.bus.deliver(offline("NOPE"))
    with pytest.raises(PermanentError, match="serial"):
        await portal.bus.deliver(toner_low(10, START, serial="NOPE"))
    await portal.bus.deliver(reading(START, serial="NOPE"))  # meters' to refuse


# Toner and supplies --------------------------------------------------------------------------------------------


async def supplies(portal, user_id: str = "stock") -> dict:
    response = await portal.client.get(f"{API}/devices/d1/supplies", headers=portal.auth(user_id))
    assert response.status_code == 200, response.text
    return response.json()


def toner(answer: dict, colour: str = "black") -> dict:
    return next(t for t in answer["toners"] if t["colour"] == colour)


async def four_weeks_of_toner(portal, clock, black=(70, 56, 42, 28), cyan=(90, 88, 86, 84)) -> None:
    for week, (k, c) in enumerate(zip(black, cyan, strict=True)):
        await portal.bus.deliver(reading(START + timedelta(days=7 * week), toner={"black": k, "cyan": c}))
    clock.set(START + timedelta(days=21, hours=1))


async def test_a_toner_history_gives_an_estimate_and_a_prefilled_suggestion(portal, clock):
    await portal.bus.deliver(catalogue_event())
    await four_weeks_of_toner(portal, clock)
    answer = await supplies(portal)
    black, cyan = toner(answer, "black"), toner(answer, "cyan")
    assert black["enough_data"] and black["level"] == 28 and black["days"] == 14
    assert black["days_min"] <= 14 <= black["days_max"]
    assert black["low"] and black["suggest_order"] and black["sku"] == "T-BK"
    assert cyan["enough_data"] and not cyan["low"] and not cyan["suggest_order"]
    listed = (await portal.client.get(f"{API}/supplies", headers=portal.auth("stock"))).json()["items"]
    assert [d["serial"] for d in listed] == ["SN-d1"]
    manager = (await portal.client.get(f"{API}/supplies", headers=portal.auth("manager"))).json()
    assert manager["items"] == []  # a device manager does not keep supplies
    staff = await supplies(portal, "agent")
    assert not toner(staff, "black")["suggest_order"]  # the vendor's staff read, never order


async def test_an_open_order_holds_the_suggestion_and_a_repeated_signal_orders_nothing(portal, clock):
    await portal.bus.deliver(catalogue_event())
    await four_weeks_of_toner(portal, clock)
    ordered = await portal.open("stock", consumables())  # 2 x T-BK
    assert ordered.status_code == 201, ordered.text
    cases_before = await portal.count(Case)
    for minutes in (1, 2, 3):
        await portal.bus.deliver(toner_low(28, START + timedelta(days=21, minutes=minutes)))
    black = toner(await supplies(portal))
    assert black["low"] and black["order_open"] and not black["suggest_order"]
    assert await portal.count(Case) == cases_before  # nothing ordered by itself
    for status in ("accepted", "shipped", "delivered"):
        await portal.bus.deliver(shipment_event(ordered.json(), status))
    await portal.bus.deliver(shipment_event(ordered.json(), "delivered", at=datetime.now(UTC)))  # again
    black = toner(await supplies(portal))
    assert black["on_site"] == 2 and black["suggest_order"] and not black["order_open"]
    assert black["days_with_stock"] == 14 + round(2 * 100 / 2)


async def test_a_new_cartridge_restarts_the_estimate(portal, clock):
    await portal.bus.deliver(catalogue_event())
    await four_weeks_of_toner(portal, clock)
    await portal.bus.deliver(reading(START + timedelta(days=22), toner={"black": 100, "cyan": 84}))
    clock.set(START + timedelta(days=22, hours=1))
    black = toner(await supplies(portal))
    assert black["level"] == 100 and not black["enough_data"] and black["days"] is None
    assert not black["low"] and not black["suggest_order"]
    async with portal.app.state.db.session() as session:
        assert len((await session.scalars(select(TonerLevel))).all()) == 10


async def test_stock_used_and_counted_and_refused_when_more_than_on_site(portal):
    await portal.bus.deliver(catalogue_event())
    url = f"{API}/devices/d1/stock/T-BK"
    counted = await portal.client.put(url, json={"quantity": 3}, headers=portal.auth("stock"))
    assert counted.status_code == 200 and counted.json()["quantity"] == 3
    used = await portal.client.post(f"{url}/used", json={"quantity": 2}, headers=portal.auth("stock"))
    assert used.status_code == 200 and used.json()["quantity"] == 1
    too_many = await portal.client.post(f"{url}/used", json={"quantity": 2}, headers=portal.auth("stock"))
    assert too_many.status_code == 409 and too_many.json()["code"] == "not_enough_stock"
    assert too_many.json()["params"] == {"on_site": 1, "item": "Toner black"}
    unknown = await portal.client.post(
        f"{API}/devices/d1/stock/NOPE/used", json={"quantity": 1}, headers=portal.auth("stock")
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["code"] == "not_in_catalogue"
    bad = await portal.client.post(f"{url}/used", json={"quantity": 0}, headers=portal.auth("stock"))
    assert bad.status_code == 422
    for user_id, status in (("manager", 403), ("agent", 403), ("knowledge", 404), ("other_admin", 404)):
        refused = await portal.client.post(f"{url}/used", json={"quantity": 1}, headers=portal.auth(user_id))
        assert refused.status_code == status, user_id
    assert toner_stock(await supplies(portal), "T-BK") == 1


def toner_stock(answer: dict, sku: str) -> int:
    return next(s["quantity"] for s in answer["stock"] if s["sku"] == sku)


async def test_shipping_instructions_are_the_default_of_every_new_order_and_editable_per_order(portal):
    await portal.bus.deliver(catalogue_event())
    saved = await portal.client.put(
        f"{API}/devices/d1/shipping-instructions",
        json={"instructions": "Goods reception, weekdays 8-14"},
        headers=portal.auth("stock"),
    )
    assert saved.status_code == 200, saved.text
    refused = await portal.client.put(
        f"{API}/devices/d1/shipping-instructions", json={"instructions": "x"}, headers=portal.auth("manager")
    )
    assert refused.status_code == 403
    default = (await portal.open("stock", consumables())).json()
    own = (
        await portal.open(
            "stock", consumables(shipping={"use_device_location": True, "instructions": "Ring twice"})
        )
    ).json()
    assert default["details"]["shipping"]["instructions"] == "Goods reception, weekdays 8-14"
    assert own["details"]["shipping"]["instructions"] == "Ring twice"
    assert (await supplies(portal))["shipping_instructions"] == "Goods reception, weekdays 8-14"
