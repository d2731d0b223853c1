"""Who decides on a registration, and what it may name."""

from sqlalchemy import select

from accounts.devices.models import Device
from accounts.registrations.models import (
    AWAITING_APPROVAL,
    Registration,
)
from accounts.users.models import Membership, User
from shared.auth import STAFF_ROLES, Principal
from shared.errors import Problem, field_error, forbidden, not_found
from shared.events.vocabulary import CustomerRole


async def approver_ids(session, account_id: str) -> list[str]:
    """The account's administrators; agents when the account has none yet."""
    admins = (
        await session.scalars(
            select(User.id)
            .join(Membership)
            .where(
                Membership.account_id == account_id,
                Membership.role == CustomerRole.ADMINISTRATOR,
                User.active.is_(True),
            )
        )
    ).all()
    if admins:
        return sorted(admins)
    agents = await session.scalars(
        select(User.id).where(User.staff_role.in_(STAFF_ROLES), User.active.is_(True))
    )
    return sorted(agents.all())


def may_decide(principal: Principal, account_id: str) -> bool:
    return principal.is_staff or principal.is_admin_of(account_id)


async def decidable_registration(session, principal: Principal, registration_id: str) -> Registration:
    registration = await session.scalar(
        select(Registration).where(Registration.id == registration_id).with_for_update()
    )
    if registration is None or not (principal.is_staff or principal.role_in(registration.account_id)):
        raise not_found("registration")
    if not may_decide(principal, registration.account_id):
        raise forbidden("Only the account's administrators and the vendor's staff decide on registrations.")
    if registration.status != AWAITING_APPROVAL:
        raise Problem(
            409,
            "Conflict",
            f"This registration is {registration.status}, not awaiting approval.",
            code="not_awaiting_approval",
            params={"status": registration.status},
        )
    return registration


async def devices_of_account(session, account_id: str, device_ids: list[str]) -> list[Device]:
    wanted = set(device_ids)
    if not wanted:
        return []
    devices = (
        await session.scalars(
            select(Device).where(
                Device.id.in_(wanted), Device.account_id == account_id, Device.active.is_(True)
            )
        )
    ).all()
    if len(devices) != len(wanted):
        raise field_error(
            "device_ids",
            "Every device must be an active device of the registration's account.",
            field_code="not_account_devices",
        )
    return list(devices)
