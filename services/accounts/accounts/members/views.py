"""An account's users, managed by its administrators and the vendor's staff (F-02, F-34): list, invite,
change role, set device assignments, deactivate and reactivate. Every change is audited."""

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from accounts.audit.service import record
from accounts.invitations.models import Invitation
from accounts.invitations.service import invitation_of, issue_invitation
from accounts.members.access import managed_account, member_of
from accounts.members.schemas import (
    AccountUser,
    AssignmentSet,
    InvitationCreated,
    InvitationRequest,
    RoleChange,
    UserDevices,
)
from accounts.members.service import (
    KNOWLEDGE_USER,
    assigned_device_ids,
    change_role,
    conflict,
    deactivate,
    devices_of_account,
    reactivate,
    refuse_devices_for_knowledge_user,
    set_assignments,
)
from accounts.users.models import Membership, User
from accounts.users.service import create_user, user_by_email
from shared.app import DbSession, OutboxDep
from shared.auth import CurrentUser
from shared.db import utcnow
from shared.errors import field_error, not_found
from shared.paging import Items
from shared.permissions import user_actions

router = APIRouter(prefix="/api/accounts/v1", tags=["account users"])


def account_user(
    user: User, membership: Membership, device_ids: list[str], invitation: Invitation | None = None
) -> AccountUser:
    return AccountUser(
        user_id=user.id,
        email=user.email,
        name=user.name,
        role=membership.role,
        active=membership.active and user.active,
        device_ids=device_ids,
        invited=invitation is not None,
        invitation_id=invitation.id if invitation else None,
        invitation_expires_at=invitation.expires_at if invitation else None,
        allowed_actions=user_actions(membership.role, active=membership.active and user.active, member=True),
    )


def invited_user(user: User, invitation: Invitation) -> AccountUser:
    return AccountUser(
        user_id=user.id,
        email=user.email,
        name=user.name,
        role=invitation.role or "",
        active=False,
        device_ids=list(invitation.device_ids),
        invited=True,
        invitation_id=invitation.id,
        invitation_expires_at=invitation.expires_at,
        allowed_actions=user_actions(invitation.role or "", active=False, member=False),
    )


