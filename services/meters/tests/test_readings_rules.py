"""F-20 to F-23 and F-26 through the API: every rule with its exact error body, the same for every submitter."""

from datetime import datetime

import pytest

from meters.readings.models import Reading
from services.meters.tests.meters_support import days_ago


async def test_a_customer_reading_is_accepted_published_and_audited(portal):
    response = await portal.submit(black=1000, colour=500)
    assert response.status_code == 201, response.text
    item = response.json()
    assert set(item) == {
        "id",
        "local_date",
        "read_at",
        "counters",
        "source",
        "submitted_by",
        "submitted_by_name",
        "confirmed_implausible",
    }
    assert (
        item["counters"],
        item["source"],
        item["submitted_by"],
        item["submitted_by_name"],
        item["confirmed_implausible"],
    ) == ({"black": 1000, "colour": 500}, "customer", "manager", "Max Manager", False)
    [event] = await portal.published("meters.reading.accepted")
    assert (
        event.subject,
        event.data["reading_id"],
        event.data["serial"],
        event.data["recipient_ids"],
        event.data["source"],
    ) == ("d1", item["id"], "SN-d1", ["manager"], "customer")
    assert event.data["local_date"] == item["local_date"]
    from meters.audit.models import AuditEntry

    assert await portal.count(AuditEntry) == 1


@pytest.mark.parametrize(
    "counters, fields",
    [
        ({"black": 10}, ["counters.colour"]),
        ({"black": 10, "colour": 5, "large": 3}, ["counters.large"]),
        ({"black": -1, "colour": 5}, ["counters.black"]),
        ({"black": 1.5, "colour": 5}, ["counters.black"]),
        ({"black": "12", "colour": 5}, ["counters.black"]),
        ({"black": True, "colour": 5}, ["counters.black"]),
        ({"black": None, "colour": None}, ["counters.black", "counters.colour"]),
        ({}, ["counters.black", "counters.colour"]),
    ],
)
async def test_counters_must_be_exactly_the_devices_whole_numbers(portal, counters, fields):
    response = await portal.client.post(
        "/api/meters/v1/devices/d1/readings", json={"counters": counters}, headers=portal.auth("manager")
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert body["code"] == "invalid"
    assert [e["field"] for e in body["errors"]] == fields
    assert all(f in body["detail"] for f in fields)
    assert await portal.count(Reading) == 0


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "counters"),
        ({"counters": [1, 2]}, "counters"),
        ({"counters": {"black": 1, "colour": 2}, "confirm": "yes"}, "confirm"),
    ],
)
async def test_malformed_bodies_name_the_field(portal, body, field):
    response = await portal.client.post(
        "/api/meters/v1/devices/d1/readings", json=body, headers=portal.auth("manager")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


async def test_a_value_lower_than_the_previous_one_is_refused_naming_counter_value_and_date(portal):
    await portal.collected("d1", days_ago(3), black=5000, colour=900)
    previous_date = (await portal.history()).json()["latest"]["local_date"]
    response = await portal.submit(black=5100, colour=899)
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["counter"], body["previous_value"], body["previous_date"]) == (
        "lower_than_previous",
        "colour",
        900,
        previous_date,
    )
    assert "colour" in body["detail"] and "900" in body["detail"] and previous_date in body["detail"]
    assert body["errors"] == [
        {
            "field": "counters.colour",
            "code": "lower_than_previous",
            "params": {"counter": "colour", "previous": 900, "date": previous_date},
            "message": "lower than the previous reading (900)",
        }
    ]
    # An equal value is not lower.
    assert (await portal.submit(black=5100, colour=900)).status_code == 201


async def test_a_second_reading_the_same_local_day_is_refused_naming_the_date(portal):
    first = await portal.submit(black=10, colour=5)
    assert first.status_code == 201
    for user in ("manager", "admin", "agent"):
        again = await portal.submit(user, black=20, colour=6)
        assert again.status_code == 409
        body = again.json()
        assert (body["code"], body["local_date"]) == ("already_read_today", first.json()["local_date"])
        assert first.json()["local_date"] in body["detail"]
    assert await portal.count(Reading) == 1


async def test_the_day_is_the_accounts_local_day(portal):
    # 23:30 UTC on 1 March is already 2 March in Madrid.
    await portal.collected("d1", datetime.fromisoformat("2026-03-01T23:30:00+00:00"), black=1, colour=1)
    latest = (await portal.history()).json()["latest"]
    assert (latest["local_date"], latest["read_at"]) == ("2026-03-02", "2026-03-01T23:30:00Z")


async def test_an_implausible_reading_needs_confirmation_and_is_marked(portal):
    await portal.collected("d1", days_ago(2), black=10_000, colour=1_000)
    # daily volume 200: more than max(2,000, 1,200) pages a day needs confirmation; 2 days -> above 14,000.
    refused = await portal.submit(black=14_002, colour=1_000)
    assert refused.status_code == 409
    body = refused.json()
    assert (body["code"], body["counter"], body["implied_per_day"], body["usual_per_day"]) == (
        "confirmation_required",
        "black",
        2001,
        200,
    )
    assert "2001" in body["detail"] and "200 pages a day" in body["detail"]
    assert (await portal.submit(black=14_002, colour=1_000, confirm=False)).status_code == 409
    confirmed = await portal.submit(black=14_002, colour=1_000, confirm=True)
    assert confirmed.status_code == 201
    assert confirmed.json()["confirmed_implausible"] is True
    event = (await portal.published("meters.reading.accepted", 2))[-1]
    assert event.data["confirmed_implausible"] is True


