"""Routing rules (F-10, F-42): (case type, category or any) -> department. A new case goes to the department
of the most specific rule: its type and category, else its type's default; a case keeps the department it
was routed to, so a changed rule applies to new cases only.

The hot path (`department_for`) reads the whole (small) table once per `RULES_FRESH_SECONDS` per process, not
once per case (that query was a tenth of a case's creation): a change applies at once in the process that made
it (its copy is dropped after the commit) and within those seconds in every other replica.
"""

import math
import time
from weakref import WeakKeyDictionary

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit import service as audit
from cases.case.routing import CATEGORIES_BY_TYPE, default_department
from cases.departments.models import RoutingRule
from shared.auth import Principal
from shared.db import run_after_commit, utcnow
from shared.errors import Problem, field_error, not_found
from shared.events.vocabulary import CaseType

RULES_FRESH_SECONDS = 5.0


class RoutingTable:
    """A process's copy of one database's rules: (type, category or None) -> department, and when it was read."""

    def __init__(self) -> None:
        self.rules: dict[tuple[str, str | None], str] = {}
        self.read_at = -math.inf

    def forget(self) -> None:
        self.read_at = -math.inf


# One copy per database (a process has one; the tests make many).
TABLES: WeakKeyDictionary[object, RoutingTable] = WeakKeyDictionary()


def routing_table(session: AsyncSession) -> RoutingTable:
    return TABLES.setdefault(session.get_bind(), RoutingTable())


async def department_for(session: AsyncSession, case_type: str, category: str) -> str:
    table = routing_table(session)
    if time.monotonic() - table.read_at > RULES_FRESH_SECONDS:
        rows = await session.execute(select(RoutingRule.type, RoutingRule.category, RoutingRule.department))
        table.rules = {
            (rule_type, rule_category): department for rule_type, rule_category, department in rows
        }
        table.read_at = time.monotonic()
    # The default rule of every type is seeded and cannot be deleted; the fixed map only covers a database
    # that somehow lacks it.
    return (
        table.rules.get((case_type, category))
        or table.rules.get((case_type, None))
        or default_department(case_type)
    )


def type_order(rule: RoutingRule) -> tuple[int, int]:
    """Types in their vocabulary's order, each with its default rule first, then its categories in order."""
    case_type = CaseType(rule.type)
    categories = CATEGORIES_BY_TYPE[case_type]
    position = categories.index(rule.category) + 1 if rule.category in categories else len(categories) + 1
    return list(CaseType).index(case_type), 0 if rule.category is None else position


async def all_rules(session: AsyncSession) -> list[RoutingRule]:
    rules = (await session.scalars(select(RoutingRule))).all()
    return sorted(rules, key=type_order)


def check_category(case_type: CaseType, category: str) -> None:
    if category not in CATEGORIES_BY_TYPE[case_type]:
        raise field_error(
            "category",
            f"{case_type} cases have no category {category}",
            field_code="not_a_category",
            category=category,
            type=case_type.value,
        )


async def rule_of(session: AsyncSession, case_type: str, category: str | None) -> RoutingRule | None:
    same_category = RoutingRule.category.is_(None) if category is None else RoutingRule.category == category
    return await session.scalar(
        select(RoutingRule).where(RoutingRule.type == case_type, same_category).with_for_update()
    )


async def set_rule(
    session: AsyncSession, principal: Principal, case_type: CaseType, category: str | None, department: str
) -> RoutingRule:
    """Create the rule of (type, category), or give it another department."""
    if category is not None:
        check_category(case_type, category)
    rule = await rule_of(session, case_type, category)
    before = rule.department if rule else None
    if rule is None:
        rule = RoutingRule(type=case_type.value, category=category)
        session.add(rule)
    if before != department:
        rule.department, rule.updated_at, rule.updated_by = department, utcnow(), principal.user_id
        audit_rule(session, principal, "routing_rule.set", rule, before, department)
        run_after_commit(session, routing_table(session).forget)
    await session.flush()
    return rule


async def delete_rule(
    session: AsyncSession, principal: Principal, case_type: CaseType, category: str
) -> None:
    rule = await rule_of(session, case_type, category)
    if rule is None:
        raise not_found("routing rule")
    await session.execute(delete(RoutingRule).where(RoutingRule.id == rule.id))
    run_after_commit(session, routing_table(session).forget)
    audit_rule(session, principal, "routing_rule.deleted", rule, rule.department, None)


def refuse_deleting_default(case_type: CaseType) -> Problem:
    return Problem(
        409,
        "Default rule",
        f"Every {case_type} case needs a department: change the default rule instead of deleting it.",
        code="default_rule_required",
        params={"type": case_type.value},
    )


def audit_rule(
    session: AsyncSession,
    principal: Principal,
    action: str,
    rule: RoutingRule,
    before: str | None,
    after: str | None,
) -> None:
    changes = {"department": (before, after)}
    audit.record_staff_change(session, principal, action, changes, type=rule.type, category=rule.category)
