"""F-24: automatic readings from the fleet software pass the same rules; refused ones are kept for review."""

from datetime import UTC, datetime

import pytest

from meters.readings.models import Reading, RejectedReading
from services.meters.tests.meters_support import billing_event, days_ago, fleet_event
from shared.bus import PermanentError


async def rejected_list(portal, **params):
    response = await portal.client.get(
        "/api/meters/v1/rejected-readings", params=params, headers=portal.auth("agent")
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_an_automatic_reading_is_accepted_as_automatic(portal):
    collected_at = days_ago(1)
    await portal.collected("d1", collected_at, black=1_000, colour=100)
    latest = (await portal.history()).json()["latest"]
    assert (latest["source"], latest["submitted_by"], latest["submitted_by_name"], latest["counters"]) == (
        "automatic",
        None,
        None,
        {"black": 1_000, "colour": 100},
    )
    [event] = await portal.published("meters.reading.accepted")
    assert (event.data["source"], event.data["recipient_ids"]) == ("automatic", [])


async def test_a_refused_automatic_reading_is_kept_for_review_and_announced(portal):
    await portal.collected("d1", days_ago(2), black=1_000, colour=100)
    await portal.collected("d1", days_ago(1), black=900, colour=100)  # lower: refused, not dropped
    await portal.collected("d1", days_ago(0), black=99_999, colour=100)  # implausible: no one to confirm it
    await portal.collected("d1", days_ago(0), black=1_000, colour=100, large=5)  # not this device's counters
    body = await rejected_list(portal, reviewed="false")
    assert body["total"] == 3
    assert [i["reason_code"] for i in body["items"]] == [
        "invalid",
        "confirmation_required",
        "lower_than_previous",
    ]
    lower = body["items"][2]
    assert (
        lower["device_id"],
        lower["serial"],
        lower["counters"],
        lower["reviewed_at"],
        lower["resolution"],
    ) == ("d1", "SN-d1", {"black": 900, "colour": 100}, None, None)
    assert "black" in lower["reason"] and "1000" in lower["reason"]
    assert "counters.large" in body["items"][0]["reason"]
    events = await portal.published("meters.reading.rejected", 3)
    assert [e.data["reason_code"] for e in events] == [
        "lower_than_previous",
        "confirmation_required",
        "invalid",
    ]
    assert events[0].data["rejection_id"] == lower["id"] and events[0].data["source"] == "automatic"
    assert await portal.count(Reading) == 1


async def test_a_duplicate_fleet_event_changes_nothing(portal):
    collected_at = days_ago(1)
    event = fleet_event("d1", collected_at, black=1_000, colour=100)
    await portal.bus.deliver(event)
    await portal.bus.deliver(event)  # the same message redelivered: the inbox drops it
    await portal.bus.deliver(
        fleet_event("d1", collected_at, black=1_000, colour=100)
    )  # resent under a new id
    assert await portal.count(Reading) == 1
    assert await portal.count(RejectedReading) == 0
    assert len(await portal.staged("meters.reading.accepted")) == 1


async def test_an_unknown_serial_is_parked(portal):
    with pytest.raises(PermanentError, match="serial"):
        await portal.bus.deliver(fleet_event("unknown", days_ago(1), black=1))


async def test_an_agent_dismisses_or_accepts_a_rejected_reading(portal):
    await portal.collected("d1", days_ago(3), black=1_000, colour=100)
    await portal.collected("d1", days_ago(2), black=900, colour=100)
    await portal.collected("d1", days_ago(1), black=60_000, colour=100)
    implausible, lower = (await rejected_list(portal))["items"]
    base = "/api/meters/v1/rejected-readings"

    # Accepting the lower one is still refused by the rules: nothing changes.
    refused = await portal.client.post(
        f"{base}/{lower['id']}/review", json={"resolution": "accepted_as_agent"}, headers=portal.auth("agent")
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "lower_than_previous")
    dismissed = await portal.client.post(
        f"{base}/{lower['id']}/review", json={"resolution": "dismissed"}, headers=portal.auth("agent")
    )
    assert dismissed.status_code == 200
    assert (dismissed.json()["resolution"], dismissed.json()["reviewed_by"]) == ("dismissed", "agent")

    # The agent's review is the confirmation an implausible value needs.
    accepted = await portal.client.post(
        f"{base}/{implausible['id']}/review",
        json={"resolution": "accepted_as_agent"},
        headers=portal.auth("agent"),
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["reading_id"]
    latest = (await portal.history()).json()["latest"]
    assert (latest["id"], latest["source"], latest["submitted_by"], latest["confirmed_implausible"]) == (
        accepted.json()["reading_id"],
        "agent",
        "agent",
        True,
    )
    assert latest["read_at"] == implausible["read_at"]

    again = await portal.client.post(
        f"{base}/{implausible['id']}/review", json={"resolution": "dismissed"}, headers=portal.auth("agent")
    )
    assert (again.status_code, again.json()["code"]) == (409, "already_reviewed")
    assert (await rejected_list(portal))["total"] == 0
    assert (await rejected_list(portal, reviewed="true"))["total"] == 2
    missing = await portal.client.post(
        f"{base}/nope/review", json={"resolution": "dismissed"}, headers=portal.auth("agent")
    )
    assert missing.status_code == 404
    bad = await portal.client.post(
        f"{base}/{lower['id']}/review", json={"resolution": "maybe"}, headers=portal.auth("agent")
    )
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "resolution")


# Runs: what queued up is handled together, with the same outcome as one at a time -----------------------------

# A run is read and written set-based with Core statements: proven on PostgreSQL as well.
BOTH_DATABASES = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


@BOTH_DATABASES
async def test_a_run_of_fleet_readings_gets_the_same_verdicts_as_one_at_a_time(portal):
    await portal.bus.deliver_run(
        [
            fleet_event("d1", days_ago(3), black=1_000, colour=100),
            fleet_event("d2", days_ago(3), black=50, colour=5),
            fleet_event("d1", days_ago(2), black=1_200, colour=150),
            fleet_event(
                "d1", days_ago(1), black=1_100, colour=150
            ),  # lower than the day before: kept for review
            fleet_event("d2", days_ago(2), black=99_999, colour=5),  # implausible
            fleet_event("d2", days_ago(1), black=80, colour=9),
            fleet_event(
                "d1", days_ago(2), black=1_200, colour=150
            ),  # the same collection resent: nothing new
        ]
    )
    assert await portal.count(Reading) == 4
    body = await rejected_list(portal)
    assert sorted(i["reason_code"] for i in body["items"]) == ["confirmation_required", "lower_than_previous"]
    accepted = await portal.staged("meters.reading.accepted")
    assert [(a["device_id"], a["counters"]["black"]) for a in accepted] == [
        ("d1", 1_000),
        ("d2", 50),
        ("d1", 1_200),
        ("d2", 80),
    ]
    latest = (await portal.history(device_id="d1")).json()["latest"]
    assert latest["counters"] == {"black": 1_200, "colour": 150}


@BOTH_DATABASES
async def test_a_run_takes_corrections_and_open_requests_into_account(portal):
    await portal.collected("d1", days_ago(3), black=5_000, colour=500)
    assert (
        await portal.correct("agent", "d1", kind="counter_reset", counters=["black"], reason="Board swap")
    ).status_code == 201
    await portal.bus.deliver(billing_event("bill-1", ["d2"]))
    await portal.bus.deliver_run(
        [
            fleet_event(
                "d1", datetime.now(UTC), black=10, colour=520
            ),  # lower, but the counter was reset since
            fleet_event("d2", datetime.now(UTC), black=40, colour=4),  # answers the open request
        ]
    )
    assert await portal.count(Reading) == 3 and await portal.count(RejectedReading) == 0
    [closed] = await portal.published("meters.read_request.closed")
    assert closed.data["request_id"] == "bill-1"


async def test_a_run_naming_an_unknown_device_fails_whole_so_the_bus_can_park_that_event_alone(portal):
    with pytest.raises(PermanentError, match="unknown"):
        await portal.bus.deliver_run(
            [
                fleet_event("d1", days_ago(1), black=1_000, colour=100),
                fleet_event("unknown", days_ago(1), black=1),
            ]
        )
    assert await portal.count(Reading) == 0
    await portal.collected("d1", days_ago(1), black=1_000, colour=100)  # handled again alone, it is stored
    assert await portal.count(Reading) == 1
