"""Accepting an invitation (F-02): the single-use link lets the invited person set name and password, and
makes them a user of the account with the invited role and devices."""

from fastapi import APIRouter
from sqlalchemy import select

from accounts.audit.service import record
from accounts.devices.events import publish_device
from accounts.devices.models import Device
from accounts.invitations.models import Invitation
from accounts.invitations.schemas import Acceptance, InvitationAccepted
from accounts.tokens import secret_hash
from accounts.users.events import publish_user
from accounts.users.models import User
from accounts.users.passwords import check_password_rules, hash_password, names_of
from accounts.users.service import assign_device, set_membership
from shared.app import DbSession, OutboxDep
from shared.db import utcnow
from shared.errors import Problem, field_error
from shared.events.vocabulary import CustomerRole
from shared.outbox import Outbox

router = APIRouter(prefix="/api/accounts/v1", tags=["invitations"])


def token_problem(status: int, code: str, message: str) -> Problem:
    return field_error("token", message, status=status, code=code)


def refuse_unusable(invitation: Invitation | None, user: User | None) -> tuple[Invitation, User]:
    """Unknown -> 422, already used -> 409, cancelled or expired -> 410; each names the token field.
    Returns both once the invitation can be accepted."""
    if invitation is None or user is None:
        raise field_error(
            "token",
            "This invitation link is not valid. Ask for a new invitation.",
            field_code="invitation_unknown",
        )
    if invitation.accepted_at is not None:
        raise token_problem(409, "invitation_used", "This invitation was already used. Log in instead.")
    if invitation.cancelled_at is not None:
        raise token_problem(
            410, "invitation_cancelled", "This invitation was withdrawn by the account's administrator."
        )
    if invitation.expires_at <= utcnow():
        raise token_problem(
            410,
            "invitation_expired",
            "This invitation has expired (links are valid for 7 "
            "days). Ask the account's administrator to invite you again.",
        )
    return invitation, user


@router.post("/invitations/accept", response_model=InvitationAccepted)
async def accept_invitation(body: Acceptance, session: DbSession, outbox: OutboxDep) -> dict:
    async with session.begin():
        invitation = await session.scalar(
            select(Invitation).where(Invitation.token_hash == secret_hash(body.token)).with_for_update()
        )
        user = await session.get(User, invitation.user_id) if invitation else None
        invitation, user = refuse_unusable(invitation, user)
        check_password_rules(body.password, email=user.email, names=[body.name, *names_of(user)])
        if not body.name.strip():
            raise field_error("name", "may not be blank", field_code="required")
        user.name, user.password_hash = body.name.strip(), await hash_password(body.password)
        user.email_verified, user.active = True, True  # the emailed link proves the address
        invitation.accepted_at = utcnow()
        await join_account(session, outbox, invitation, user)
        record(
            session,
            user.id,
            "invitation.accepted",
            "user",
            user.id,
            account=invitation.account_id,
            invitation_id=invitation.id,
        )
        await publish_user(session, outbox, user)
    return {"status": "accepted", "user_id": user.id, "email": user.email}


async def join_account(session, outbox: Outbox, invitation: Invitation, user: User) -> None:
    """Give the invited role and devices. A membership made active meanwhile (by the CRM, or an invitation
    the CRM itself issued) is left as it is: the invitation must not undo a later decision."""
    if invitation.account_id is None or invitation.role is None or user.role_in(invitation.account_id):
        return
    decided_by = invitation.invited_by or user.id  # the administrator chose role and devices
    set_membership(session, decided_by, user, invitation.account_id, invitation.role, activate=True)
    if invitation.role == CustomerRole.KNOWLEDGE_USER or not invitation.device_ids:
        return
    # Devices removed from the account since the invitation are skipped.
    devices = (
        await session.scalars(
            select(Device).where(
                Device.id.in_(invitation.device_ids),
                Device.account_id == invitation.account_id,
                Device.active.is_(True),
            )
        )
    ).all()
    for device in devices:
        if assign_device(session, decided_by, device, user.id):
            await publish_device(session, outbox, device)
