"""Changes to users, memberships and device assignments, each written with its audit row."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.audit.service import record
from accounts.database import new_id
from accounts.devices.models import Device, DeviceAssignment
from accounts.users.models import Membership, User


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(session: AsyncSession, actor: str, **fields) -> User:
    # An empty collection set up front: async sessions cannot lazy-load it later.
    user = User(**{**fields, "id": new_id(), "email": normalize_email(fields["email"]), "memberships": []})
    session.add(user)
    record(session, actor, "user.created", "user", user.id, email=user.email)
    return user


def set_membership(
    session: AsyncSession, actor: str, user: User, account_id: str, role: str, *, activate: bool = False
) -> bool:
    """Give the user this role on the account (and make a deactivated membership active again when
    `activate`); True when something changed."""
    current = user.membership_in(account_id)
    if current is not None and current.role == role and (current.active or not activate):
        return False
    record(
        session,
        actor,
        "membership.set",
        "user",
        user.id,
        account_id=account_id,
        changes={"role": (current.role if current is not None else None, role)},
        role=role,
        previous_role=current.role if current is not None else None,
    )
    if current is None:
        user.memberships.append(Membership(account_id=account_id, role=role, active=True))
    else:
        current.role = role
        current.active = current.active or activate
    return True


def remove_membership(session: AsyncSession, actor: str, user: User, account_id: str) -> bool:
    current = user.membership_in(account_id)
    if current is None:
        return False
    user.memberships.remove(current)
    record(session, actor, "membership.removed", "user", user.id, account_id=account_id, role=current.role)
    return True


def assign_device(session: AsyncSession, actor: str, device: Device, user_id: str) -> bool:
    if any(a.user_id == user_id for a in device.assignments):
        return False
    device.assignments.append(DeviceAssignment(device_id=device.id, user_id=user_id))
    record(session, actor, "device.assigned", "device", device.id, account=device.account_id, user_id=user_id)
    return True


def unassign_device(session: AsyncSession, actor: str, device: Device, user_id: str) -> bool:
    current = next((a for a in device.assignments if a.user_id == user_id), None)
    if current is None:
        return False
    device.assignments.remove(current)
    record(
        session, actor, "device.unassigned", "device", device.id, account=device.account_id, user_id=user_id
    )
    return True
