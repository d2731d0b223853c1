"""The copies of devices, users and accounts keep the newest snapshot from `accounts` whichever order two
consumers commit them in: an older or equal version is ignored, with its assignment or memberships (F-80)."""

import pytest
from sqlalchemy import select

from meters.devices.models import Account, Device, DeviceAssignment, Membership, User
from services.meters.tests.meters_support import ACCOUNT, account_event, device_event, user_event
from shared.events import CloudEvent, new_event
from shared.events.accounts import DeviceRemoved

BOTH_DATABASES = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


def numbered(event: CloudEvent, version: int, **changes) -> CloudEvent:
    event.data = {**event.data, "version": version, **changes}
    return event


async def rows(portal, model, *where) -> list:
    async with portal.app.state.db.session() as session:
        return list((await session.scalars(select(model).where(*where))).all())


@BOTH_DATABASES
async def test_a_late_older_device_snapshot_keeps_the_newer_assignment(portal):
    await portal.bus.deliver(numbered(device_event("d9", ACCOUNT, ["manager"]), 2, daily_volume=500))
    await portal.bus.deliver(numbered(device_event("d9", ACCOUNT, []), 1))  # older, committed late
    await portal.bus.deliver(numbered(device_event("d9", ACCOUNT, ["dsm"]), 2))  # the same version again
    (device,) = await rows(portal, Device, Device.id == "d9")
    assert (device.version, device.daily_volume) == (2, 500)
    assert [a.user_id for a in await rows(portal, DeviceAssignment, DeviceAssignment.device_id == "d9")] == [
        "manager"
    ]
    assert (await portal.history("manager", "d9")).status_code == 200

    await portal.bus.deliver(numbered(device_event("d9", ACCOUNT, ["dsm", "dsm"]), 3))  # newer: applies
    assigned = await rows(portal, DeviceAssignment, DeviceAssignment.device_id == "d9")
    assert [a.user_id for a in assigned] == ["dsm"]
    assert (await portal.history("manager", "d9")).status_code == 404


@BOTH_DATABASES
async def test_a_late_older_user_or_account_snapshot_is_ignored(portal):
    await portal.bus.deliver(numbered(user_event("manager"), 5, name="Newer Name"))
    await portal.bus.deliver(numbered(user_event("manager"), 4, name="Older Name", memberships=[]))
    await portal.bus.deliver(numbered(user_event("manager"), 5, name="Same Version"))
    (user,) = await rows(portal, User, User.id == "manager")
    assert (user.name, user.version) == ("Newer Name", 5)
    assert [m.account_id for m in await rows(portal, Membership, Membership.user_id == "manager")] == [
        ACCOUNT
    ]

    await portal.bus.deliver(numbered(user_event("manager"), 6, memberships=[]))
    assert await rows(portal, Membership, Membership.user_id == "manager") == []

    await portal.bus.deliver(numbered(account_event(ACCOUNT), 2, name="Renamed"))
    await portal.bus.deliver(numbered(account_event(ACCOUNT), 1, name="Old name"))
    (account,) = await rows(portal, Account, Account.id == ACCOUNT)
    assert (account.name, account.version) == ("Renamed", 2)


async def test_a_snapshot_from_before_versions_applies_only_to_a_copy_without_one(portal):
    await portal.bus.deliver(numbered(device_event("d9", ACCOUNT, ["manager"]), 0))
    await portal.bus.deliver(
        numbered(device_event("d9", ACCOUNT, ["dsm"]), 0)
    )  # both unnumbered: the last wins
    await portal.bus.deliver(numbered(device_event("d9", ACCOUNT, ["manager2"]), 1))
    await portal.bus.deliver(
        numbered(device_event("d9", ACCOUNT, []), 0)
    )  # unnumbered after numbered: ignored
    assigned = await rows(portal, DeviceAssignment, DeviceAssignment.device_id == "d9")
    assert [a.user_id for a in assigned] == ["manager2"]


@BOTH_DATABASES
async def test_a_removal_is_not_undone_by_an_older_snapshot_arriving_after_it(portal):
    await portal.bus.deliver(numbered(device_event("d9", ACCOUNT, ["manager"]), 1))
    await portal.bus.deliver(
        new_event(DeviceRemoved(device_id="d9", account_id=ACCOUNT, version=3), source="accounts")
    )
    await portal.bus.deliver(
        numbered(device_event("d9", ACCOUNT, ["manager"]), 2)
    )  # published before the removal
    (device,) = await rows(portal, Device, Device.id == "d9")
    assert (device.active, device.version) == (False, 3)
    await portal.bus.deliver(numbered(device_event("d9", ACCOUNT, ["manager"]), 4))  # the CRM brought it back
    (device,) = await rows(portal, Device, Device.id == "d9")
    assert (device.active, device.version) == (True, 4)
