"""Who follows a case (is emailed about it): a customer who may see a case follows or stops following it; an
administrator of its account adds a colleague who may see it, or takes one off. Each change is audited."""

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit import service as audit
from cases.case.models import Case, CaseFollower
from cases.case.workflow import TERMINAL
from cases.directory.access import ADMINISTRATOR, may_see_case, principal_of
from cases.directory.models import DeviceAssignment, User
from shared.auth import Principal
from shared.db import upsert_ignore
from shared.errors import field_error, forbidden
from shared.events.vocabulary import CaseAction


def is_administrator(principal: Principal, case: Case) -> bool:
    return not principal.is_staff and principal.role_in(case.account_id) == ADMINISTRATOR


async def colleagues_who_may_see(session: AsyncSession, case: Case) -> list[User]:
    """The account's active users who may open the case, by name."""
    assigned = set(
        (
            await session.scalars(
                select(DeviceAssignment.user_id).where(DeviceAssignment.device_id == case.device_id)
            )
        ).all()
        if case.device_id
        else ()
    )
    members = await session.scalars(
        select(User)
        .where(User.active.is_(True), User.memberships[case.account_id].as_string().is_not(None))
        .order_by(User.name, User.id)
    )
    return [u for u in members.all() if may_see_case(principal_of(u), case, u.id in assigned)]


async def candidates(session: AsyncSession, principal: Principal, case: Case) -> list[User]:
    """Whom the caller may add: for an administrator, the colleagues who may see the case and do not follow it."""
    if not is_administrator(principal, case) or case.status in TERMINAL:
        return []
    following = set(case.follower_ids)
    return [u for u in await colleagues_who_may_see(session, case) if u.id not in following]


def follower_actions(principal: Principal, case: Case, has_candidates: bool) -> list[str]:
    if principal.is_staff:
        return []
    if principal.user_id in case.follower_ids:
        actions = [CaseAction.UNFOLLOW.value]
    else:
        actions = [] if case.status in TERMINAL else [CaseAction.FOLLOW.value]
    return actions + ([CaseAction.ADD_FOLLOWER.value] if has_candidates else [])


async def add_follower(session: AsyncSession, principal: Principal, case: Case, user_id: str | None) -> None:
    """The caller follows the case (`user_id` theirs or absent), or an administrator adds a colleague."""
    if principal.is_staff:
        raise forbidden("Followers are the customer's users; the vendor's staff work the case.")
    target = user_id or principal.user_id
    if target != principal.user_id:
        if not is_administrator(principal, case):
            raise forbidden("Only the account's administrators may add a colleague as a follower.")
        user = await session.get(User, target)
        assigned = bool(
            case.device_id
            and await session.get(DeviceAssignment, {"device_id": case.device_id, "user_id": target})
        )
        if user is None or not user.active or not may_see_case(principal_of(user), case, assigned):
            raise field_error(
                "user_id", "must be a colleague who may see this case", field_code="may_not_see_case"
            )
    if target in case.follower_ids:
        return
    await session.execute(
        upsert_ignore(session, CaseFollower.__table__)
        .values(case_id=case.id, user_id=target)
        .on_conflict_do_nothing()
    )
    await session.flush()
    await session.refresh(case, ["followers"])
    audit.record(
        session,
        actor_id=principal.user_id,
        actor_side="customer",
        action="case.follower_added",
        case_id=case.id,
        changes={"followers": (None, target)},
        user_id=target,
    )


async def remove_follower(session: AsyncSession, principal: Principal, case: Case, user_id: str) -> None:
    """The caller stops following the case, or an administrator takes a colleague off it."""
    if principal.is_staff:
        raise forbidden("Followers are the customer's users; the vendor's staff work the case.")
    if user_id != principal.user_id and not is_administrator(principal, case):
        raise forbidden("Only the account's administrators may take a colleague off a case.")
    if user_id not in case.follower_ids:
        return
    await session.execute(
        delete(CaseFollower).where(CaseFollower.case_id == case.id, CaseFollower.user_id == user_id)
    )
    await session.flush()
    await session.refresh(case, ["followers"])
    audit.record(
        session,
        actor_id=principal.user_id,
        actor_side="customer",
        action="case.follower_removed",
        case_id=case.id,
        changes={"followers": (user_id, None)},
        user_id=user_id,
    )
