"""Accepting an invitation (F-02): the single-use link lets the invited person set name and password."""

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from accounts.audit.service import record
from accounts.invitations.models import Invitation
from accounts.tokens import secret_hash
from accounts.users.events import publish_user
from accounts.users.models import User
from accounts.users.passwords import check_password_rules, hash_password
from shared.app import DbSession, OutboxDep
from shared.db import utcnow
from shared.errors import field_error

router = APIRouter(prefix="/api/accounts/v1", tags=["invitations"])


class Acceptance(BaseModel):
    token: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(max_length=1024)


@router.post("/invitations/accept")
async def accept_invitation(body: Acceptance, session: DbSession, outbox: OutboxDep) -> dict:
    async with session.begin():
        invitation = await session.scalar(select(Invitation).where(
            Invitation.token_hash == secret_hash(body.token)).with_for_update())
        user = await session.get(User, invitation.user_id) if invitation else None
        if invitation is None or user is None or invitation.accepted_at is not None \
                or invitation.expires_at <= utcnow():
            raise field_error("token", "This invitation is invalid, expired or already used.")
        check_password_rules(body.password, email=user.email)
        if not body.name.strip():
            raise field_error("name", "may not be blank")
        user.name, user.password_hash = body.name.strip(), await hash_password(body.password)
        user.email_verified, user.active = True, True  # the emailed link proves the address
        invitation.accepted_at = utcnow()
        record(session, user.id, "invitation.accepted", "user", user.id, invitation_id=invitation.id)
        await publish_user(session, outbox, user)
    return {"status": "accepted", "user_id": user.id, "email": user.email}
