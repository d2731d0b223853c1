"""The caller's own profile (F-04)."""

from fastapi import APIRouter, Request
from sqlalchemy import select

from accounts.audit.service import record
from accounts.auth.models import UserSession
from accounts.auth.service import revoke_session
from accounts.devices.access import visible_devices_query
from accounts.users.events import publish_user
from accounts.users.models import NOTIFICATION_KINDS, User
from accounts.users.passwords import check_password_rules, hash_password, names_of, verify_password
from accounts.users.schemas import MembershipOut, PasswordChange, PasswordChanged, Profile, ProfileChange
from shared.app import DbSession, OutboxDep
from shared.audit import apply_changes
from shared.auth import CurrentUser, Principal
from shared.clock import wall_now
from shared.errors import field_error, not_found
from shared.permissions import device_actions, portal_actions

router = APIRouter(prefix="/api/accounts/v1", tags=["profile"])


def profile_of(user: User, allowed_actions: list[str]) -> Profile:
    return Profile(
        allowed_actions=allowed_actions,
        id=user.id,
        email=user.email,
        name=user.name,
        phone=user.phone,
        language=user.language,
        time_zone=user.time_zone,
        staff_role=user.staff_role,
        notification_preferences={**{k: True for k in NOTIFICATION_KINDS}, **user.notification_preferences},
        memberships=[
            MembershipOut(
                account_id=m.account_id,
                account_number=m.account.number,
                account_name=m.account.name,
                role=m.role,
                country=m.account.country or "",
                time_zone=m.account.time_zone or "",
            )
            for m in user.active_memberships
        ],
    )


async def own_user(session, principal) -> User:
    user = await session.get(User, principal.user_id)
    if user is None or not user.active:
        raise not_found("user")
    return user


async def caller_actions(session, principal: Principal) -> list[str]:
    devices = (await session.scalars(visible_devices_query(principal))).all()
    return portal_actions(
        principal, (device_actions(principal, d.account_id, d.assigned_user_ids) for d in devices)
    )


@router.get("/me", response_model=Profile)
async def get_me(principal: CurrentUser, session: DbSession) -> Profile:
    return profile_of(await own_user(session, principal), await caller_actions(session, principal))


@router.patch("/me", response_model=Profile)
async def change_me(
    body: ProfileChange, principal: CurrentUser, session: DbSession, outbox: OutboxDep
) -> Profile:
    async with session.begin():
        user = await own_user(session, principal)
        changes = body.model_dump(exclude_unset=True, exclude_none=True)
        if "notification_preferences" in changes:
            changes["notification_preferences"] = {
                **user.notification_preferences,
                **changes["notification_preferences"],
            }
        changes = apply_changes(user, changes)
        if changes:
            record(
                session,
                principal.user_id,
                "user.profile_changed",
                "user",
                user.id,
                changes=changes,
                fields=sorted(changes),
            )
            await publish_user(session, outbox, user)
    return profile_of(user, await caller_actions(session, principal))


@router.post("/me/password", response_model=PasswordChanged)
async def change_password(
    body: PasswordChange, principal: CurrentUser, request: Request, session: DbSession, outbox: OutboxDep
) -> PasswordChanged:
    """A new password, given the current one. Every other session of the user ends (a browser left logged in
    elsewhere, or someone who knew the old password); the one that changed it goes on."""
    async with session.begin():
        user = await own_user(session, principal)
        if not await verify_password(user.password_hash, body.current_password):
            raise field_error(
                "current_password", "The current password is not correct.", field_code="wrong_password"
            )
        check_password_rules(body.new_password, email=user.email, names=names_of(user), field="new_password")
        user.password_hash = await hash_password(body.new_password)
        others = (
            await session.scalars(
                select(UserSession.id).where(
                    UserSession.user_id == user.id,
                    UserSession.id != principal.session_id,
                    UserSession.revoked_at.is_(None),
                    UserSession.expires_at > wall_now(),
                )
            )
        ).all()
        for session_id in others:
            await revoke_session(
                session,
                outbox,
                session_id=session_id,
                user_id=user.id,
                settings=request.app.state.settings,
            )
        record(
            session, principal.user_id, "user.password_changed", "user", user.id, sessions_ended=len(others)
        )
    return PasswordChanged(other_sessions_ended=len(others))
