"""Keep the local copies of devices, accounts and users from `accounts` (event-carried state transfer)."""

from meters.devices.models import Account, Device, DeviceAssignment, Membership, User
from shared.bus import EventHandlers, HandlerContext
from shared.events.accounts import AccountUpserted, DeviceRemoved, DeviceUpserted, UserUpserted

handlers = EventHandlers()


@handlers.on(DeviceUpserted)
async def keep_device(ctx: HandlerContext, data: DeviceUpserted) -> None:
    session = ctx.session
    device = await session.get(Device, data.device_id) or Device(id=data.device_id)
    device.account_id, device.serial, device.model = data.account_id, data.serial, data.model
    device.counters, device.daily_volume, device.active = data.counters, data.daily_volume, data.active
    # The event carries the full current set of assigned users, not a delta.
    device.assignments = [
        DeviceAssignment(device_id=data.device_id, user_id=u) for u in dict.fromkeys(data.assigned_user_ids)
    ]
    session.add(device)


@handlers.on(DeviceRemoved)
async def deactivate_device(ctx: HandlerContext, data: DeviceRemoved) -> None:
    session = ctx.session
    # Kept (inactive) so its readings still name the device.
    if device := await session.get(Device, data.device_id):
        device.active = False


@handlers.on(AccountUpserted)
async def keep_account(ctx: HandlerContext, data: AccountUpserted) -> None:
    session = ctx.session
    account = await session.get(Account, data.account_id) or Account(id=data.account_id)
    account.number, account.name, account.time_zone, account.active = (
        data.number,
        data.name,
        data.time_zone,
        data.active,
    )
    session.add(account)


@handlers.on(UserUpserted)
async def keep_user(ctx: HandlerContext, data: UserUpserted) -> None:
    session = ctx.session
    user = await session.get(User, data.user_id) or User(id=data.user_id)
    user.name, user.active, user.staff_role = data.name, data.active, data.staff_role
    roles = {m.account_id: m.role for m in data.memberships}
    user.memberships = [Membership(user_id=data.user_id, account_id=a, role=r) for a, r in roles.items()]
    session.add(user)
