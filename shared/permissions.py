"""What each role may do with a device (SPEC §1), written once for every service: `accounts` answers it as a
device's `allowed_actions`, `cases` and `meters` enforce the same table when a case or a reading arrives."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

from shared.events.vocabulary import (
    CalendarAction,
    CaseAction,
    CaseType,
    CustomerRole,
    DepartmentAction,
    DeviceAction,
    GuideAction,
    PortalAction,
    RoutingRuleAction,
    UserAction,
)

if TYPE_CHECKING:  # only for the annotations: the gateway reads these rules without the services' libraries
    from shared.auth import Principal

_DEVICE_MANAGER_ACTIONS = frozenset(
    {
        DeviceAction.REPORT_PROBLEM,
        DeviceAction.SUBMIT_READING,
        DeviceAction.REQUEST_RELOCATION,
        DeviceAction.REQUEST_REMOVAL,
        DeviceAction.UPDATE_LOCATION,
    }
)
_STOCK_MANAGER_ACTIONS = frozenset({DeviceAction.ORDER_SUPPLIES})

DEVICE_ACTIONS_BY_ROLE: dict[str, frozenset[DeviceAction]] = {  # keyed by CustomerRole
    CustomerRole.ADMINISTRATOR: _DEVICE_MANAGER_ACTIONS | _STOCK_MANAGER_ACTIONS,
    CustomerRole.DEVICE_MANAGER: _DEVICE_MANAGER_ACTIONS,
    CustomerRole.STOCK_MANAGER: _STOCK_MANAGER_ACTIONS,
    CustomerRole.DEVICE_STOCK_MANAGER: _DEVICE_MANAGER_ACTIONS | _STOCK_MANAGER_ACTIONS,
    CustomerRole.KNOWLEDGE_USER: frozenset(),
}
# The vendor's staff open no cases (customers do) but keep readings and locations right.
STAFF_DEVICE_ACTIONS = frozenset(
    {DeviceAction.SUBMIT_READING, DeviceAction.UPDATE_LOCATION, DeviceAction.RECORD_CORRECTION}
)
# The device action that opens a case of each type; an account inquiry concerns no device.
ACTION_BY_CASE_TYPE: dict[CaseType, DeviceAction] = {
    CaseType.INCIDENT: DeviceAction.REPORT_PROBLEM,
    CaseType.CONSUMABLES: DeviceAction.ORDER_SUPPLIES,
    CaseType.RELOCATION: DeviceAction.REQUEST_RELOCATION,
    CaseType.REMOVAL: DeviceAction.REQUEST_REMOVAL,
}


def roles_that_may(action: DeviceAction) -> tuple[CustomerRole, ...]:
    return tuple(CustomerRole(role) for role, actions in DEVICE_ACTIONS_BY_ROLE.items() if action in actions)


def sees_device(principal: Principal, account_id: str, assigned_user_ids: Collection[str]) -> bool:
    """Administrators see every device of their accounts; the device and stock roles the ones assigned to them."""
    if principal.is_staff:
        return True
    role = principal.role_in(account_id)
    if role == CustomerRole.ADMINISTRATOR:
        return True
    return bool(DEVICE_ACTIONS_BY_ROLE.get(role or "")) and principal.user_id in assigned_user_ids


def device_actions(principal: Principal, account_id: str, assigned_user_ids: Collection[str]) -> list[str]:
    """What the caller may do with a device of this account assigned to these users, in a stable order."""
    if principal.is_staff:
        allowed = STAFF_DEVICE_ACTIONS
    elif sees_device(principal, account_id, assigned_user_ids):
        allowed = DEVICE_ACTIONS_BY_ROLE.get(principal.role_in(account_id) or "", frozenset())
    else:
        allowed = frozenset()
    return [action.value for action in DeviceAction if action in allowed]


def account_actions(role: str | None) -> list[str]:
    """What a role lets its holder do with the account itself: administrators ask about it and manage its users."""
    if role == CustomerRole.ADMINISTRATOR:
        return [PortalAction.ASK_ABOUT_ACCOUNT.value, PortalAction.MANAGE_USERS.value]
    return []


def portal_actions(principal: Principal, device_actions_seen: Iterable[Iterable[str]]) -> list[str]:
    """What the caller may start at all: a device action when some device allows it, what some account
    allows (`account_actions`), for the vendor's staff the case queue and every account's users, and for
    supervisors the departments and routing and the reports."""
    possible = {action for actions in device_actions_seen for action in actions}
    possible |= {action for role in principal.memberships.values() for action in account_actions(role)}
    if principal.is_staff:
        possible |= {PortalAction.WORK_CASES, PortalAction.MANAGE_ANY_ACCOUNT}
    if principal.is_supervisor:
        possible |= {PortalAction.MANAGE_ROUTING, PortalAction.VIEW_REPORTS, PortalAction.MANAGE_GUIDES}
    return [action.value for action in PortalAction if action in possible]


def user_actions(role: str, *, active: bool, member: bool) -> list[str]:
    """What the account's administrators (and the vendor's staff) may do to one of its users: someone only
    invited so far has their invitation cancelled; a knowledge user has no devices to be assigned."""
    if not member:
        return [UserAction.CANCEL_INVITATION.value]
    actions = [UserAction.CHANGE_ROLE]
    if DEVICE_ACTIONS_BY_ROLE.get(role):
        actions.append(UserAction.ASSIGN_DEVICES)
    actions.append(UserAction.DEACTIVATE if active else UserAction.REACTIVATE)
    return [action.value for action in actions]


def assignment_actions(
    principal: Principal, *, assignee_id: str | None, in_department: bool, case_over: bool
) -> list[str]:
    """Who works a case, as the vendor's staff may change it: anyone of them assigns it (to a colleague of the
    case's department; a supervisor to anyone of the staff) and takes it off its assignee; a member of its
    department, or a supervisor, takes it themselves. A closed or cancelled case keeps whoever worked it."""
    if not principal.is_staff or case_over:
        return []
    actions = [CaseAction.ASSIGN]
    if assignee_id != principal.user_id and (in_department or principal.is_supervisor):
        actions.append(CaseAction.ASSIGN_TO_SELF)
    if assignee_id is not None:
        actions.append(CaseAction.UNASSIGN)
    return [action.value for action in actions]


def department_actions(principal: Principal) -> list[str]:
    """What the caller may do with a department's members: supervisors add and remove them; agents only look
    (they pick colleagues from the list)."""
    if not principal.is_supervisor:
        return []
    return [DepartmentAction.ADD_MEMBER.value, DepartmentAction.REMOVE_MEMBER.value]


def routing_rule_actions(principal: Principal, *, default_rule: bool) -> list[str]:
    """What the caller may do with one routing rule: a type's default rule is changed, never deleted, so that
    every case type always has a department."""
    if not principal.is_supervisor:
        return []
    actions = (
        [RoutingRuleAction.CHANGE] if default_rule else [RoutingRuleAction.CHANGE, RoutingRuleAction.DELETE]
    )
    return [action.value for action in actions]


def routing_actions(principal: Principal) -> list[str]:
    """What the caller may do with the routing rules as a whole: supervisors add rules."""
    return [RoutingRuleAction.ADD.value] if principal.is_supervisor else []


def calendar_actions(principal: Principal) -> list[str]:
    """What the caller may do with the business-hours calendars: supervisors keep them (F-42), agents read them."""
    return [action.value for action in CalendarAction] if principal.is_supervisor else []


def reads_guides_only(memberships: dict[str, str], staff_role: str | None = None) -> bool:
    """A customer whose every role is the Knowledge User's: the self-help guides are all they see (SPEC §1). The
    vendor's staff see everything whatever their memberships."""
    if staff_role:
        return False
    return bool(memberships) and all(role == CustomerRole.KNOWLEDGE_USER for role in memberships.values())


def guide_actions(principal: Principal) -> list[str]:
    """What the caller may do with a self-help guide: supervisors edit and publish them (F-42); others read."""
    return [action.value for action in GuideAction] if principal.is_supervisor else []
