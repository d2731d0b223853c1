"""HTTP API of departments and routing rules under /api/cases/v1 (F-42). The vendor's staff read the
departments (agents pick colleagues from them); only supervisors change members and rules."""

from typing import Annotated

from fastapi import APIRouter, Path, Response
from sqlalchemy.exc import IntegrityError

from cases.case.routing import CATEGORIES_BY_TYPE
from cases.departments import members, rules
from cases.departments.models import RoutingRule
from cases.departments.schemas import (
    DepartmentOut,
    DepartmentsOut,
    RuleIn,
    RuleOut,
    RulesOut,
    StaffMemberOut,
)
from cases.directory.models import User
from shared.app import DbSession
from shared.auth import Principal, StaffUser, SupervisorUser
from shared.errors import Problem
from shared.events.vocabulary import CaseType, Department
from shared.permissions import department_actions, routing_actions, routing_rule_actions

router = APIRouter(prefix="/api/cases/v1", tags=["departments"])
UserId = Annotated[str, Path(min_length=1, max_length=36)]
Category = Annotated[str, Path(min_length=1, max_length=40)]


def staff_out(user_id: str, users: dict[str, User]) -> StaffMemberOut:
    user = users.get(user_id)
    if user is None:  # a member whose copy was lost cannot happen, but the page still names them
        return StaffMemberOut(user_id=user_id, name="", staff_role=None, active=False)
    return StaffMemberOut(user_id=user.id, name=user.name, staff_role=user.staff_role, active=user.active)


async def department_out(session: DbSession, principal: Principal, department: str) -> DepartmentOut:
    member_ids = await members.members_of(session, department)
    users = {u.id: u for u in await members.users_by_id(session, member_ids)}
    return DepartmentOut(
        department=Department(department),
        members=[staff_out(user_id, users) for user_id in member_ids],
        allowed_actions=department_actions(principal),
    )


@router.get("/departments", response_model=DepartmentsOut)
async def list_departments(principal: StaffUser, session: DbSession) -> DepartmentsOut:
    by_department = await members.members_by_department(session)
    staff = await members.active_staff(session)
    member_ids = {user_id for ids in by_department.values() for user_id in ids}
    users = {u.id: u for u in [*staff, *await members.users_by_id(session, member_ids)]}
    actions = department_actions(principal)
    return DepartmentsOut(
        items=[
            DepartmentOut(
                department=Department(department),
                members=[staff_out(user_id, users) for user_id in ids],
                allowed_actions=actions,
            )
            for department, ids in by_department.items()
        ],
        staff=[staff_out(user.id, users) for user in staff],
    )


@router.put("/departments/{department}/members/{user_id}", response_model=DepartmentOut)
async def add_member(
    department: Department, user_id: UserId, principal: SupervisorUser, session: DbSession
) -> DepartmentOut:
    async with session.begin():
        await members.add_member(session, principal, department, user_id)
    return await department_out(session, principal, department)


@router.delete("/departments/{department}/members/{user_id}", response_model=DepartmentOut)
async def remove_member(
    department: Department, user_id: UserId, principal: SupervisorUser, session: DbSession
) -> DepartmentOut:
    async with session.begin():
        await members.remove_member(session, principal, department, user_id)
    return await department_out(session, principal, department)


def rule_out(principal: Principal, rule: RoutingRule) -> RuleOut:
    return RuleOut(
        type=CaseType(rule.type),
        category=rule.category,
        department=Department(rule.department),
        updated_at=rule.updated_at,
        allowed_actions=routing_rule_actions(principal, default_rule=rule.is_default),
    )


@router.get("/routing-rules", response_model=RulesOut)
async def list_rules(principal: SupervisorUser, session: DbSession) -> RulesOut:
    return RulesOut(
        items=[rule_out(principal, rule) for rule in await rules.all_rules(session)],
        categories={case_type: list(categories) for case_type, categories in CATEGORIES_BY_TYPE.items()},
        allowed_actions=routing_actions(principal),
    )


async def save_rule(
    session: DbSession, principal: Principal, case_type: CaseType, category: str | None, request: RuleIn
) -> RuleOut:
    try:
        async with session.begin():
            rule = await rules.set_rule(session, principal, case_type, category, request.department)
            answer = rule_out(principal, rule)
    except IntegrityError as exc:  # the same new rule written at the same moment by someone else
        raise Problem(
            409, "Conflict", "Someone else set this rule at the same moment.", code="concurrent_change"
        ) from exc
    return answer


@router.put("/routing-rules/{type}", response_model=RuleOut)
async def set_default_rule(
    type: CaseType, request: RuleIn, principal: SupervisorUser, session: DbSession
) -> RuleOut:
    """The department of the type's cases whatever their category (unless a rule of their category says
    otherwise)."""
    return await save_rule(session, principal, type, None, request)


@router.put("/routing-rules/{type}/{category}", response_model=RuleOut)
async def set_category_rule(
    type: CaseType, category: Category, request: RuleIn, principal: SupervisorUser, session: DbSession
) -> RuleOut:
    return await save_rule(session, principal, type, category, request)


@router.delete(
    "/routing-rules/{type}",
    status_code=409,
    response_model=None,
    response_description="Always refused (`default_rule_required`): a type's default rule is changed, never deleted",
)
async def delete_default_rule(type: CaseType, principal: SupervisorUser) -> Response:
    raise rules.refuse_deleting_default(type)


@router.delete("/routing-rules/{type}/{category}", status_code=204, response_model=None)
async def delete_category_rule(
    type: CaseType, category: Category, principal: SupervisorUser, session: DbSession
) -> Response:
    async with session.begin():
        await rules.delete_rule(session, principal, type, category)
    return Response(status_code=204)
