from sqlalchemy.ext.asyncio import AsyncSession

from accounts.database import next_version
from accounts.devices.models import Device
from shared.events.accounts import DeviceLocationChanged, DeviceRemoved, DeviceUpserted, Location
from shared.outbox import Outbox


async def publish_device(session: AsyncSession, outbox: Outbox, device: Device) -> None:
    """Publish the device with its full current set of assigned users (never a delta)."""
    await next_version(session, device)
    await outbox.add(
        session,
        DeviceUpserted(
            device_id=device.id,
            version=device.version,
            account_id=device.account_id,
            serial=device.serial,
            model=device.model,
            model_class=device.model_class,
            counters=device.counters,
            location=Location(**device.location()),
            response_time_hours=device.response_time_hours,
            daily_volume=device.daily_volume,
            assigned_user_ids=device.assigned_user_ids,
            active=device.active,
        ),
        subject=device.id,
    )


async def publish_device_removed(session: AsyncSession, outbox: Outbox, device: Device) -> None:
    await next_version(session, device)
    removed = DeviceRemoved(device_id=device.id, account_id=device.account_id, version=device.version)
    await outbox.add(session, removed, subject=device.id)


async def publish_location_changed(
    session: AsyncSession, outbox: Outbox, device: Device, changed_by: str, changed_fields: list[str]
) -> None:
    await outbox.add(
        session,
        DeviceLocationChanged(
            device_id=device.id,
            account_id=device.account_id,
            serial=device.serial,
            location=Location(**device.location()),
            changed_by=changed_by,
            changed_fields=changed_fields,
        ),
        subject=device.id,
    )
