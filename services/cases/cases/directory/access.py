"""Who may see and act on what (ARCHITECTURE §5), decided from the local copies.

Staff see every case. An administrator sees every case of their accounts; device managers (and device &
stock managers) the cases of the devices assigned to them and the ones they created; stock managers and
knowledge users only the cases they created. Anything else answers 404, exactly like a missing case."""

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from cases.directory.models import Device, DeviceAssignment
from shared.auth import Principal
from shared.errors import forbidden, not_found

DEVICE_ROLES = ("device_manager", "device_stock_manager")
INCIDENT_ROLES = ("administrator", *DEVICE_ROLES)


def may_see_device(principal: Principal, device: Device) -> bool:
    if principal.is_staff:
        return True
    role = principal.role_in(device.account_id)
    if role == "administrator":
        return True
    if role in (*DEVICE_ROLES, "stock_manager"):
        return principal.user_id in device.assigned_user_ids
    return False


async def device_for_new_case(session: AsyncSession, principal: Principal, device_id: str) -> Device:
    """The device a customer opens an incident for: 404 when it is not theirs to see, 403 when their role
    may not open incidents."""
    device = await session.get(Device, device_id)
    if device is None or not device.active:
        raise not_found("device")
    role = principal.role_in(device.account_id)
    if principal.is_staff:
        raise forbidden("Cases are opened by the customer's users.")
    if role is None:
        raise not_found("device")
    if role not in INCIDENT_ROLES:
        raise forbidden("Your role does not allow opening incidents.")
    if not may_see_device(principal, device):
        raise not_found("device")
    return device


def visible_cases_clause(principal: Principal, account_col, device_col, creator_col) -> ColumnElement[bool]:
    """A WHERE clause selecting exactly the cases the caller may see."""
    if principal.is_staff:
        return true()
    assigned_devices = select(DeviceAssignment.device_id).where(DeviceAssignment.user_id == principal.user_id)
    clauses = []
    for account_id, role in principal.memberships.items():
        if role == "administrator":
            clauses.append(account_col == account_id)
        elif role in DEVICE_ROLES:
            clauses.append((account_col == account_id)
                           & or_(creator_col == principal.user_id, device_col.in_(assigned_devices)))
        else:
            clauses.append((account_col == account_id) & (creator_col == principal.user_id))
    return or_(*clauses) if clauses else false()
