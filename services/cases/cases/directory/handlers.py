"""Keep the local copies of accounts, users and devices from `accounts.*` events."""

from cases.directory.models import Account, Device, DeviceAssignment, User
from shared.bus import EventHandlers, HandlerContext
from shared.events.accounts import (
    AccountCreditStatusChanged,
    AccountUpserted,
    DeviceRemoved,
    DeviceUpserted,
    UserUpserted,
)

handlers = EventHandlers()


@handlers.on(AccountUpserted)
async def keep_account(ctx: HandlerContext, data: AccountUpserted) -> None:
    session = ctx.session
    account = await session.get(Account, data.account_id) or Account(id=data.account_id)
    account.number, account.name, account.country = data.number, data.name, data.country
    account.subdivision = data.subdivision
    account.time_zone, account.active = data.time_zone, data.active
    session.add(account)


class AccountNotKnownYet(Exception):
    """Retried: `accounts` publishes an account before its credit status, and that event will arrive."""


@handlers.on(AccountCreditStatusChanged)
async def keep_credit_status(ctx: HandlerContext, data: AccountCreditStatusChanged) -> None:
    account = await ctx.session.get(Account, data.account_id)
    if account is None:
        raise AccountNotKnownYet(f"account {data.number} is not known yet")
    account.credit_status, account.credit_reason = data.status, data.reason


@handlers.on(UserUpserted)
async def keep_user(ctx: HandlerContext, data: UserUpserted) -> None:
    session = ctx.session
    user = await session.get(User, data.user_id) or User(id=data.user_id)
    user.name, user.email, user.phone = data.name, data.email, data.phone
    user.language, user.active, user.staff_role = data.language, data.active, data.staff_role
    user.memberships = {m.account_id: m.role for m in data.memberships}
    session.add(user)


@handlers.on(DeviceUpserted)
async def keep_device(ctx: HandlerContext, data: DeviceUpserted) -> None:
    session = ctx.session
    device = await session.get(Device, data.device_id) or Device(id=data.device_id)
    device.account_id, device.serial, device.model = data.account_id, data.serial, data.model
    device.response_time_hours, device.active = data.response_time_hours, data.active
    device.location = data.location.model_dump()
    # The event carries the full current set of assigned users, not a delta.
    device.assignments = [
        DeviceAssignment(device_id=data.device_id, user_id=u) for u in dict.fromkeys(data.assigned_user_ids)
    ]
    session.add(device)


@handlers.on(DeviceRemoved)
async def deactivate_device(ctx: HandlerContext, data: DeviceRemoved) -> None:
    session = ctx.session
    # Kept (inactive) so the cases of a removed device still show which device they were about.
    if device := await session.get(Device, data.device_id):
        device.active = False
