"""F-25: reading requests from billing: who is asked, what is due, closing, and the one reminder."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from meters.requests.jobs import send_due_reminders
from meters.requests.models import ReadRequest
from services.meters.tests.meters_support import billing_event, days_ago
from shared.bus import PermanentError


async def due(portal, user: str) -> list[dict]:
    response = await portal.client.get("/api/meters/v1/due-readings", headers=portal.auth(user))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def remind(portal) -> int:
    return await send_due_reminders(portal.app.state.db, portal.app.state.outbox, days_before=2)


async def test_a_request_asks_the_devices_managers_else_the_administrators(portal):
    await portal.bus.deliver(billing_event("bill-1", ["d1", "d2", "d4"]))
    [opened] = await portal.published("meters.read_request.opened")
    assert opened.subject == "bill-1"
    data = opened.data
    # d1: its device managers (not the stock manager); d2: its manager; d4 has none: the administrators.
    assert data["recipient_ids"] == ["dsm", "manager", "manager2", "admin", "admin2"]
    assert (data["serials"], data["link_path"], data["account_id"]) == (
        ["SN-d1", "SN-d2", "SN-d4"],
        "/readings/due",
        "acc-1",
    )
    # Each device described for its email: model, assignment, and no reading yet.
    described = {d["device_id"]: d for d in data["devices"]}
    assert list(described) == ["d1", "d2", "d4"]
    assert described["d1"]["serial"] == "SN-d1" and described["d1"]["model"]
    assert "dsm" in described["d1"]["assigned_user_ids"] and described["d4"]["assigned_user_ids"] == ["stock"]
    assert described["d2"]["last_reading_date"] is None and described["d2"]["last_counters"] == {}


async def test_a_request_describes_each_device_with_its_latest_reading(portal):
    await portal.collected("d1", days_ago(5), black=100, colour=10)
    await portal.collected("d1", days_ago(3), black=150, colour=12)
    await portal.bus.deliver(billing_event("bill-2", ["d1"]))
    [opened] = await portal.published("meters.read_request.opened")
    [device] = opened.data["devices"]
    assert device["last_counters"] == {"black": 150, "colour": 12}
    # The account's local day of the reading three days ago (a day either side of UTC's).
    assert device["last_reading_date"] in {
        (days_ago(3) + timedelta(days=d)).date().isoformat() for d in (-1, 0, 1)
    }


async def test_a_duplicate_request_changes_nothing(portal):
    await portal.bus.deliver(billing_event("bill-1", ["d1"]))
    await portal.bus.deliver(billing_event("bill-1", ["d1", "d2"], due_in_days=3))
    assert await portal.count(ReadRequest) == 1
    assert len(await portal.staged("meters.read_request.opened")) == 1
    assert [i["device_id"] for i in await due(portal, "admin")] == ["d1"]


@pytest.mark.parametrize(
    "event, reason",
    [
        (billing_event("bill-x", ["d1"], account_id="unknown"), "account_number"),
        (billing_event("bill-y", ["d1", "d3"]), "serials"),  # d3 belongs to another account
    ],
)
async def test_an_unknown_account_or_serial_is_parked(portal, event, reason):
    with pytest.raises(PermanentError, match=reason):
        await portal.bus.deliver(event)
    assert await portal.count(ReadRequest) == 0


async def test_due_readings_list_what_the_caller_may_read_until_read_then_the_request_closes(portal):
    await portal.collected("d1", days_ago(5), black=100, colour=10)
    await portal.bus.deliver(billing_event("bill-1", ["d1", "d2"], due_in_days=7))
    items = await due(portal, "admin")
    assert [(i["request_id"], i["device_id"]) for i in items] == [("bill-1", "d1"), ("bill-1", "d2")]
    first = items[0]
    assert (first["serial"], first["model"], first["counters"], first["latest"]["counters"]) == (
        "SN-d1",
        "imageRUNNER C3826i",
        ["black", "colour"],
        {"black": 100, "colour": 10},
    )
    assert items[1]["latest"] is None
    assert first["due_date"] == str(days_ago(-7).date())
    assert [i["device_id"] for i in await due(portal, "manager")] == ["d1"]
    assert await due(portal, "stock") == []
    assert await due(portal, "other_admin") == []
    assert len(await due(portal, "agent")) == 2

    assert (await portal.submit("manager", "d1", black=200, colour=20)).status_code == 201
    assert [i["device_id"] for i in await due(portal, "admin")] == ["d2"]
    assert await due(portal, "manager") == []
    assert await portal.staged("meters.read_request.closed") == []

    assert (await portal.submit("manager2", "d2", black=1, colour=1)).status_code == 201
    assert await due(portal, "admin") == []
    [closed] = await portal.published("meters.read_request.closed")
    assert (closed.data["request_id"], closed.data["account_id"]) == ("bill-1", "acc-1")
    assert await remind(portal) == 0  # a closed request is never reminded


async def test_a_reading_of_the_same_day_before_the_request_already_answers_it(portal):
    assert (await portal.submit("manager", "d1", black=1, colour=1)).status_code == 201
    await portal.bus.deliver(billing_event("bill-1", ["d1"]))
    assert await due(portal, "admin") == []
    [opened] = await portal.published("meters.read_request.opened")
    assert opened.data["recipient_ids"] == []
    assert len(await portal.published("meters.read_request.closed")) == 1


async def test_the_reminder_goes_out_once_and_only_when_its_day_has_come(portal):
    await portal.bus.deliver(billing_event("bill-early", ["d1"], due_in_days=10))
    await portal.bus.deliver(billing_event("bill-soon", ["d1", "d4"], due_in_days=2))
    await portal.bus.deliver(billing_event("bill-late", ["d2"], due_in_days=-1))
    assert await remind(portal) == 2
    assert await remind(portal) == 0
    reminded = {e["request_id"]: e for e in await portal.staged("meters.read_request.reminded")}
    assert set(reminded) == {"bill-soon", "bill-late"}
    assert reminded["bill-soon"]["recipient_ids"] == ["dsm", "manager", "admin", "admin2"]
    assert reminded["bill-soon"]["link_path"] == "/readings/due"
    assert reminded["bill-late"]["recipient_ids"] == ["manager2"]

    # Eight days later the first one's day has come; the reminder names only the devices still due.
    async with portal.app.state.db.session() as session, session.begin():
        await session.execute(
            update(ReadRequest)
            .where(ReadRequest.request_id == "bill-early")
            .values(due_date=days_ago(-2).date() - timedelta(days=0))
        )
    await portal.submit("agent", "d1", black=1, colour=1)
    assert await remind(portal) == 0  # bill-early had only d1: it closed
    assert len(await portal.staged("meters.read_request.reminded")) == 2


async def test_a_request_waits_for_an_assigned_user_whose_event_has_not_arrived(portal):
    from meters.requests.service import UsersNotYetKnown
    from services.meters.tests.meters_support import device_event

    await portal.bus.deliver(device_event("d4", "acc-1", ["newcomer"]))  # the user's own event comes later
    request = billing_event("bill-late", ["d4"])
    with pytest.raises(UsersNotYetKnown, match="newcomer"):
        await portal.bus.deliver(request)
    assert await portal.count(ReadRequest) == 0  # not sent to the administrators instead
