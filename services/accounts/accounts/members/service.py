"""Changes to an account's users (F-02, F-34): each one audited in its transaction, with the events that
keep the other services' copies current (user upserts, device upserts with the full assigned set)."""

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.audit.service import record
from accounts.auth.service import revoke_all_sessions
from accounts.devices.events import publish_device
from accounts.devices.models import Device, DeviceAssignment
from accounts.invitations.models import Invitation
from accounts.settings import Settings
from accounts.users.events import publish_user
from accounts.users.models import Membership, User
from accounts.users.service import assign_device, unassign_device
from shared.db import utcnow
from shared.errors import Problem, field_error, field_issue
from shared.events.vocabulary import CustomerRole
from shared.outbox import Outbox

ADMINISTRATOR, KNOWLEDGE_USER = CustomerRole.ADMINISTRATOR, CustomerRole.KNOWLEDGE_USER


def conflict(code: str, detail: str, field: str | None = None) -> Problem:
    errors = [field_issue(field, code, detail)] if field else None
    return Problem(409, "Conflict", detail, code=code, errors=errors)


async def devices_of_account(
    session: AsyncSession, account_id: str, device_ids: Iterable[str]
) -> list[Device]:
    """The active devices of the account with these ids; 422 naming device_ids if any is not one."""
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
        unknown = sorted(wanted - {d.id for d in devices})
        raise field_error(
            "device_ids",
            f"Not devices of this account: {', '.join(unknown)}.",
            field_code="not_account_devices",
        )
    return list(devices)


def refuse_devices_for_knowledge_user(role: str, device_ids: list[str]) -> None:
    if role == KNOWLEDGE_USER and device_ids:
        raise field_error(
            "device_ids",
            "A knowledge user has no devices; leave device_ids empty.",
            field_code="knowledge_user_devices",
        )


async def assigned_device_ids(session: AsyncSession, account_id: str) -> dict[str, list[str]]:
    """user id -> sorted ids of the account's active devices assigned to them."""
    rows = (
        await session.execute(
            select(DeviceAssignment.user_id, DeviceAssignment.device_id)
            .join(Device)
            .where(Device.account_id == account_id, Device.active.is_(True))
        )
    ).all()
    assigned: dict[str, list[str]] = {}
    for user_id, device_id in rows:
        assigned.setdefault(user_id, []).append(device_id)
    return {user_id: sorted(ids) for user_id, ids in assigned.items()}


async def set_assignments(
    session: AsyncSession, outbox: Outbox, actor: str, account_id: str, user_id: str, wanted: list[Device]
) -> list[str]:
    """Make `wanted` the user's full set of the account's devices; publish every device whose set changed.
    Returns the ids now assigned."""
    wanted_ids = {d.id for d in wanted}
    current = (
        await session.scalars(
            select(Device)
            .join(DeviceAssignment)
            .where(Device.account_id == account_id, DeviceAssignment.user_id == user_id)
        )
    ).all()
    changed = [d for d in current if d.id not in wanted_ids and unassign_device(session, actor, d, user_id)]
    changed += [d for d in wanted if assign_device(session, actor, d, user_id)]
    for device in changed:
        await publish_device(session, outbox, device)
    return sorted(wanted_ids)


async def other_active_administrators(session: AsyncSession, account_id: str, user_id: str) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Membership)
        .join(User)
        .where(
            Membership.account_id == account_id,
            Membership.role == ADMINISTRATOR,
            Membership.active.is_(True),
            User.active.is_(True),
            Membership.user_id != user_id,
        )
    )
    return count or 0  # COUNT always answers a row


async def keep_an_administrator(session: AsyncSession, membership: Membership) -> None:
    """409 when this membership is the account's last active administrator."""
    if (
        membership.role == ADMINISTRATOR
        and membership.active
        and not await other_active_administrators(session, membership.account_id, membership.user_id)
    ):
        raise conflict(
            "last_administrator",
            "An account must keep at least one active administrator: appoint another administrator first.",
        )


async def cancel_pending_invitation(session: AsyncSession, actor: str, account_id: str, user_id: str) -> None:
    invitation = await session.scalar(
        select(Invitation).where(
            Invitation.account_id == account_id,
            Invitation.user_id == user_id,
            Invitation.accepted_at.is_(None),
            Invitation.cancelled_at.is_(None),
        )
    )
    if invitation is not None:
        invitation.cancelled_at = utcnow()
        record(
            session,
            actor,
            "invitation.cancelled",
            "user",
            user_id,
            account=account_id,
            invitation_id=invitation.id,
        )


async def change_role(
    session: AsyncSession,
    outbox: Outbox,
    settings: Settings,
    actor: str,
    user: User,
    membership: Membership,
    role: str,
) -> None:
    """A new role: a knowledge user loses the account's devices, and the user's sessions end (tokens carry
    roles), so the new role applies from the next login."""
    if role != ADMINISTRATOR:
        await keep_an_administrator(session, membership)
    record(
        session,
        actor,
        "membership.set",
        "user",
        user.id,
        account=membership.account_id,
        changes={"role": (membership.role, role)},
        role=role,
        previous_role=membership.role,
    )
    membership.role = role
    if role == KNOWLEDGE_USER:
        await set_assignments(session, outbox, actor, membership.account_id, user.id, [])
    await revoke_all_sessions(session, outbox, user.id, settings)
    await publish_user(session, outbox, user)


async def deactivate(
    session: AsyncSession, outbox: Outbox, settings: Settings, actor: str, user: User, membership: Membership
) -> None:
    """End the user's access to the account at once: every session revoked (tokens carry all memberships),
    the account's devices unassigned, the user inactive when no other active membership is left."""
    if user.id == actor:
        raise conflict("cannot_deactivate_self", "You cannot deactivate yourself; ask another administrator.")
    await keep_an_administrator(session, membership)
    if membership.active:
        membership.active = False
        record(
            session,
            actor,
            "membership.deactivated",
            "user",
            user.id,
            account=membership.account_id,
            role=membership.role,
        )
    await cancel_pending_invitation(session, actor, membership.account_id, user.id)
    await set_assignments(session, outbox, actor, membership.account_id, user.id, [])
    if not user.active_memberships and user.staff_role is None and user.active:
        user.active = False
        record(session, actor, "user.deactivated", "user", user.id, account=membership.account_id)
    await revoke_all_sessions(session, outbox, user.id, settings)
    await publish_user(session, outbox, user)


async def reactivate(
    session: AsyncSession, outbox: Outbox, actor: str, user: User, membership: Membership
) -> None:
    """Access again with the same role; devices are assigned anew by the administrator."""
    if membership.active and user.active:
        return
    membership.active, user.active = True, True
    record(
        session,
        actor,
        "membership.reactivated",
        "user",
        user.id,
        account=membership.account_id,
        role=membership.role,
    )
    await publish_user(session, outbox, user)
