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
    found = await session.scalar(select(Invitation.id).where(
        Invitation.user_id == user_id, Invitation.accepted_at.is_(None), Invitation.expires_at > utcnow()))
    return found is not None


def create_invitation(session: AsyncSession, user: User, account: Account | None, role: str | None
                      ) -> tuple[Invitation, str]:
    token = new_secret()
    invitation = Invitation(user_id=user.id, account_id=account.id if account else None, role=role,
                            token_hash=secret_hash(token), expires_at=utcnow() + INVITATION_LIFETIME)
    session.add(invitation)
    return invitation, token


async def issue_invitation(session: AsyncSession, outbox: Outbox, user: User, account: Account, role: str) -> None:
    """Invite a customer user to set name and password; notifications emails the link."""
    invitation, token = create_invitation(session, user, account, role)
    await session.flush()
    await outbox.add(session, InvitationIssued(
        invitation_id=invitation.id, account_id=account.id, account_name=account.name, email=user.email,
        name=user.name, language=user.language, role=role, link_path=invitation_link(token),
        expires_at=invitation.expires_at), subject=user.id)
