"""Reading requests (F-25): opened from the billing system's event, answered device by device as readings
arrive, closed when every device has one, reminded once before the due date.

Every change writes the request, its audit entry and its event in the caller's single transaction."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from meters.audit import service as audit
from meters.devices.access import READING_DEVICE_ROLES
from meters.devices.models import Device, Membership, User
from meters.readings.models import Reading
from meters.requests.models import ReadRequest, ReadRequestDevice
from shared.db import utcnow
from shared.events.meters import (
    ReadRequestClosed,
    ReadRequestOpened,
    ReadRequestReminded,
    RequestedDevice,
)
from shared.events.vocabulary import CustomerRole
from shared.outbox import Outbox

DUE_READINGS_PATH = "/readings/due"  # the portal page that takes all due readings at once


class UsersNotYetKnown(RuntimeError):
    """The local copy of users lags behind the copy of assignments (they come from different events)."""


async def recipients_for(session: AsyncSession, account_id: str, device_ids: list[str]) -> list[str]:
    """Each device's assigned managers (device roles, active); the account's administrators for a device
    that has none."""
    members = (
        await session.execute(
            select(Membership.user_id, Membership.role)
            .join(User, User.id == Membership.user_id)
            .where(Membership.account_id == account_id, User.active.is_(True))
        )
    ).all()
    managers = {user_id for user_id, role in members if role in READING_DEVICE_ROLES}
    administrators = sorted(user_id for user_id, role in members if role == CustomerRole.ADMINISTRATOR)
    devices = (
        await session.scalars(select(Device).where(Device.id.in_(device_ids)).order_by(Device.serial))
    ).all()
    assigned = {user_id for device in devices for user_id in device.assigned_user_ids}
    known = set((await session.scalars(select(User.id).where(User.id.in_(assigned)))).all())
    if assigned - known:
        # An assignment names a user whose own event has not arrived yet: asking the administrators instead
        # would be wrong, so this is tried again once the copy is complete.
        raise UsersNotYetKnown(f"assigned users not yet known: {', '.join(sorted(assigned - known))}")
    recipients: list[str] = []
    for device in devices:
        recipients += sorted(u for u in device.assigned_user_ids if u in managers) or administrators
    return list(dict.fromkeys(recipients))


async def described(session: AsyncSession, device_ids: list[str]) -> list[RequestedDevice]:
    """The due devices as the request's email describes them: model, latest accepted reading, assignment."""
    devices = {
        d.id: d for d in (await session.scalars(select(Device).where(Device.id.in_(device_ids)))).all()
    }
    result = []
    for device_id in device_ids:
        device = devices.get(device_id)
        if device is None:
            continue
        last = await session.scalar(
            select(Reading)
            .where(Reading.device_id == device_id)
            .order_by(Reading.local_date.desc(), Reading.read_at.desc())
            .limit(1)
        )
        result.append(
            RequestedDevice(
                device_id=device.id,
                serial=device.serial,
                model=device.model,
                last_reading_date=last.local_date if last else None,
                last_counters=dict(last.counters) if last else {},
                assigned_user_ids=device.assigned_user_ids,
            )
        )
    return result


async def reading_since(session: AsyncSession, device_id: str, day: date) -> str | None:
    return await session.scalar(
        select(Reading.id)
        .where(Reading.device_id == device_id, Reading.local_date >= day)
        .order_by(Reading.local_date)
        .limit(1)
    )


