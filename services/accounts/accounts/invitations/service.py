from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.customer_accounts.models import Account
from accounts.invitations.models import Invitation
from accounts.tokens import new_secret, secret_hash
from accounts.users.models import User
from shared.db import utcnow
from shared.events.accounts import InvitationIssued
from shared.outbox import Outbox

INVITATION_LIFETIME = timedelta(days=7)


def invitation_link(token: str) -> str:
    return f"/invitations/{token}"


async def has_open_invitation(session: AsyncSession, user_id: str) -> bool:
    found = await session.scalar(
        select(Invitation.id).where(
            Invitation.user_id == user_id,
            Invitation.accepted_at.is_(None),
            Invitation.cancelled_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
    )
    return found is not None


async def invitation_of(session: AsyncSession, account_id: str, user_id: str) -> Invitation | None:
    return await session.scalar(
        select(Invitation)
        .where(Invitation.account_id == account_id, Invitation.user_id == user_id)
        .with_for_update()
    )


def create_invitation(
    session: AsyncSession, user: User, account: Account | None, role: str | None
) -> tuple[Invitation, str]:
    """A new invitation row (staff invitations have no account; customer ones go through issue_invitation)."""
    token = new_secret()
    invitation = Invitation(
        user_id=user.id,
        account_id=account.id if account else None,
        role=role,
        token_hash=secret_hash(token),
        expires_at=utcnow() + INVITATION_LIFETIME,
    )
    session.add(invitation)
    return invitation, token


def renew(invitation: Invitation, role: str, device_ids: Sequence[str], invited_by: str | None) -> str:
    """A fresh token and 7 days for the account's one invitation row; the previous link stops working."""
    token = new_secret()
    invitation.role, invitation.device_ids, invitation.invited_by = role, sorted(device_ids), invited_by
    invitation.token_hash, invitation.created_at = secret_hash(token), utcnow()
    invitation.expires_at = invitation.created_at + INVITATION_LIFETIME
    invitation.accepted_at = invitation.cancelled_at = None
    return token


async def issue_invitation(
    session: AsyncSession,
    outbox: Outbox,
    user: User,
    account: Account,
    role: str,
    *,
    device_ids: Sequence[str] = (),
    invited_by: str | None = None,
) -> Invitation:
    """Invite a customer user to set name and password; notifications emails the link."""
    invitation = await invitation_of(session, account.id, user.id)
    if invitation is None:
        invitation = Invitation(user_id=user.id, account_id=account.id)
        session.add(invitation)
    token = renew(invitation, role, device_ids, invited_by)
    await session.flush()
    inviter = await session.get(User, invited_by) if invited_by else None
    await outbox.add(
        session,
        InvitationIssued(
            invitation_id=invitation.id,
            account_id=account.id,
            account_name=account.name,
            email=user.email,
            name=user.name,
            language=user.language,
            role=role,
            link_path=invitation_link(token),
            expires_at=invitation.expires_at,
            invited_by_name=inviter.name if inviter is not None else None,
            time_zone=user.time_zone,
        ),
        subject=user.id,
    )
    return invitation
