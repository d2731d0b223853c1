"""Keep the local copies of devices, accounts and users from `accounts` (event-carried state transfer)."""

from sqlalchemy import delete, insert

from meters.devices.models import Account, Device, DeviceAssignment, Membership, User
from shared.bus import EventHandlers, HandlerContext
from shared.db import update_if_newer, upsert_if_newer
from shared.events.accounts import AccountUpserted, DeviceRemoved, DeviceUpserted, UserUpserted

handlers = EventHandlers()


@handlers.on(DeviceUpserted)
async def keep_device(ctx: HandlerContext, data: DeviceUpserted) -> None:
    session = ctx.session
    fields = data.model_dump(
        include={"account_id", "serial", "model", "counters", "daily_volume", "active", "version"}
    )
    if not await upsert_if_newer(session, Device.__table__, {"id": data.device_id, **fields}, "id"):
        return  # an older snapshot than the copy's: its assignment is older too
    # The event carries the full current set of assigned users, not a delta.
    await session.execute(delete(DeviceAssignment).where(DeviceAssignment.device_id == data.device_id))
    if assigned := dict.fromkeys(data.assigned_user_ids):
        await session.execute(
            insert(DeviceAssignment), [{"device_id": data.device_id, "user_id": u} for u in assigned]
        )


@handlers.on(DeviceRemoved)
async def deactivate_device(ctx: HandlerContext, data: DeviceRemoved) -> None:
    # Kept (inactive) so its readings still name the device.
    await update_if_newer(
        ctx.session, Device.__table__, "id", data.device_id, data.version, {"active": False}
    )


@handlers.on(AccountUpserted)
async def keep_account(ctx: HandlerContext, data: AccountUpserted) -> None:
    fields = data.model_dump(include={"number", "name", "time_zone", "active", "version"})
    await upsert_if_newer(ctx.session, Account.__table__, {"id": data.account_id, **fields}, "id")


@handlers.on(UserUpserted)
async def keep_user(ctx: HandlerContext, data: UserUpserted) -> None:
    session = ctx.session
    fields = data.model_dump(include={"name", "active", "staff_role", "version"})
    if not await upsert_if_newer(session, User.__table__, {"id": data.user_id, **fields}, "id"):
        return  # an older snapshot than the copy's: its memberships are older too
    await session.execute(delete(Membership).where(Membership.user_id == data.user_id))
    if roles := {m.account_id: m.role for m in data.memberships}:
        await session.execute(
            insert(Membership),
            [{"user_id": data.user_id, "account_id": a, "role": r} for a, r in roles.items()],
        )
