"""Who may see a device: staff see all; administrators every device of their account;
device managers (and the other device roles) only the devices assigned to them."""

from sqlalchemy.ext.asyncio import AsyncSession

from meters.devices.models import Device
from shared.auth import Principal
from shared.errors import not_found

DEVICE_ROLES = ("device_manager", "stock_manager", "device_stock_manager")


def may_see(principal: Principal, device: Device) -> bool:
    if principal.is_staff:
        return True
    role = principal.role_in(device.account_id)
    if role == "administrator":
        return True
    if role in DEVICE_ROLES:
        return any(a.user_id == principal.user_id for a in device.assignments)
    return False


async def visible_device(session: AsyncSession, principal: Principal, device_id: str) -> Device:
    """The device when the caller may see it; 404 otherwise, the same answer as for a missing one."""
    device = await session.get(Device, device_id)
    if device is None or not device.active or not may_see(principal, device):
        raise not_found("device")
    return device