async def test_a_plausible_reading_needs_no_confirmation_and_the_first_reading_is_never_checked(portal):
    assert (
        await portal.submit(black=9_000_000, colour=1)
    ).status_code == 201  # the first: nothing to compare
    await portal.collected("d2", days_ago(2), black=10_000, colour=1_000)
    ok = await portal.submit("manager2", "d2", black=14_000, colour=1_000)
    assert ok.status_code == 201
    assert ok.json()["confirmed_implausible"] is False


async def test_history_is_newest_first_and_paged(portal):
    for day in range(25, 0, -1):
        await portal.collected("d1", days_ago(day), black=1000 - day, colour=100)
    await portal.submit("agent", black=2000, colour=100)
    first = (await portal.history(limit=10)).json()
    assert (first["device_id"], first["counters"], first["total"], first["limit"], first["offset"]) == (
        "d1",
        ["black", "colour"],
        26,
        10,
        0,
    )
    assert [i["counters"]["black"] for i in first["items"]] == [2000, *range(999, 990, -1)]
    assert first["latest"] == first["items"][0]
    assert (first["latest"]["source"], first["latest"]["submitted_by_name"]) == ("agent", "Agnes Agent")
    third = (await portal.history(limit=10, offset=20)).json()
    assert [i["counters"]["black"] for i in third["items"]] == list(range(980, 974, -1))
    assert third["latest"] == first["latest"]
    assert all(i["source"] == "automatic" and i["submitted_by"] is None for i in third["items"])
    dates = [i["local_date"] for i in first["items"]]
    assert dates == sorted(dates, reverse=True)
    assert (await portal.history(offset=-1)).status_code == 422
    assert (await portal.history(limit=101)).status_code == 422


async def test_an_empty_history(portal):
    body = (await portal.history("admin", "d4")).json()
    assert (body["items"], body["total"], body["latest"]) == ([], 0, None)


async def test_only_staff_record_corrections_and_then_a_lower_reading_is_accepted(portal):
    await portal.collected("d1", days_ago(1), black=50_000, colour=7_000)
    assert (await portal.submit(black=10, colour=7_000)).json()["code"] == "lower_than_previous"
    for user in ("admin", "manager"):
        refused = await portal.correct(
            user, "d1", kind="counter_reset", counters=["black"], reason="Board swap"
        )
        assert refused.status_code == 403
    recorded = await portal.correct(
        "agent", "d1", kind="counter_reset", counters=["black"], reason="  Main board replaced  "
    )
    assert recorded.status_code == 201, recorded.text
    assert {k: recorded.json()[k] for k in ("device_id", "kind", "counters", "reason", "recorded_by")} == {
        "device_id": "d1",
        "kind": "counter_reset",
        "counters": ["black"],
        "reason": "Main board replaced",
        "recorded_by": "agent",
    }
    # Only the reset counter may go down; colour keeps its baseline.
    assert (await portal.submit(black=10, colour=6_999)).json()["counter"] == "colour"
    accepted = await portal.submit(black=10, colour=7_000)
    assert accepted.status_code == 201, accepted.text


async def test_a_device_replacement_restarts_every_counter(portal):
    await portal.collected("d1", days_ago(1), black=50_000, colour=7_000)
    assert (
        await portal.correct("agent", "d1", kind="device_replacement", reason="New unit")
    ).status_code == 201
    assert (await portal.submit(black=3, colour=1)).status_code == 201


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "counter_reset", "counters": ["black"], "reason": "ab"}, "reason"),
        ({"kind": "counter_reset", "counters": ["black"], "reason": "x" * 501}, "reason"),
        ({"kind": "counter_reset", "counters": ["black"]}, "reason"),
        ({"kind": "counter_reset", "counters": [], "reason": "Reset"}, "counters"),
        ({"kind": "counter_reset", "counters": ["black", "large"], "reason": "Reset"}, "counters.1"),
        ({"kind": "repair", "counters": ["black"], "reason": "Reset"}, "kind"),
    ],
)
async def test_invalid_corrections_name_the_field(portal, body, field):
    response = await portal.client.post(
        "/api/meters/v1/devices/d1/corrections", json=body, headers=portal.auth("agent")
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


async def test_a_correction_for_an_unknown_device_is_404(portal):
    response = await portal.correct("agent", "nope", kind="device_replacement", reason="New unit")
    assert response.status_code == 404


async def test_a_late_reading_may_not_exceed_a_newer_one(portal):
    await portal.collected("d1", days_ago(1), black=1_000, colour=100)
    await portal.collected("d1", days_ago(3), black=1_200, colour=100)
    [rejected] = (
        await portal.client.get("/api/meters/v1/rejected-readings", headers=portal.auth("agent"))
    ).json()["items"]
    assert (rejected["reason_code"], rejected["counters"]) == (
        "higher_than_next",
        {"black": 1_200, "colour": 100},
    )
