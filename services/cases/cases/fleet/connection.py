"""A device's online state from the fleet software (F-50, F-71): `fleet.device.offline` starts an outage,
`fleet.device.online` or any later automatic reading ends it.

Reports may come late, twice, or out of order: each change is applied on the device's locked state row only when
it is newer than the latest change applied (`changed_at`), so an old report never undoes a newer one. An outage
is told once, when it starts: a second "offline" while the device is still offline changes nothing."""

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit import service as audit
from cases.case.models import Case, CaseMessage
from cases.directory.access import DEVICE_ROLES
from cases.directory.models import Device, User
from cases.fleet.models import DeviceConnection, DeviceOutage, OutageCase
from cases.fleet.wording import language_of, text
from shared.db import upsert_ignore, utcnow
from shared.events.cases import DeviceBackOnline, DeviceWentOffline
from shared.events.vocabulary import CustomerRole
from shared.outbox import Outbox

log = logging.getLogger(__name__)
FLEET_ACTOR = "fleet"
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
GUIDE_CATEGORY = "device_offline"


def guide_path(serial: str) -> str:
    """The self-help guide that walks the customer through reconnecting this device."""
    return f"/help/guides?device={serial}&category={GUIDE_CATEGORY}"


def as_utc(value: datetime) -> datetime:
    """The fleet should send zoned times; a time without a zone is taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def locked_connection(session: AsyncSession, device_id: str) -> DeviceConnection:
    """The device's state row, created online when first needed, locked for this transaction (PostgreSQL)."""
    await session.execute(
        upsert_ignore(session, DeviceConnection.__table__)
        .values(device_id=device_id, online=True, changed_at=NEVER, outage_id=None)
        .on_conflict_do_nothing()
    )
    query = (
        select(DeviceConnection)
        .where(DeviceConnection.device_id == device_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(query)).one()  # inserted above when missing


async def went_offline(session: AsyncSession, outbox: Outbox, device: Device, since: datetime) -> bool:
    """Start an outage at `since` unless one is under way or a newer report was applied; True when started."""
    since = as_utc(since)
    connection = await locked_connection(session, device.id)
    if not connection.online or since <= connection.changed_at:
        return False
    outage = DeviceOutage(
        id=str(uuid.uuid4()), device_id=device.id, account_id=device.account_id, started_at=since
    )
    session.add(outage)
    connection.online, connection.changed_at, connection.outage_id = False, since, outage.id
    recipient_ids = await people_to_tell(session, device)
    audit.record(
        session,
        actor_id=FLEET_ACTOR,
        actor_side="vendor",
        action="device.offline",
        case_id=None,
        changes={"online": (True, False)},
        device_id=device.id,
        serial=device.serial,
        since=since.isoformat(),
        told=recipient_ids,
    )
    await outbox.add(
        session,
        DeviceWentOffline(
            device_id=device.id,
            account_id=device.account_id,
            serial=device.serial,
            model=device.model,
            offline_since=since,
            recipient_ids=recipient_ids,
            guide_path=guide_path(device.serial),
        ),
        subject=device.id,
    )
    return True


async def came_online(session: AsyncSession, outbox: Outbox, device: Device, at: datetime, how: str) -> bool:
    """End the outage under way when `at` is after its start; notes it on the case the outage opened. True when
    an outage ended."""
    at = as_utc(at)
    connection = await locked_connection(session, device.id)
    if connection.online or at <= connection.changed_at:
        return False
    outage = await session.get(DeviceOutage, connection.outage_id) if connection.outage_id else None
    started_at = outage.started_at if outage else connection.changed_at
    connection.online, connection.changed_at, connection.outage_id = True, at, None
    case_id = None
    if outage is not None:
        outage.ended_at = at
        opened = await session.get(OutageCase, outage.id)
        case_id = opened.case_id if opened else None
    audit.record(
        session,
        actor_id=FLEET_ACTOR,
        actor_side="vendor",
        action="device.online",
        case_id=case_id,
        changes={"online": (False, True)},
        device_id=device.id,
        serial=device.serial,
        at=at.isoformat(),
        reported_by=how,
    )
    if case_id is not None:
        await note_on_case(session, case_id, device, at)
    await outbox.add(
        session,
        DeviceBackOnline(
            device_id=device.id,
            account_id=device.account_id,
            serial=device.serial,
            offline_since=started_at,
            online_at=at,
            case_id=case_id,
        ),
        subject=device.id,
    )
    return True


async def note_on_case(session: AsyncSession, case_id: str, device: Device, at: datetime) -> None:
    """The device's return, written on the case its outage opened, for the customer and the agent alike."""
    case = await session.get(Case, case_id)
    if case is None:
        return
    now = utcnow()
    language = await language_of(session, await people_to_tell(session, device))
    message = CaseMessage(
        id=str(uuid.uuid4()),
        case_id=case.id,
        author_id=FLEET_ACTOR,
        author_side="system",
        body=text(language, "note", serial=device.serial, at=f"{at:%Y-%m-%d %H:%M} UTC"),
        internal=False,
        created_at=now,
    )
    session.add(message)
    case.updated_at = now
    audit.record(
        session,
        actor_id=FLEET_ACTOR,
        actor_side="system",
        action="case.device_online_noted",
        case_id=case.id,
        message_id=message.id,
    )


async def people_to_tell(session: AsyncSession, device: Device) -> list[str]:
    """The device's active device managers, else the account's active administrators."""
    users = (
        await session.scalars(select(User).where(User.active.is_(True), User.staff_role.is_(None)))
    ).all()

    def role(user: User) -> Any:
        return (user.memberships or {}).get(device.account_id)

    assigned = set(device.assigned_user_ids)
    managers = [u.id for u in users if u.id in assigned and role(u) in DEVICE_ROLES]
    if managers:
        return sorted(managers)
    admins = sorted(u.id for u in users if role(u) == CustomerRole.ADMINISTRATOR)
    if not admins:
        log.warning("nobody to tell that device %s is offline", device.serial)
    return admins


async def offline_devices(session: AsyncSession, device_ids: list[str]) -> dict[str, datetime]:
    """Of these devices, the ones offline, with when their outage started."""
    if not device_ids:
        return {}
    rows = await session.execute(
        select(DeviceConnection.device_id, DeviceOutage.started_at)
        .join(DeviceOutage, DeviceOutage.id == DeviceConnection.outage_id)
        .where(DeviceConnection.device_id.in_(device_ids), DeviceConnection.online.is_(False))
    )
    return {device_id: started_at for device_id, started_at in rows.all()}
