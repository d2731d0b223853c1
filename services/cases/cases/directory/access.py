"""Who may see and act on what (ARCHITECTURE §5), decided from the local copies.

Staff see every case. An administrator sees every case of their accounts; device managers (and device &
stock managers) the cases of the devices assigned to them and the ones they created; stock managers the
consumables orders of their assigned devices and the cases they created; knowledge users only the cases
they created. Anything else answers 404, exactly like a missing case.

Who may open which type (SPEC §1): incidents, relocations and removals need the device role; consumables
orders the stock role; account inquiries the account's administrators. Administrators may do all of them."""

from typing import Any, Protocol

from sqlalchemy import BindParameter, ColumnElement, bindparam, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from cases.directory.models import Device, DeviceAssignment, User
from shared.auth import Principal
from shared.errors import forbidden, not_found
from shared.events.vocabulary import CaseType, CustomerRole, DeviceAction
from shared.permissions import ACTION_BY_CASE_TYPE, roles_that_may, sees_device

ADMINISTRATOR = CustomerRole.ADMINISTRATOR
# Who sees every case of their assigned devices (besides the ones they created).
DEVICE_ROLES = tuple(r for r in roles_that_may(DeviceAction.REPORT_PROBLEM) if r != ADMINISTRATOR)
ROLES_BY_TYPE: dict[str, tuple[str, ...]] = {
    **{case_type: roles_that_may(action) for case_type, action in ACTION_BY_CASE_TYPE.items()},
    CaseType.ACCOUNT_INQUIRY: (ADMINISTRATOR,),
}
WHAT_BY_TYPE = {
    CaseType.INCIDENT: "incidents",
    CaseType.RELOCATION: "relocation requests",
    CaseType.REMOVAL: "removal requests",
    CaseType.CONSUMABLES: "consumables orders",
    CaseType.ACCOUNT_INQUIRY: "account inquiries",
}


def may_see_device(principal: Principal, device: Device) -> bool:
    return sees_device(principal, device.account_id, device.assigned_user_ids)


class UserCopy(Protocol):
    """What `principal_of` reads of a user's copy: the entity or a row of these columns."""

    @property
    def id(self) -> str: ...
    @property
    def memberships(self) -> dict[str, str]: ...
    @property
    def staff_role(self) -> str | None: ...


def principal_of(user: UserCopy) -> Principal:
    """A user of the local copy as the caller they would be (to decide what they may see)."""
    return Principal(user.id, "", memberships=dict(user.memberships), staff_role=user.staff_role)


def may_see_case(principal: Principal, case, assigned: bool) -> bool:
    """The rule of `visible_cases_clause` for one case already loaded (e.g. to pick whom to email about it);
    `assigned`: the case's device is assigned to the principal."""
    if principal.is_staff:
        return True
    role = principal.role_in(case.account_id)
    if role is None:
        return False
    if role == ADMINISTRATOR or principal.user_id == case.created_by:
        return True
    if role in DEVICE_ROLES:
        return assigned
    return role == CustomerRole.STOCK_MANAGER and case.type == CaseType.CONSUMABLES and assigned


async def visible_device(session: AsyncSession, principal: Principal, device_id: str) -> Device:
    """An active device the caller may see; 404 otherwise."""
    device = await session.get(Device, device_id)
    if device is None or not device.active or not may_see_device(principal, device):
        raise not_found("device")
    return device


async def device_for_new_case(
    session: AsyncSession, principal: Principal, device_id: str, case_type: str = "incident"
) -> Device:
    """The device a customer opens a case of this type for: 404 when it is not theirs to see, 403 when their
    role may not open such cases."""
    # With its assignments in the same statement (they are read to check the caller and to pick the followers).
    device = await session.get(Device, device_id, options=[joinedload(Device.assignments)])
    if device is None or not device.active:
        raise not_found("device")
    role = principal.role_in(device.account_id)
    if principal.is_staff:
        raise forbidden("Cases are opened by the customer's users.")
    if role is None:
        raise not_found("device")
    if role not in ROLES_BY_TYPE[case_type]:
        raise forbidden(f"Your role does not allow opening {WHAT_BY_TYPE[CaseType(case_type)]}.")
    if not may_see_device(principal, device):
        raise not_found("device")
    return device


