"""Who may see a device: staff see all; administrators every device of their accounts; the device and stock
roles only the devices assigned to them; knowledge users none."""

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.devices.models import Device, DeviceAssignment
from shared.auth import Principal
from shared.errors import not_found
from shared.events.vocabulary import CustomerRole
from shared.permissions import DEVICE_ACTIONS_BY_ROLE

# The roles that see the devices assigned to them (administrators see every device of their accounts).
DEVICE_ROLES = tuple(
    role for role, actions in DEVICE_ACTIONS_BY_ROLE.items() if actions and role != CustomerRole.ADMINISTRATOR
)


def visible_devices_query(principal: Principal) -> Select:
    query = select(Device).where(Device.active.is_(True))
    if principal.is_staff:
        return query
    admin_of = [a for a, role in principal.memberships.items() if role == CustomerRole.ADMINISTRATOR]
    managed = [a for a, role in principal.memberships.items() if role in DEVICE_ROLES]
    assigned = select(DeviceAssignment.device_id).where(DeviceAssignment.user_id == principal.user_id)
    return query.where(
        Device.account_id.in_(admin_of) | (Device.account_id.in_(managed) & Device.id.in_(assigned))
    )


async def visible_device(session: AsyncSession, principal: Principal, device_id: str) -> Device:
    """The device when the caller may see it; 404 otherwise, the same answer as for a missing one."""
    device = await session.scalar(visible_devices_query(principal).where(Device.id == device_id))
    if device is None:
        raise not_found("device")
    return device
