"""The caller's own profile (F-04)."""

from fastapi import APIRouter

from accounts.audit.service import record
from accounts.devices.access import visible_devices_query
from accounts.users.events import publish_user
from accounts.users.models import NOTIFICATION_KINDS, User
from accounts.users.schemas import MembershipOut, Profile, ProfileChange
from shared.app import DbSession, OutboxDep
from shared.audit import apply_changes
from shared.auth import CurrentUser, Principal
from shared.errors import not_found
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
