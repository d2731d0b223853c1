"""Keep the local copies of accounts, users and devices from `accounts.*` events."""

from sqlalchemy import delete, insert

from cases.directory.models import Account, Device, DeviceAssignment, User
from shared.bus import EventHandlers, HandlerContext
from shared.db import update_if_newer, upsert_if_newer
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
    # The credit status is not in the snapshot: kept as it is (`good` for a new copy).
    fields = data.model_dump(
        include={"number", "name", "country", "subdivision", "time_zone", "active", "version"}
    )
    await upsert_if_newer(ctx.session, Account.__table__, {"id": data.account_id, **fields}, "id")


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
    fields = data.model_dump(
        include={"name", "email", "phone", "language", "active", "staff_role", "version"}
    )
    memberships = {m.account_id: m.role for m in data.memberships}
    await upsert_if_newer(
        ctx.session, User.__table__, {"id": data.user_id, "memberships": memberships, **fields}, "id"
    )


@handlers.on(DeviceUpserted)
async def keep_device(ctx: HandlerContext, data: DeviceUpserted) -> None:
    session = ctx.session
    fields = data.model_dump(
        include={"account_id", "serial", "model", "response_time_hours", "active", "version"}
    )
    row = {"id": data.device_id, "location": data.location.model_dump(), **fields}
    if not await upsert_if_newer(session, Device.__table__, row, "id"):
        return  # an older snapshot than the copy's: its assignment is older too
    # The event carries the full current set of assigned users, not a delta.
    await session.execute(delete(DeviceAssignment).where(DeviceAssignment.device_id == data.device_id))
    if assigned := dict.fromkeys(data.assigned_user_ids):
        await session.execute(
            insert(DeviceAssignment), [{"device_id": data.device_id, "user_id": u} for u in assigned]
        )


@handlers.on(DeviceRemoved)
async def deactivate_device(ctx: HandlerContext, data: DeviceRemoved) -> None:
    # Kept (inactive) so the cases of a removed device still show which device they were about.
    await update_if_newer(
        ctx.session, Device.__table__, "id", data.device_id, data.version, {"active": False}
    )