async def pending_invitations(session, account_id: str) -> dict[str, Invitation]:
    rows = (
        await session.scalars(
            select(Invitation).where(
                Invitation.account_id == account_id,
                Invitation.accepted_at.is_(None),
                Invitation.cancelled_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
        )
    ).all()
    return {invitation.user_id: invitation for invitation in rows}


async def user_item(session, account_id: str, user: User, membership: Membership) -> dict:
    devices = (await assigned_device_ids(session, account_id)).get(user.id, [])
    return account_user(user, membership, devices).model_dump(mode="json")


@router.get("/accounts/{account_id}/users", response_model=Items[AccountUser])
async def list_users(account_id: str, principal: CurrentUser, session: DbSession) -> dict:
    """The account's users (deactivated ones with active=false) and the people with an open invitation."""
    await managed_account(session, principal, account_id)
    members = (
        await session.execute(
            select(User, Membership).join(Membership).where(Membership.account_id == account_id)
        )
    ).all()
    assigned = await assigned_device_ids(session, account_id)
    invitations = await pending_invitations(session, account_id)
    items = [
        account_user(user, membership, assigned.get(user.id, []), invitations.pop(user.id, None))
        for user, membership in members
    ]
    invitees = (await session.scalars(select(User).where(User.id.in_(invitations)))).all()
    items += [invited_user(user, invitations[user.id]) for user in invitees]
    items.sort(key=lambda item: (item.name.lower(), item.email))
    return {"items": [item.model_dump(mode="json") for item in items]}


@router.post("/accounts/{account_id}/invitations", status_code=201, response_model=InvitationCreated)
async def invite(
    account_id: str, body: InvitationRequest, principal: CurrentUser, session: DbSession, outbox: OutboxDep
) -> InvitationCreated:
    email = str(body.email).strip().lower()
    async with session.begin():
        account = await managed_account(session, principal, account_id, for_update=True)
        refuse_devices_for_knowledge_user(body.role, body.device_ids)
        devices = await devices_of_account(session, account.id, body.device_ids)
        try:
            user, invitation = await invite_person(
                session, outbox, principal.user_id, account, body, email, [d.id for d in devices]
            )
        except IntegrityError as exc:
            # The same email invited at the same moment: the unique constraints keep one invitation.
            raise conflict(
                "already_invited", f"{email} was invited at the same moment by someone else.", "email"
            ) from exc
        record(
            session,
            principal.user_id,
            "invitation.issued",
            "user",
            user.id,
            account=account.id,
            invitation_id=invitation.id,
            email=email,
            role=body.role,
            device_ids=invitation.device_ids,
        )
    return InvitationCreated(invitation_id=invitation.id, expires_at=invitation.expires_at)


async def invite_person(
    session, outbox, actor: str, account, body: InvitationRequest, email: str, device_ids: list[str]
) -> tuple[User, Invitation]:
    user = await user_by_email(session, email)
    if user is not None and user.role_in(account.id):
        raise conflict("already_member", f"{email} is already a user of this account.", "email")
    if user is None:
        name = (body.name or "").strip() or email.split("@")[0]
        user = create_user(
            session,
            actor,
            email=email,
            name=name,
            language=account.language,
            time_zone=account.time_zone,
            active=True,
            email_verified=False,
        )
        await session.flush()
    existing = await invitation_of(session, account.id, user.id)
    if existing is not None and existing.pending:
        raise conflict(
            "already_invited",
            f"{email} already has an open invitation (valid until "
            f"{existing.expires_at:%Y-%m-%d %H:%M} UTC); cancel it to invite again.",
            "email",
        )
    invitation = await issue_invitation(
        session, outbox, user, account, body.role, device_ids=device_ids, invited_by=actor
    )
    return user, invitation


@router.delete("/accounts/{account_id}/invitations/{invitation_id}", status_code=204)
async def cancel_invitation(
    account_id: str, invitation_id: str, principal: CurrentUser, session: DbSession
) -> Response:
    """Withdraw an open invitation: its link answers 410 from now on."""
    async with session.begin():
        await managed_account(session, principal, account_id, for_update=True)
        invitation = await session.get(Invitation, invitation_id, with_for_update=True)
        if invitation is None or invitation.account_id != account_id:
            raise not_found("invitation")
        if not invitation.pending:
            raise conflict(
                "invitation_not_open", "This invitation is already accepted, cancelled or expired."
            )
        invitation.cancelled_at = utcnow()
        record(
            session,
            principal.user_id,
            "invitation.cancelled",
            "user",
            invitation.user_id,
            account=account_id,
            invitation_id=invitation.id,
        )
    return Response(status_code=204)


@router.post(
    "/accounts/{account_id}/invitations/{invitation_id}/resend",
    status_code=201,
    response_model=InvitationCreated,
)
async def resend_invitation(
    account_id: str, invitation_id: str, principal: CurrentUser, session: DbSession, outbox: OutboxDep
) -> InvitationCreated:
    """Email an open invitation again with a fresh link and 7 more days; the link sent before stops working."""
    async with session.begin():
        account = await managed_account(session, principal, account_id, for_update=True)
        invitation = await session.get(Invitation, invitation_id, with_for_update=True)
        if invitation is None or invitation.account_id != account_id:
            raise not_found("invitation")
        if not invitation.pending:
            raise conflict(
                "invitation_not_open", "This invitation is already accepted, cancelled or expired."
            )
        user = await session.get(User, invitation.user_id)
        if user is None:
            raise not_found("invitation")
        invitation = await issue_invitation(
            session,
            outbox,
            user,
            account,
            invitation.role or "",
            device_ids=list(invitation.device_ids),
            invited_by=principal.user_id,
        )
        record(
            session,
            principal.user_id,
            "invitation.resent",
            "user",
            user.id,
            account=account_id,
            invitation_id=invitation.id,
            email=user.email,
        )
    return InvitationCreated(invitation_id=invitation.id, expires_at=invitation.expires_at)


@router.patch("/accounts/{account_id}/users/{user_id}", response_model=AccountUser)
async def change_user(
    account_id: str,
    user_id: str,
    body: RoleChange,
    principal: CurrentUser,
    session: DbSession,
    outbox: OutboxDep,
    request: Request,
) -> dict:
    """Change the user's role (the administrator role appoints another administrator)."""
    async with session.begin():
        await managed_account(session, principal, account_id, for_update=True)
        user, membership = await member_of(session, account_id, user_id)
        if body.role is not None and body.role != membership.role:
            await change_role(
                session, outbox, request.app.state.settings, principal.user_id, user, membership, body.role
            )
        return await user_item(session, account_id, user, membership)


@router.put("/accounts/{account_id}/users/{user_id}/devices", response_model=UserDevices)
async def set_user_devices(
    account_id: str,
    user_id: str,
    body: AssignmentSet,
    principal: CurrentUser,
    session: DbSession,
    outbox: OutboxDep,
) -> dict:
    """Replace the user's devices of this account with exactly `device_ids` (assigns and unassigns)."""
    async with session.begin():
        await managed_account(session, principal, account_id, for_update=True)
        user, membership = await member_of(session, account_id, user_id)
        if not (membership.active and user.active) and body.device_ids:
            raise conflict(
                "user_deactivated",
                "This user is deactivated; reactivate them before assigning devices.",
                "device_ids",
            )
        if membership.role == KNOWLEDGE_USER and body.device_ids:
            raise field_error(
                "device_ids",
                "A knowledge user has no devices; change the role first.",
                field_code="knowledge_user_devices",
            )
        devices = await devices_of_account(session, account_id, body.device_ids)
        device_ids = await set_assignments(session, outbox, principal.user_id, account_id, user.id, devices)
    return {"user_id": user.id, "device_ids": device_ids}


@router.post("/accounts/{account_id}/users/{user_id}/deactivate", response_model=AccountUser)
async def deactivate_user(
    account_id: str,
    user_id: str,
    principal: CurrentUser,
    session: DbSession,
    outbox: OutboxDep,
    request: Request,
) -> dict:
    async with session.begin():
        await managed_account(session, principal, account_id, for_update=True)
        user, membership = await member_of(session, account_id, user_id)
        await deactivate(session, outbox, request.app.state.settings, principal.user_id, user, membership)
        return await user_item(session, account_id, user, membership)


@router.post("/accounts/{account_id}/users/{user_id}/reactivate", response_model=AccountUser)
async def reactivate_user(
    account_id: str, user_id: str, principal: CurrentUser, session: DbSession, outbox: OutboxDep
) -> dict:
    async with session.begin():
        await managed_account(session, principal, account_id, for_update=True)
        user, membership = await member_of(session, account_id, user_id)
        await reactivate(session, outbox, principal.user_id, user, membership)
        return await user_item(session, account_id, user, membership)
