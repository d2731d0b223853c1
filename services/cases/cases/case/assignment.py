"""Who works a case (F-40): an agent takes it, or gives it to a colleague of the case's department; a supervisor
gives it to anyone of the staff; anyone of the staff takes it off its assignee. Each change is audited with the
assignee before and after and published as `cases.case.assigned`, in the caller's transaction."""

from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit import service as audit
from cases.case.models import Case
from cases.case.schemas import StaffRef
from cases.case.workflow import TERMINAL
from cases.departments.members import active_staff, departments_of, members_of, users_by_id
from cases.directory.models import User
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Problem, field_error
from shared.events.cases import CaseAssigned
from shared.events.vocabulary import Side
from shared.outbox import Outbox
from shared.permissions import assignment_actions


async def assign(
    session: AsyncSession, outbox: Outbox, principal: Principal, case: Case, assignee_id: str | None
) -> None:
    """Idempotent: giving a case to whoever works it already changes (and audits, and publishes) nothing."""
    refuse_when_over(case)
    if assignee_id is not None:
        await check_assignee(session, principal, case, assignee_id)
    previous = case.assignee_id
    if previous == assignee_id:
        return
    now = utcnow()
    case.assignee_id, case.updated_at = assignee_id, now
    audit.record(
        session,
        actor_id=principal.user_id,
        actor_side=Side.VENDOR,
        action="case.assigned",
        case_id=case.id,
        changes={"assignee_id": (previous, assignee_id)},
        department=case.department,
    )
    await outbox.add(
        session,
        CaseAssigned(
            case_id=case.id,
            number=case.number,
            department=case.department,
            assignee_id=assignee_id,
            previous_assignee_id=previous,
            assigned_by=principal.user_id,
            assigned_at=now,
        ),
        subject=case.id,
    )


def refuse_when_over(case: Case) -> None:
    if case.status in TERMINAL:
        raise Problem(
            409,
            "Case is over",
            f"Case {case.number} is {case.status}; it keeps whoever worked it.",
            code="case_closed",
            params={"number": case.number, "status": case.status},
        )


async def check_assignee(session: AsyncSession, principal: Principal, case: Case, assignee_id: str) -> None:
    """An active member of the staff; unless a supervisor assigns, a member of the case's department."""
    assignee = await session.get(User, assignee_id)
    if assignee is None or not assignee.is_staff or not assignee.active:
        raise field_error(
            "assignee_id", "must be an active member of the vendor's staff", field_code="not_active_staff"
        )
    if principal.is_supervisor or assignee_id in await members_of(session, case.department):
        return
    raise field_error(
        "assignee_id",
        f"must be a member of the case's department ({case.department})",
        field_code="not_department_member",
        department=case.department,
    )


async def assignable(session: AsyncSession, principal: Principal, case: Case) -> list[StaffRef]:
    """Whom the caller may give the case to, by name: the department's active members; a supervisor, all staff."""
    if principal.is_supervisor:
        people = await active_staff(session)
    else:
        members = await users_by_id(session, await members_of(session, case.department))
        people = sorted((u for u in members if u.is_staff and u.active), key=lambda u: u.name)
    return [StaffRef(id=user.id, name=user.name) for user in people]


async def staff_assignment_actions(session: AsyncSession, principal: Principal, case: Case) -> list[str]:
    own = await departments_of(session, principal.user_id)
    return assignment_actions(
        principal,
        assignee_id=case.assignee_id,
        in_department=case.department in own,
        case_over=case.status in TERMINAL,
    )