def check_account_inquiry(principal: Principal, account_id: str) -> None:
    """Only the account's administrators ask about it; another account answers 404 like a missing one."""
    if principal.is_staff:
        raise forbidden("Cases are opened by the customer's users.")
    role = principal.role_in(account_id)
    if role is None:
        raise not_found("account")
    if role not in ROLES_BY_TYPE[CaseType.ACCOUNT_INQUIRY]:
        raise forbidden(f"Your role does not allow opening {WHAT_BY_TYPE[CaseType.ACCOUNT_INQUIRY]}.")


# The shape of the visibility rule for a caller: None for the vendor's staff (every case), else the caller's role
# in each of their accounts, in turn. Callers of one shape share one statement; their values are its parameters.
Visibility = tuple[str, ...] | None


def visibility_of(principal: Principal) -> tuple[Visibility, dict[str, str]]:
    """The caller's shape of the rule and its values by parameter name (see `visible_cases_rule`)."""
    if principal.is_staff:
        return None, {}
    values = {f"visible_account_{n}": account_id for n, account_id in enumerate(principal.memberships)}
    return tuple(principal.memberships.values()), values | {"visible_user": principal.user_id}


def visible_cases_clause(
    principal: Principal, account_col, device_col, creator_col, type_col
) -> ColumnElement[bool]:
    """A WHERE clause selecting exactly the cases the caller may see."""
    shape, values = visibility_of(principal)
    return visible_cases_rule(shape, account_col, device_col, creator_col, type_col, values)


def visible_cases_rule(
    shape: Visibility, account_col, device_col, creator_col, type_col, values: dict[str, str] | None = None
) -> ColumnElement[bool]:
    """The clause of `visible_cases_clause` for every caller of a shape: the accounts and the user as named
    parameters, bound to `values` when given, else left for the statement's execution to supply."""
    if shape is None:
        return true()
    param: dict[str, BindParameter[str]] = {
        name: bindparam(name, values[name]) if values is not None else bindparam(name)
        for name in ("visible_user", *(f"visible_account_{n}" for n in range(len(shape))))
    }
    user = param["visible_user"]
    assigned_devices = select(DeviceAssignment.device_id).where(DeviceAssignment.user_id == user)
    clauses = []
    for n, role in enumerate(shape):
        of_account = account_col == param[f"visible_account_{n}"]
        if role == ADMINISTRATOR:
            clauses.append(of_account)
        elif role in DEVICE_ROLES:
            clauses.append(of_account & or_(creator_col == user, device_col.in_(assigned_devices)))
        elif role == CustomerRole.STOCK_MANAGER:
            clauses.append(
                of_account
                & or_(
                    creator_col == user,
                    (type_col == CaseType.CONSUMABLES) & device_col.in_(assigned_devices),
                )
            )
        else:
            clauses.append(of_account & (creator_col == user))
    return or_(*clauses) if clauses else false()


async def followers_who_may_see(session: AsyncSession, case) -> list[str]:
    """The case's followers who may still open it: only they are emailed about it, with its link. A follower
    whose copy has not arrived yet is kept (a lost access always arrives as a change of a known copy).
    One query: each known follower's columns the rule reads (not whole entities: loading them was half the check)
    with whether the case's device is assigned to them."""
    assignment = DeviceAssignment.__table__
    assigned = (
        select(assignment.c.user_id)
        .where(assignment.c.device_id == case.device_id, assignment.c.user_id == User.id)
        .exists()
        .label("assigned")
    )
    query = select(User.id, User.active, User.memberships, User.staff_role, assigned)
    rows = (await session.execute(query.where(User.id.in_(case.follower_ids)))).all()
    users: dict[str, Any] = {row.id: row for row in rows}

    def may_open(user_id: str) -> bool:
        if user_id not in users:
            return True
        user = users[user_id]
        return user.active and may_see_case(principal_of(user), case, user.assigned)

    return [user_id for user_id in case.follower_ids if may_open(user_id)]
