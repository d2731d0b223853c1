"""Who may read and submit which device's readings (SPEC §1, ARCHITECTURE §5): 404 for what is not the
caller's to see (another account, unassigned, missing), 403 for a role that may not submit readings."""

import pytest

from meters.readings.models import Reading
from services.meters.tests.meters_support import PEOPLE

# user -> the devices whose readings they may read and submit
MAY_READ = {
    "admin": {"d1", "d2", "d4"},
    "manager": {"d1"},
    "manager2": {"d2"},
    "dsm": {"d1"},
    "stock": set(),
    "knowledge": set(),
    "other_admin": {"d3"},
    "agent": {"d1", "d2", "d3", "d4"},
}
ROLE_REFUSED = {"stock", "knowledge"}  # members of acc-1 whose role may not submit readings


@pytest.mark.parametrize("user", sorted(MAY_READ))
async def test_history_follows_role_and_assignment(portal, user):
    for device in ("d1", "d2", "d3", "d4", "missing"):
        response = await portal.history(user, device)
        expected = 200 if device in MAY_READ[user] else 404
        assert response.status_code == expected, (user, device, response.text)


@pytest.mark.parametrize("user", sorted(MAY_READ))
async def test_submission_follows_role_and_assignment(portal, user):
    for device in ("d1", "d2", "d3", "d4", "missing"):
        response = await portal.submit(user, device, black=1, colour=1)
        if device in MAY_READ[user]:
            expected = 201
        elif user in ROLE_REFUSED and device in ("d1", "d2", "d4"):
            expected = 403
        else:
            expected = 404
        assert response.status_code == expected, (user, device, response.text)
        if expected == 201:
            source = "agent" if PEOPLE[user][1] is None else "customer"
            assert response.json()["source"] == source
    assert await portal.count(Reading) == len(MAY_READ[user])


async def test_a_removed_device_answers_404(portal):
    from shared.events import new_event
    from shared.events.accounts import DeviceRemoved

    await portal.bus.deliver(new_event(DeviceRemoved(device_id="d1", account_id="acc-1"), source="accounts"))
    assert (await portal.history("admin", "d1")).status_code == 404
    assert (await portal.submit("admin", "d1", black=1, colour=1)).status_code == 404


async def test_customers_may_not_choose_the_source_but_staff_may_record_an_estimate(portal):
    body = {"counters": {"black": 1, "colour": 1}, "source": "estimate"}
    refused = await portal.client.post(
        "/api/meters/v1/devices/d1/readings", json=body, headers=portal.auth("admin")
    )
    assert refused.status_code == 403
    estimate = await portal.client.post(
        "/api/meters/v1/devices/d1/readings", json=body, headers=portal.auth("agent")
    )
    assert estimate.status_code == 201
    assert estimate.json()["source"] == "estimate"


async def test_staff_only_endpoints_refuse_customers(portal):
    for user in ("admin", "manager"):
        listed = await portal.client.get("/api/meters/v1/rejected-readings", headers=portal.auth(user))
        assert listed.status_code == 403
        review = await portal.client.post(
            "/api/meters/v1/rejected-readings/x/review",
            json={"resolution": "dismissed"},
            headers=portal.auth(user),
        )
        assert review.status_code == 403


async def test_a_user_copy_update_replaces_the_memberships(portal):
    from shared.events import new_event
    from shared.events.accounts import Membership, UserUpserted

    for role in ("device_manager", "administrator", "administrator"):
        await portal.bus.deliver(
            new_event(
                UserUpserted(
                    user_id="manager",
                    email="m@example.com",
                    name="Max Renamed",
                    language="en",
                    time_zone="UTC",
                    active=True,
                    memberships=[Membership(account_id="acc-1", role=role)],
                ),
                source="accounts",
            )
        )
    assert (await portal.submit("manager", "d1", black=1, colour=1)).json()[
        "submitted_by_name"
    ] == "Max Renamed"
