"""The vendor's CRM is the source of accounts, devices (products) and contacts (F-50).

Handlers are idempotent twice over: the inbox drops a redelivered event, and a new event that repeats
the current state changes nothing and publishes nothing."""

import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.audit.service import CRM, record
from accounts.auth.service import revoke_all_sessions
from accounts.customer_accounts.events import publish_account
from accounts.customer_accounts.models import Account
from accounts.devices.events import publish_device, publish_device_removed
from accounts.devices.models import Device
from accounts.invitations.service import has_open_invitation, issue_invitation
from accounts.settings import Settings
from accounts.users.events import publish_user
from accounts.users.models import User
from accounts.users.passwords import hash_password
from accounts.users.service import (
    assign_device,
    create_user,
    remove_membership,
    set_membership,
    user_by_email,
)
from shared.audit import apply_changes
from shared.bus import EventHandlers, HandlerContext, PermanentError
from shared.events.vendor import CrmAccountUpserted, CrmContactUpserted, CrmProductRemoved, CrmProductUpserted
from shared.events.vocabulary import CustomerRole
from shared.outbox import Outbox

log = logging.getLogger(__name__)


class AccountNotKnownYet(Exception):
    """Retried: the account's own event usually arrives first, and will."""


def valid_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PermanentError(f"time_zone: {name!r} is not an IANA time zone") from exc
    return name


async def account_by_number(session: AsyncSession, number: str) -> Account:
    account = await session.scalar(select(Account).where(Account.number == number))
    if account is None:
        raise AccountNotKnownYet(f"account {number} is not known yet")
    return account


handlers = EventHandlers()


@handlers.on(CrmAccountUpserted)
async def keep_account(ctx: HandlerContext, data: CrmAccountUpserted) -> None:
    session = ctx.session
    values = {
        "name": data.name,
        "country": data.country.upper(),
        "subdivision": data.subdivision.upper() if data.subdivision else None,
        "language": data.language,
        "time_zone": valid_time_zone(data.time_zone),
        "active": data.active,
        "addresses": [address.model_dump(mode="json") for address in data.addresses],
        "contacts": [contact.model_dump(mode="json") for contact in data.contacts],
    }
    if data.address is not None:
        values |= {
            "street": data.address.street,
            "postal_code": data.address.postal_code,
            "city": data.address.city,
            "region": data.address.region,
        }
    account = await session.scalar(select(Account).where(Account.number == data.account_number))
    if account is None:
        account = Account(number=data.account_number, **values)
        session.add(account)
        await session.flush()
        changes = {name: (None, value) for name, value in values.items()}
    else:
        changes = apply_changes(account, values)
    if changes:
        record(
            session,
            CRM,
            "account.upserted",
            "account",
            account.id,
            account=account.id,
            changes=changes,
            fields=sorted(changes),
        )
        await publish_account(session, ctx.outbox, account)


@handlers.on(CrmProductUpserted)
async def keep_device(ctx: HandlerContext, data: CrmProductUpserted) -> None:
    session = ctx.session
    account = await account_by_number(session, data.account_number)
    values = {
        "account_id": account.id,
        "model": data.model,
        "model_class": data.model_class,
        "street": data.address.street,
        "postal_code": data.address.postal_code,
        "city": data.address.city,
        "region": data.address.region,
        "country": data.address.country.upper(),
        **data.location.model_dump(),
        "contract_number": data.contract_number,
        "response_time_hours": data.response_time_hours,
        "daily_volume": data.daily_volume,
        "active": True,
    }
    device = await session.scalar(select(Device).where(Device.serial == data.serial))
    if device is None:
        device = Device(serial=data.serial, assignments=[], **values)
        session.add(device)
        await session.flush()
        changes = {name: (None, value) for name, value in values.items()}
    else:
        moved = device.account_id != account.id
        changes = apply_changes(device, values)
        if moved:
            # Users of the previous account must not keep a device that is no longer theirs.
            device.assignments.clear()
    if changes:
        record(
            session,
            CRM,
            "device.upserted",
            "device",
            device.id,
            account=device.account_id,
            changes=changes,
            fields=sorted(changes),
        )
        await publish_device(session, ctx.outbox, device)


@handlers.on(CrmProductRemoved)
async def remove_device(ctx: HandlerContext, data: CrmProductRemoved) -> None:
    session = ctx.session
    device = await session.scalar(select(Device).where(Device.serial == data.serial))
    if device is None or not device.active:
        return
    device.active = False
    record(
        session,
        CRM,
        "device.removed",
        "device",
        device.id,
        account=device.account_id,
        serial=device.serial,
    )
    await publish_device_removed(session, ctx.outbox, device)


@handlers.on(CrmContactUpserted)
async def keep_contact(ctx: HandlerContext, data: CrmContactUpserted) -> None:
    session, outbox, settings = ctx.session, ctx.outbox, ctx.settings
    account = await account_by_number(session, data.account_number)
    user, created = await contact_user(session, data, settings, account.time_zone)
    user_changed = created
    if data.role is None:
        if remove_membership(session, CRM, user, account.id):
            user_changed = True
            await revoke_all_sessions(session, outbox, user.id, settings)
    elif set_membership(session, CRM, user, account.id, data.role):
        user_changed = True
        if not created:
            # Tokens carry the role: a changed role takes effect at the next login.
            await revoke_all_sessions(session, outbox, user.id, settings)
    await session.flush()
    if user.role_in(account.id):  # not to a member the account's administrators deactivated
        await assign_serials(session, outbox, account, user, data.device_serials)
    if user_changed:
        await publish_user(session, outbox, user)
    if (
        data.role == CustomerRole.ADMINISTRATOR
        and user.password_hash is None
        and not await has_open_invitation(session, user.id)
    ):
        await issue_invitation(session, outbox, user, account, data.role)


async def contact_user(
    session: AsyncSession, data: CrmContactUpserted, settings: Settings, time_zone: str
) -> tuple[User, bool]:
    """The user for the contact's email, created when new in the account's time zone (name, phone, language
    and time zone are the user's to change afterwards, so the CRM sets them only once)."""
    user = await user_by_email(session, data.email)
    if user is not None:
        return user, False
    demo_password = settings.effective_demo_password
    user = create_user(
        session,
        CRM,
        email=data.email,
        name=data.name,
        phone=data.phone,
        language=data.language,
        time_zone=time_zone,
        active=True,
        email_verified=bool(demo_password),
        password_hash=await hash_password(demo_password) if demo_password else None,
    )
    await session.flush()
    return user, True


class DevicesNotYetKnown(RuntimeError):
    """A contact names devices this service has not received (yet)."""


async def assign_serials(
    session: AsyncSession, outbox: Outbox, account: Account, user: User, serials: list[str]
) -> None:
    if not serials:
        return
    devices = (
        await session.scalars(
            select(Device).where(
                Device.serial.in_(serials), Device.account_id == account.id, Device.active.is_(True)
            )
        )
    ).all()
    unknown = set(serials) - {d.serial for d in devices}
    if unknown:
        # The product events may still be on their way (or waiting for a retry): try the contact again
        # later; if the devices never arrive the event is parked with this reason for an operator.
        raise DevicesNotYetKnown(f"serials not on account {account.number}: {', '.join(sorted(unknown))}")
    for device in devices:
        if assign_device(session, CRM, device, user.id):
            await publish_device(session, outbox, device)
