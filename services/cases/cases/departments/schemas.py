"""Request and response shapes of departments and routing rules (F-42)."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from shared.events.vocabulary import CaseType, Department, DepartmentAction, RoutingRuleAction, StaffRole


class StaffMemberOut(BaseModel):
    """A staff user as the department pages name them (from the local copy of accounts' users)."""

    user_id: str
    name: str
    staff_role: StaffRole | None
    active: bool


class DepartmentOut(BaseModel):
    department: Department
    members: list[StaffMemberOut]
    allowed_actions: list[DepartmentAction]


class DepartmentsOut(BaseModel):
    """Every department with its members, and the active staff who could be added to one."""

    items: list[DepartmentOut]
    staff: list[StaffMemberOut]


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    department: Department


class RuleOut(BaseModel):
    type: CaseType
    category: str | None  # None: any category (the type's default rule)
    department: Department
    updated_at: datetime
    allowed_actions: list[RoutingRuleAction]


class RulesOut(BaseModel):
    """Every rule, most general first within a type; the categories a rule may name per type."""

    items: list[RuleOut]
    categories: dict[CaseType, list[str]]
    allowed_actions: list[RoutingRuleAction]