async def open_request(
    session: AsyncSession,
    outbox: Outbox,
    *,
    request_id: str,
    account_id: str,
    devices: list[Device],
    due_date: date,
    opened_on: date,
) -> ReadRequest:
    now = utcnow()
    request = ReadRequest(
        request_id=request_id, account_id=account_id, due_date=due_date, opened_at=now, opened_on=opened_on
    )
    # A device read earlier that same day already answers it (a second reading that day would be refused).
    request.devices = [
        ReadRequestDevice(
            device_id=d.id, serial=d.serial, reading_id=await reading_since(session, d.id, opened_on)
        )
        for d in devices
    ]
    session.add(request)
    await session.flush()
    due = request.due_devices()
    recipients = await recipients_for(session, account_id, [d.device_id for d in due])
    audit.record(
        session,
        actor_id=audit.SYSTEM_ACTOR,
        actor_side="system",
        action="read_request.opened",
        target_type="read_request",
        target_id=request_id,
        due_date=due_date.isoformat(),
        device_ids=[d.id for d in devices],
        recipient_ids=recipients,
    )
    await outbox.add(
        session,
        ReadRequestOpened(
            request_id=request_id,
            account_id=account_id,
            device_ids=[d.device_id for d in due],
            serials=[d.serial for d in due],
            due_date=due_date,
            recipient_ids=recipients,
            link_path=DUE_READINGS_PATH,
            devices=await described(session, [d.device_id for d in due]),
        ),
        subject=request_id,
    )
    if not due:
        await close_request(session, outbox, request)
    return request


async def devices_with_open_requests(session: AsyncSession, device_ids: list[str]) -> set[str]:
    """Those of the devices with a reading still due on an open request."""
    rows = await session.scalars(
        select(ReadRequestDevice.device_id)
        .join(ReadRequest)
        .where(
            ReadRequestDevice.device_id.in_(device_ids),
            ReadRequestDevice.reading_id.is_(None),
            ReadRequest.closed_at.is_(None),
        )
    )
    return set(rows.all())


async def answer_requests(session: AsyncSession, outbox: Outbox, reading: Reading) -> list[ReadRequest]:
    """Mark the reading on every open request of its device opened on or before its day; close the requests
    it completes. The request rows are locked so two readings completing one request close it once."""
    requests = (
        (
            await session.scalars(
                select(ReadRequest)
                .join(ReadRequestDevice)
                .where(
                    ReadRequestDevice.device_id == reading.device_id,
                    ReadRequestDevice.reading_id.is_(None),
                    ReadRequest.closed_at.is_(None),
                    ReadRequest.opened_on <= reading.local_date,
                )
                .order_by(ReadRequest.request_id)
                .with_for_update(of=ReadRequest)
                .execution_options(populate_existing=True)
            )
        )
        .unique()
        .all()
    )
    for request in requests:
        for device in request.devices:
            if device.device_id == reading.device_id and device.reading_id is None:
                device.reading_id = reading.id
        audit.record(
            session,
            actor_id=audit.SYSTEM_ACTOR,
            actor_side="system",
            action="read_request.answered",
            target_type="read_request",
            target_id=request.request_id,
            device_id=reading.device_id,
            reading_id=reading.id,
        )
        if not request.due_devices():
            await close_request(session, outbox, request)
    return list(requests)


async def close_request(session: AsyncSession, outbox: Outbox, request: ReadRequest) -> None:
    request.closed_at = utcnow()
    audit.record(
        session,
        actor_id=audit.SYSTEM_ACTOR,
        actor_side="system",
        action="read_request.closed",
        target_type="read_request",
        target_id=request.request_id,
    )
    await outbox.add(
        session,
        ReadRequestClosed(
            request_id=request.request_id, account_id=request.account_id, closed_at=request.closed_at
        ),
        subject=request.request_id,
    )


async def remind(session: AsyncSession, outbox: Outbox, request: ReadRequest) -> None:
    """Publish the reminder of a request this caller has just claimed (reminded_at set by its own UPDATE)."""
    due = request.due_devices()
    recipients = await recipients_for(session, request.account_id, [d.device_id for d in due])
    audit.record(
        session,
        actor_id=audit.SYSTEM_ACTOR,
        actor_side="system",
        action="read_request.reminded",
        target_type="read_request",
        target_id=request.request_id,
        recipient_ids=recipients,
    )
    await outbox.add(
        session,
        ReadRequestReminded(
            request_id=request.request_id,
            account_id=request.account_id,
            device_ids=[d.device_id for d in due],
            serials=[d.serial for d in due],
            due_date=request.due_date,
            recipient_ids=recipients,
            link_path=DUE_READINGS_PATH,
            devices=await described(session, [d.device_id for d in due]),
        ),
        subject=request.request_id,
    )
