"""Who may see and submit a device's readings (ARCHITECTURE §5), decided from the local copies.

Readings are a device manager's business (SPEC §1): staff see every device; an administrator every device of
their accounts; device managers and device & stock managers only the devices assigned to them. Stock managers
and knowledge users have no readings at all: a device answers 404 to them for reading, exactly like a missing
one, and a submission by them is refused (403) since their role, not the device, is the reason."""

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from meters.devices.models import Device, DeviceAssignment
from shared.auth import Principal
from shared.errors import forbidden, not_found
from shared.events.vocabulary import CustomerRole, DeviceAction
from shared.permissions import roles_that_may

ADMINISTRATOR = CustomerRole.ADMINISTRATOR
READING_DEVICE_ROLES = tuple(r for r in roles_that_may(DeviceAction.SUBMIT_READING) if r != ADMINISTRATOR)
NO_READING_ROLES = tuple(r for r in CustomerRole if r not in roles_that_may(DeviceAction.SUBMIT_READING))


def may_see(principal: Principal, device: Device) -> bool:
    if principal.is_staff:
        return True
    role = principal.role_in(device.account_id)
    if role == ADMINISTRATOR:
        return True
    if role in READING_DEVICE_ROLES:
        return principal.user_id in device.assigned_user_ids
    return False


async def visible_device(session: AsyncSession, principal: Principal, device_id: str) -> Device:
    """The device when the caller may see its readings; 404 otherwise, the same answer as for a missing one."""
    device = await session.get(Device, device_id)
    if device is None or not device.active or not may_see(principal, device):
        raise not_found("device")
    return device


async def device_for_reading(session: AsyncSession, principal: Principal, device_id: str) -> Device:
    """The device a caller submits a reading for: 403 when their role in its account may not submit,
    404 when it is not theirs to see."""
    device = await session.get(Device, device_id)
    if (
        device is not None
        and principal.role_in(device.account_id) in NO_READING_ROLES
        and not principal.is_staff
    ):
        raise forbidden("Your role does not allow submitting meter readings.")
    return await visible_device(session, principal, device_id)


def visible_devices_clause(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause on Device selecting exactly the devices whose readings the caller may see."""
    if principal.is_staff:
        return true()
    assigned = select(DeviceAssignment.device_id).where(DeviceAssignment.user_id == principal.user_id)
    clauses = []
    for account_id, role in principal.memberships.items():
        if role == ADMINISTRATOR:
            clauses.append(Device.account_id == account_id)
        elif role in READING_DEVICE_ROLES:
            clauses.append((Device.account_id == account_id) & Device.id.in_(assigned))
    return (or_(*clauses) if clauses else false()) & Device.active.is_(True)
