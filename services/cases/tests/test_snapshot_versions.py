"""The copies of devices, users and accounts keep the newest snapshot from `accounts` whichever order two
consumers commit them in: an older or equal version is ignored, with its assignment (F-80)."""

from sqlalchemy import select

from cases.directory.models import Account, Device, User
from services.cases.tests.conftest import account_event, device_event, user_event
from shared.clock import now
from shared.events import CloudEvent, new_event
from shared.events.accounts import AccountCreditStatusChanged, DeviceRemoved


def numbered(event: CloudEvent, version: int, **changes) -> CloudEvent:
    event.data = {**event.data, "version": version, **changes}
    return event


async def copy_of(portal, model, key: str):
    async with portal.app.state.db.session() as session:
        return await session.scalar(select(model).where(model.id == key))


async def test_a_late_older_device_snapshot_keeps_the_newer_assignment(portal):
    await portal.bus.deliver(numbered(device_event("d2", "acc-1", ["manager"]), 2, response_time_hours=4))
    await portal.bus.deliver(numbered(device_event("d2", "acc-1", ["manager2"]), 1))  # older, committed late
    await portal.bus.deliver(numbered(device_event("d2", "acc-1", []), 2))  # the same version again
    device = await copy_of(portal, Device, "d2")
    assert (device.version, device.response_time_hours, device.assigned_user_ids) == (2, 4, ["manager"])
    assert (await portal.create("manager", "d2")).status_code == 201

    await portal.bus.deliver(numbered(device_event("d2", "acc-1", ["manager2"]), 3))  # newer: applies
    assert (await copy_of(portal, Device, "d2")).assigned_user_ids == ["manager2"]
    assert (await portal.create("manager", "d2")).status_code == 404


async def test_a_late_older_user_or_account_snapshot_is_ignored(portal):
    await portal.bus.deliver(numbered(user_event("manager"), 5, phone="+34 600 000 001"))
    await portal.bus.deliver(numbered(user_event("manager"), 4, phone="", memberships=[]))
    user = await copy_of(portal, User, "manager")
    assert (user.phone, user.memberships, user.version) == ("+34 600 000 001", {"acc-1": "device_manager"}, 5)

    on_hold = AccountCreditStatusChanged(
        account_id="acc-1", number="N-acc-1", status="hold", changed_at=now()
    )
    await portal.bus.deliver(new_event(on_hold, source="accounts"))
    await portal.bus.deliver(numbered(account_event("acc-1"), 2, name="Renamed"))
    await portal.bus.deliver(numbered(account_event("acc-1"), 1, name="Old name"))
    account = await copy_of(portal, Account, "acc-1")
    # The credit status is not in the snapshot: a newer snapshot keeps it.
    assert (account.name, account.version, account.credit_status) == ("Renamed", 2, "hold")


async def test_a_removal_is_not_undone_by_an_older_snapshot_arriving_after_it(portal):
    await portal.bus.deliver(numbered(device_event("d2", "acc-1", ["manager"]), 1))
    removal = DeviceRemoved(device_id="d2", account_id="acc-1", version=3)
    await portal.bus.deliver(new_event(removal, source="accounts"))
    await portal.bus.deliver(numbered(device_event("d2", "acc-1", ["manager"]), 2))  # published before it
    device = await copy_of(portal, Device, "d2")
    assert (device.active, device.version) == (False, 3)
