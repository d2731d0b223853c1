"""Who works in which department (F-42). Staff are known from the local copy of accounts' users; each change
is audited with the department's members before and after, in the caller's transaction (F-83)."""

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit import service as audit
from cases.departments.models import DepartmentMember
from cases.directory.models import User
from shared.auth import Principal
from shared.db import upsert_ignore, utcnow
from shared.errors import Problem, field_error
from shared.events.vocabulary import Department


async def members_by_department(session: AsyncSession) -> dict[str, list[str]]:
    """Every department (the empty ones too) with its members' user ids."""
    found: dict[str, list[str]] = {department: [] for department in Department}
    rows = await session.execute(
        select(DepartmentMember.department, DepartmentMember.user_id).order_by(DepartmentMember.id)
    )
    for department, user_id in rows:
        found.setdefault(department, []).append(user_id)
    return found


async def members_of(session: AsyncSession, department: str) -> list[str]:
    rows = await session.scalars(
        select(DepartmentMember.user_id)
        .where(DepartmentMember.department == department)
        .order_by(DepartmentMember.id)
    )
    return list(rows.all())


async def departments_of(session: AsyncSession, user_id: str) -> list[str]:
    """The departments a staff user works in, in the order of `Department`."""
    rows = set(
        (
            await session.scalars(
                select(DepartmentMember.department).where(DepartmentMember.user_id == user_id)
            )
        ).all()
    )
    return [department.value for department in Department if department in rows]


async def users_by_id(session: AsyncSession, user_ids: Iterable[str]) -> list[User]:
    return list((await session.scalars(select(User).where(User.id.in_(list(user_ids))))).all())


async def active_staff(session: AsyncSession) -> list[User]:
    rows = await session.scalars(
        select(User).where(User.staff_role.is_not(None), User.active.is_(True)).order_by(User.name)
    )
    return list(rows.all())


async def staff_member(session: AsyncSession, user_id: str) -> User:
    """The active staff user to add: 404 when cases does not know them, 422 when they are not active staff."""
    user = await session.get(User, user_id)
    if user is None:
        raise Problem(
            404,
            "Not found",
            f"No user {user_id} is known here.",
            code="unknown_user",
            params={"user_id": user_id},
        )
    if not (user.is_staff and user.active):
        raise field_error(
            "user_id", "must be an active member of the vendor's staff", field_code="not_active_staff"
        )
    return user


async def add_member(session: AsyncSession, principal: Principal, department: str, user_id: str) -> None:
    """Idempotent: adding someone already in the department changes (and audits) nothing."""
    await staff_member(session, user_id)
    before = await members_of(session, department)
    if user_id in before:
        return
    inserted = await session.execute(
        upsert_ignore(session, DepartmentMember.__table__)
        .values(department=department, user_id=user_id, added_at=utcnow(), added_by=principal.user_id)
        .on_conflict_do_nothing()
    )
    if cast(CursorResult[Any], inserted).rowcount != 1:  # added by someone else at the same moment
        return
    audit.record_staff_change(
        session,
        principal,
        "department.member_added",
        {"members": (before, [*before, user_id])},
        department=department,
        user_id=user_id,
    )


async def remove_member(session: AsyncSession, principal: Principal, department: str, user_id: str) -> None:
    """Idempotent: removing someone not in the department changes (and audits) nothing. Anyone may be removed,
    a deactivated user too."""
    before = await members_of(session, department)
    if user_id not in before:
        return
    deleted = await session.execute(
        delete(DepartmentMember).where(
            DepartmentMember.department == department, DepartmentMember.user_id == user_id
        )
    )
    if cast(CursorResult[Any], deleted).rowcount != 1:  # removed by someone else at the same moment
        return
    after = [member for member in before if member != user_id]
    audit.record_staff_change(
        session,
        principal,
        "department.member_removed",
        {"members": (before, after)},
        department=department,
        user_id=user_id,
    )
