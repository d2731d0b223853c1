"""Who may see and act on what (ARCHITECTURE §5), decided from the local copies.

Staff see every case. An administrator sees every case of their accounts; device managers (and device &
stock managers) the cases of the devices assigned to them and the ones they created; stock managers the
consumables orders of their assigned devices and the cases they created; knowledge users only the cases
they created. Anything else answers 404, exactly like a missing case.

Who may open which type (SPEC §1): incidents, relocations and removals need the device role; consumables
orders the stock role; account inquiries the account's administrators. Administrators may do all of them."""

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from cases.directory.models import Device, DeviceAssignment
from shared.auth import Principal
from shared.errors import forbidden, not_found

DEVICE_ROLES = ("device_manager", "device_stock_manager")
STOCK_ROLES = ("stock_manager", "device_stock_manager")
INCIDENT_ROLES = ("administrator", *DEVICE_ROLES)
ROLES_BY_TYPE: dict[str, tuple[str, ...]] = {
    "incident": INCIDENT_ROLES,
    "relocation": INCIDENT_ROLES,
    "removal": INCIDENT_ROLES,
    "consumables": ("administrator", *STOCK_ROLES),
    "account_inquiry": ("administrator",),
}
WHAT_BY_TYPE = {
    "incident": "incidents",
    "relocation": "relocation requests",
    "removal": "removal requests",
    "consumables": "consumables orders",
    "account_inquiry": "account inquiries",
}


def may_see_device(principal: Principal, device: Device) -> bool:
    if principal.is_staff:
        return True
    role = principal.role_in(device.account_id)
    if role == "administrator":
        return True
    if role in (*DEVICE_ROLES, "stock_manager"):
        return principal.user_id in device.assigned_user_ids
    return False


async def visible_device(session: AsyncSession, principal: Principal, device_id: str) -> Device:
    """An active device the caller may see; 404 otherwise."""
    device = await session.get(Device, device_id)
    if device is None or not device.active or not may_see_device(principal, device):
        raise not_found("device")
    return device


async def device_for_new_case(
    session: AsyncSession, principal: Principal, device_id: str, case_type: str = "incident"
) -> Device:
    """The device a customer opens a case of this type for: 404 when it is not theirs to see, 403 when their
    role may not open such cases."""
    device = await session.get(Device, device_id)
    if device is None or not device.active:
        raise not_found("device")
    role = principal.role_in(device.account_id)
    if principal.is_staff:
        raise forbidden("Cases are opened by the customer's users.")
    if role is None:
        raise not_found("device")
    if role not in ROLES_BY_TYPE[case_type]:
        raise forbidden(f"Your role does not allow opening {WHAT_BY_TYPE[case_type]}.")
    if not may_see_device(principal, device):
        raise not_found("device")
    return device


def check_account_inquiry(principal: Principal, account_id: str) -> None:
    """Only the account's administrators ask about it; another account answers 404 like a missing one."""
    if principal.is_staff:
        raise forbidden("Cases are opened by the customer's users.")
    role = principal.role_in(account_id)
    if role is None:
        raise not_found("account")
    if role not in ROLES_BY_TYPE["account_inquiry"]:
        raise forbidden(f"Your role does not allow opening {WHAT_BY_TYPE['account_inquiry']}.")


def visible_cases_clause(
    principal: Principal, account_col, device_col, creator_col, type_col
) -> ColumnElement[bool]:
    """A WHERE clause selecting exactly the cases the caller may see."""
    if principal.is_staff:
        return true()
    assigned_devices = select(DeviceAssignment.device_id).where(DeviceAssignment.user_id == principal.user_id)
    clauses = []
    for account_id, role in principal.memberships.items():
        if role == "administrator":
            clauses.append(account_col == account_id)
        elif role in DEVICE_ROLES:
            clauses.append(
                (account_col == account_id)
                & or_(creator_col == principal.user_id, device_col.in_(assigned_devices))
            )
        elif role == "stock_manager":
            clauses.append(
                (account_col == account_id)
                & or_(
                    creator_col == principal.user_id,
                    (type_col == "consumables") & device_col.in_(assigned_devices),
                )
            )
        else:
            clauses.append((account_col == account_id) & (creator_col == principal.user_id))
    return or_(*clauses) if clauses else false()
