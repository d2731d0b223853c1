"""Sessions and tokens."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.auth.models import UserSession
from accounts.database import tables
from accounts.settings import Settings
from accounts.tokens import new_secret, secret_hash
from accounts.users.models import User
from shared.auth import Principal, sign_access_token
from shared.clock import wall_now
from shared.db import upsert_ignore, utcnow
from shared.events.accounts import SessionRevoked
from shared.outbox import Outbox
from shared.permissions import account_actions, portal_actions


def open_session(session: AsyncSession, user: User, settings: Settings) -> tuple[UserSession, str]:
    refresh_token = new_secret()
    user_session = UserSession(
        user_id=user.id,
        refresh_token_hash=secret_hash(refresh_token),
        # Secrets' lifetimes run on the real clock, whatever a test set (shared.clock).
        expires_at=wall_now() + timedelta(seconds=settings.refresh_token_lifetime_seconds),
    )
    session.add(user_session)
    return user_session, refresh_token


def rotate_refresh_token(user_session: UserSession, settings: Settings) -> str:
    refresh_token = new_secret()
    user_session.previous_refresh_token_hash = user_session.refresh_token_hash
    user_session.refresh_token_hash = secret_hash(refresh_token)
    user_session.expires_at = wall_now() + timedelta(seconds=settings.refresh_token_lifetime_seconds)
    return refresh_token


def token_response(
    settings: Settings, private_key_pem: bytes, user: User, user_session: UserSession, refresh_token: str
) -> dict:
    memberships = {m.account_id: m.role for m in user.active_memberships}
    principal = Principal(user.id, user_session.id, memberships=memberships, staff_role=user.staff_role)
    access_token = sign_access_token(
        private_key_pem,
        user_id=user.id,
        session_id=user_session.id,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        lifetime_seconds=settings.access_token_lifetime_seconds,
        language=user.language,
        name=user.name,
        staff_role=user.staff_role,
        memberships=memberships,
        actions=portal_actions(principal, ()),  # what the roles allow; device actions need the devices
        account_actions={account: account_actions(role) for account, role in memberships.items()},
        country=next((m.account.country for m in user.active_memberships if m.account is not None), None),
    )
    return {
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": settings.access_token_lifetime_seconds,
        "refresh_token": refresh_token,
    }


async def revoke_session(
    session: AsyncSession, outbox: Outbox, *, session_id: str, user_id: str, settings: Settings
) -> None:
    """End a session here (revoked_session is what every service checks) and tell the other services."""
    user_session = await session.get(UserSession, session_id)
    if user_session is not None and user_session.revoked_at is None:
        user_session.revoked_at = utcnow()
    # Access tokens of this session stay refusable until the last one could have expired (on the real clock, as
    # PyJWT checks their expiry).
    expires_at = wall_now() + timedelta(seconds=settings.access_token_lifetime_seconds)
    await session.execute(
        upsert_ignore(session, tables.revoked_sessions)
        .values(session_id=session_id, user_id=user_id, expires_at=expires_at)
        .on_conflict_do_nothing()
    )
    await outbox.add(
        session,
        SessionRevoked(session_id=session_id, user_id=user_id, expires_at=expires_at),
        subject=user_id,
    )


async def revoke_all_sessions(session: AsyncSession, outbox: Outbox, user_id: str, settings: Settings) -> int:
    open_sessions = (
        await session.scalars(
            select(UserSession).where(
                UserSession.user_id == user_id,
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > wall_now(),
            )
        )
    ).all()
    for user_session in open_sessions:
        await revoke_session(session, outbox, session_id=user_session.id, user_id=user_id, settings=settings)
    return len(open_sessions)
