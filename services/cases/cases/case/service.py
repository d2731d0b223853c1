"""What happens to a case: created, listed, read, moved through the workflow, talked about, assigned.

Each change writes the case, its history, the audit entry and the outbox event in the caller's single
transaction (F-82: nothing half done; F-83: audited; F-51: published once committed)."""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, or_, select
from sqlalchemy import case as when
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from cases.audit import service as audit
from cases.calendars.service import (
    calendar_for_case,
    calendars_for_accounts,
)
from cases.case.models import Case, CaseFollower, CaseMessage, StatusChange
from cases.case.numbering import next_case_number
from cases.case.routing import INCIDENT_CATEGORIES
from cases.case.schemas import NewIncident
from cases.case.workflow import OPEN, TERMINAL, check_transition, reply_transition
from cases.departments.rules import department_for
from cases.directory.access import (
    Visibility,
    followers_who_may_see,
    may_see_case,
    principal_of,
    visibility_of,
    visible_cases_clause,
    visible_cases_rule,
)
from cases.directory.models import Device, User
from cases.servicelevel import BusinessCalendar, start_response_clock
from cases.surveys.links import survey_paths
from shared.auth import Principal
from shared.db import PreparedRead, upsert_ignore, utcnow
from shared.errors import Problem, field_error, forbidden, not_found
from shared.events.cases import CaseCreated, CaseMessageAdded, CaseStatusChanged, MessageFile
from shared.events.vocabulary import CaseStatus, Side
from shared.outbox import Outbox
from shared.paging import PageQuery


def side_of(principal: Principal) -> str:
    return Side.VENDOR if principal.is_staff else Side.CUSTOMER


# Creating --------------------------------------------------------------------------------------------------


def check_new_case(request: NewIncident) -> None:
    """Business rules the schema cannot express; a 422 naming the field, before anything is written."""
    if request.category not in INCIDENT_CATEGORIES:
        raise field_error(
            "category", f"must be one of {', '.join(INCIDENT_CATEGORIES)}", field_code="not_a_choice"
        )


@dataclass
class CaseDraft:
    """A case of any type as its intake made it (see `cases.case.intake`), ready to be written."""

    type: str
    account_id: str
    device: Device | None
    category: str
    subject: str
    description: str
    # The contract's response time in business hours (F-12): the device's, or the default of a case without one.
    response_hours: float = 0
    error_code: str | None = None
    details: dict[str, Any] | None = None
    # A consumables order from an account on credit hold (F-41): it waits for an agent's release.
    awaiting_release: bool = False
    # The self-help tried before an incident and whether its code needs a technician (F-16).
    self_help: dict[str, Any] | None = None
    needs_technician: bool = False
    # A case the portal opens by itself (a device offline for days) names its department, id and side.
    department: str | None = None
    case_id: str | None = None
    side: str = Side.CUSTOMER


async def create_case(session: AsyncSession, outbox: Outbox, principal: Principal, draft: CaseDraft) -> Case:
    now = utcnow()
    case = Case(
        id=draft.case_id or str(uuid.uuid4()),
        account_id=draft.account_id,
        device_id=draft.device.id if draft.device else None,
        type=draft.type,
        category=draft.category,
        error_code=draft.error_code or None,
        subject=draft.subject,
        description=draft.description,
        status=CaseStatus.NEW,
        department=draft.department or await department_for(session, draft.type, draft.category),
        created_by=principal.user_id,
        created_at=now,
        updated_at=now,
        paused_seconds=0,
        details=draft.details,
        awaiting_release=draft.awaiting_release,
        self_help=draft.self_help,
        needs_technician=draft.needs_technician,
    )
    await start_clock(session, case, draft.response_hours)
    followers = (
        await initial_followers(session, principal, case, draft.device)
        if draft.device
        else [principal.user_id]
    )
    case.followers = [CaseFollower(user_id=u) for u in followers]
    # The number is taken last: on PostgreSQL its counter row stays locked until this transaction ends.
    case.number = await next_case_number(session, now)
    session.add(case)
    audit.record(
        session,
        actor_id=principal.user_id,
        actor_side=draft.side,
        action="case.created",
        case_id=case.id,
        number=case.number,
        device_id=case.device_id,
        account_id=case.account_id,
        type=case.type,
        category=case.category,
        details=case.details,
        awaiting_release=case.awaiting_release,
        guide_run_id=(case.self_help or {}).get("run_id"),
        needs_technician=case.needs_technician,
        response_due_at=iso(case.response_due_at),
        received_outside_business_hours=case.received_outside_business_hours,
    )
    await outbox.add(session, case_created(case, followers), subject=case.id)
    return case


async def start_clock(session: AsyncSession, case: Case, hours: float) -> None:
    """The response clock of a new case, on its account's business-hours calendar (F-12)."""
    calendar = await calendar_for_case(session, case.account_id)
    clock = start_response_clock(calendar, case.created_at, hours)
    case.response_due_at, case.response_warning_at = clock.due_at, clock.warning_at
    case.received_outside_business_hours = clock.received_outside_business_hours


def iso(moment: datetime | None) -> str | None:
    """A time as the audit trail keeps it."""
    return moment.isoformat() if moment else None


def case_created(case: Case, follower_ids: list[str]) -> CaseCreated:
    return CaseCreated(
        case_id=case.id,
        number=case.number,
        account_id=case.account_id,
        device_id=case.device_id,
        type=case.type,
        category=case.category,
        subject=case.subject,
        status=case.status,
        department=case.department,
        created_by=case.created_by,
        follower_ids=follower_ids,
        created_at=case.created_at,
        response_due_at=case.response_due_at,
        received_outside_business_hours=case.received_outside_business_hours,
        details=case.details,
        awaiting_release=case.awaiting_release,
        guide_run_id=(case.self_help or {}).get("run_id"),
        needs_technician=case.needs_technician,
    )


async def initial_followers(
    session: AsyncSession, principal: Principal, case: Case, device: Device
) -> list[str]:
    """The creator and the device's assigned users who may see the new case (when their copy is known: a
    lost access always arrives as a change of a known copy). Only they are emailed about it."""
    opener = [] if principal.user_id == audit.SYSTEM_ACTOR else [principal.user_id]
    candidates = list(dict.fromkeys([*opener, *device.assigned_user_ids]))
    known = {u.id: u for u in (await session.scalars(select(User).where(User.id.in_(candidates)))).all()}

    def may_follow(user_id: str) -> bool:
        user = known.get(user_id)
        if user_id == principal.user_id or user is None:
            return True
        return user.active and may_see_case(principal_of(user), case, user_id in device.assigned_user_ids)

    return [u for u in candidates if may_follow(u)]


# Reading ---------------------------------------------------------------------------------------------------


@dataclass
class CaseFilters:
    """Each filter narrows the list; a case matches `statuses` and `types` when it has any one of them."""

    statuses: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    device_id: str | None = None
    q: str | None = None
    created_from: date | datetime | None = None
    created_to: date | datetime | None = None
    department: str | None = None
    account_id: str | None = None
    assignee_id: str | None = None


def filter_values(filters: CaseFilters) -> dict[str, Any]:
    """The filters given, by the name of their parameter in `FILTER_CLAUSES` (one not given is left out)."""
    values: dict[str, Any] = {}
    if filters.statuses:
        values["statuses"] = list(filters.statuses)
    if filters.types:
        values["types"] = list(filters.types)
    for name in ("device_id", "department", "account_id", "assignee_id"):
        if value := getattr(filters, name):
            values[name] = value
    if filters.q and (q := filters.q.strip().lower()):
        escaped = q.replace("/", "//").replace("%", "/%").replace("_", "/_")  # for LIKE ... ESCAPE '/'
        values["q"] = f"%{escaped}%"
    if filters.created_from:
        values["created_from"] = start_of(filters.created_from)
    if filters.created_to:
        values["created_to"] = end_of(filters.created_to)
    return values


# What each filter adds to the WHERE clause, its value a named parameter: one statement serves every value.
FILTER_CLAUSES: dict[str, Callable[[], ColumnElement[bool]]] = {
    "statuses": lambda: Case.status.in_(bindparam("statuses", expanding=True)),
    "types": lambda: Case.type.in_(bindparam("types", expanding=True)),
    "device_id": lambda: Case.device_id == bindparam("device_id"),
    "department": lambda: Case.department == bindparam("department"),
    "account_id": lambda: Case.account_id == bindparam("account_id"),
    "assignee_id": lambda: Case.assignee_id == bindparam("assignee_id"),
    "q": lambda: or_(
        *(
            func.lower(c).like(bindparam("q"), escape="/")
            for c in (Case.number, Case.subject, Case.description)
        )
    ),
    "created_from": lambda: Case.created_at >= bindparam("created_from"),
    "created_to": lambda: Case.created_at < bindparam("created_to"),
}


def filtered(query: Select, filters: CaseFilters) -> Select:
    values = filter_values(filters)
    return query.where(*(FILTER_CLAUSES[name]() for name in values)).params(values)


def start_of(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)
    return datetime.combine(value, time.min, tzinfo=utcnow().tzinfo)


def end_of(value: date | datetime) -> datetime:
    """The exclusive upper bound: a plain date includes its whole day."""
    if isinstance(value, datetime):
        return start_of(value) + timedelta(microseconds=1)
    return start_of(value) + timedelta(days=1)


# What a list item shows and its service level needs (cases.case.schemas.StaffCaseListItem, servicelevel).
LIST_COLUMNS = (
    Case.id,
    Case.number,
    Case.status,
    Case.type,
    Case.category,
    Case.subject,
    Case.device_id,
    Case.account_id,
    Case.created_at,
    Case.updated_at,
    Case.response_due_at,
    Case.tracking_reference,
    Case.department,
    Case.assignee_id,
    Case.awaiting_release,
    Case.first_response_at,
    Case.paused_since,
    Case.received_outside_business_hours,
)


@dataclass(frozen=True)
class CaseList:
    """A page of cases (rows of LIST_COLUMNS), how many the filters select in all, and the calendar of each
    account on the page."""

    cases: list[Any]
    total: int
    calendars: dict[str, BusinessCalendar]


@dataclass(frozen=True)
class ListShape:
    """What makes one list statement differ from another: who asks (`cases.directory.access.Visibility`), the
    filters given and the order. Every other value is a parameter of the statement."""

    visibility: Visibility
    filters: tuple[str, ...]
    by_due: bool


async def list_cases(
    session: AsyncSession,
    principal: Principal,
    filters: CaseFilters,
    paging: PageQuery,
    *,
    by_due: bool = False,
) -> CaseList:
    """The visible cases the filters select, newest first; `by_due`: the open ones first, the soonest due first.
    Plain rows of statements built and compiled once per shape: building, compiling and executing them through
    the ORM for every request was most of the request. The page carries the count, a round trip fewer."""
    given = filter_values(filters)
    visibility, values = visibility_of(principal)
    page, count = list_reads(ListShape(visibility, tuple(given), by_due))
    values |= given
    rows = await page.rows(session, **values, page_offset=paging.offset, page_limit=paging.limit)
    if rows:
        total = rows[0].total
    elif paging.offset:  # past the last page: no row to carry the count
        total = (await count.rows(session, **values))[0].total
    else:
        total = 0
    # The page is read from the case table alone and its accounts' calendars by a statement built once: joined
    # before the cut, every case of the account was joined and sorted to keep 20 (3 ms of the server's per page);
    # joined after it, PostgreSQL planned the statement anew on every run (0.25 ms).
    calendars = await calendars_for_accounts(session, {row.account_id for row in rows})
    return CaseList(rows, total, calendars)


@lru_cache(maxsize=256)
def list_reads(shape: ListShape) -> tuple[PreparedRead, PreparedRead]:
    """The page of a list of this shape, each row with the total the filters select (a subquery PostgreSQL runs
    once, as an InitPlan); and the count alone, for a page past the last. Both read the case table alone (an
    index on the account serves a customer's)."""
    visible = visible_cases_rule(
        shape.visibility, Case.account_id, Case.device_id, Case.created_by, Case.type
    )
    where = (visible, *(FILTER_CLAUSES[name]() for name in shape.filters))
    count = select(func.count().label("total")).select_from(Case).where(*where)
    page = (
        select(*LIST_COLUMNS, count.correlate(None).scalar_subquery().label("total"))
        .where(*where)
        .order_by(*list_order(by_due=shape.by_due))
        .offset(bindparam("page_offset"))
        .limit(bindparam("page_limit"))
    )
    return PreparedRead(page), PreparedRead(count)


def list_order(*, by_due: bool) -> tuple[Any, ...]:
    """Newest first; `by_due`: open cases before the others, and among them the soonest due first (one without a
    due time after those with one), ties and the cases no longer open going on newest first."""
    newest_first = (Case.created_at.desc(), Case.number.desc())
    if not by_due:
        return newest_first
    is_open = Case.status.in_(OPEN)
    return (
        when((is_open, 0), else_=1),
        when((is_open, Case.response_due_at), else_=None).asc().nulls_last(),
        *newest_first,
    )


async def visible_case(
    session: AsyncSession, principal: Principal, case_id: str, *, for_update: bool = False
) -> Case:
    """The case when the caller may see it; 404 otherwise, the same answer as for a missing one."""
    visible = visible_cases_clause(principal, Case.account_id, Case.device_id, Case.created_by, Case.type)
    query = select(Case).where(Case.id == case_id, visible)
    if for_update:
        # Serialise concurrent changes of one case on PostgreSQL (SQLite serialises writers anyway). The followers
        # every change reads come in the same statement (a second round trip otherwise); only the case is locked.
        query = (
            query.options(joinedload(Case.followers))
            .with_for_update(of=Case)
            .execution_options(populate_existing=True)
        )
    case = (await session.execute(query)).unique().scalar_one_or_none()
    if case is None:
        raise not_found("case")
    return case


# Changing --------------------------------------------------------------------------------------------------


async def change_status(
    session: AsyncSession,
    outbox: Outbox,
    case: Case,
    target: str,
    *,
    actor_id: str,
    side: str,
    reason: str | None = None,
    checked: bool = True,
) -> None:
    now = utcnow()
    if checked:
        check_transition(side, case.status, target, case.resolved_at, now)
    previous = case.status
    clock_changes = await track_pause(session, case, previous, target, now)
    if target == CaseStatus.IN_PROGRESS and side == Side.VENDOR:
        clock_changes |= first_response(case, now)
    case.status, case.updated_at = target, now
    if target == CaseStatus.RESOLVED:
        case.resolved_at = now
    elif previous == CaseStatus.RESOLVED and target == CaseStatus.IN_PROGRESS:
        case.resolved_at = None
    record_status_change(
        session, case, previous, actor_id=actor_id, side=side, reason=reason, at=now, clock=clock_changes
    )
    followers = await followers_who_may_see(session, case)
    await outbox.add(
        session,
        CaseStatusChanged(
            case_id=case.id,
            number=case.number,
            account_id=case.account_id,
            subject=case.subject,
            old_status=previous,
            new_status=target,
            changed_by=actor_id,
            # The contract knows two sides: the vendor's own scheduled jobs act for the vendor.
            changed_by_side="customer" if side == "customer" else "vendor",
            follower_ids=followers,
            changed_at=now,
            reason=reason,
            # Each follower is asked for their verdict on a resolution (F-15), with a link of their own.
            survey_paths=(
                await survey_paths(session, case.id, followers, now) if target == CaseStatus.RESOLVED else {}
            ),
        ),
        subject=case.id,
    )


def record_status_change(
    session: AsyncSession,
    case: Case,
    previous: str,
    *,
    actor_id: str,
    side: str,
    reason: str | None,
    at: datetime,
    clock: dict[str, tuple[Any, Any]] | None = None,
) -> None:
    """The case's history row and the audit entry of a change to its current status, with what it did to the
    case's response clock (`clock`)."""
    session.add(
        StatusChange(
            id=str(uuid.uuid4()),
            case_id=case.id,
            from_status=previous,
            to_status=case.status,
            actor_id=actor_id,
            actor_side=side,
            reason=reason,
            at=at,
        )
    )
    audit.record(
        session,
        actor_id=actor_id,
        actor_side=side,
        action="case.status_changed",
        case_id=case.id,
        changes={"status": (previous, case.status), **(clock or {})},
        from_status=previous,
        to_status=case.status,
        reason=reason,
    )


async def track_pause(
    session: AsyncSession, case: Case, previous: str, target: str, now: datetime
) -> dict[str, tuple[Any, Any]]:
    """The response clock stands still while the case waits for the customer (F-12): when the case comes back, its
    due times move on by exactly the business time spent waiting. Returns the clock's changes, for the audit."""
    if target == CaseStatus.WAITING_FOR_CUSTOMER:
        case.paused_since = now
        return {"paused_since": (None, iso(now))}
    if previous != CaseStatus.WAITING_FOR_CUSTOMER or case.paused_since is None:
        return {}
    calendar = await calendar_for_case(session, case.account_id)
    paused_since, before = case.paused_since, clock_values(case)
    for field in ("response_due_at", "response_warning_at", "resolution_due_at"):
        if (due := getattr(case, field)) is not None:
            setattr(case, field, calendar.shift_by_pause(due, paused_since, now))
    case.paused_seconds += int(calendar.business_time_between(paused_since, now).total_seconds())
    case.paused_since = None
    after = clock_values(case)
    return {field: (before[field], after[field]) for field in before if before[field] != after[field]}


def clock_values(case: Case) -> dict[str, Any]:
    return {
        "response_due_at": iso(case.response_due_at),
        "response_warning_at": iso(case.response_warning_at),
        "resolution_due_at": iso(case.resolution_due_at),
        "paused_since": iso(case.paused_since),
        "paused_seconds": case.paused_seconds,
    }


def first_response(case: Case, now: datetime) -> dict[str, tuple[Any, Any]]:
    """The vendor's first reply to the customer, or the case's first move to in progress, answers the case
    (F-12): recorded once, the first time. Returns the change, for the audit."""
    if case.first_response_at is not None:
        return {}
    case.first_response_at = now
    return {"first_response_at": (None, iso(now))}


async def add_message(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    case: Case,
    body: str,
    internal: bool,
    files: Sequence[MessageFile] = (),
) -> CaseMessage:
    """`files` names the files sent with it (stored next, with the message's id), for whoever is told of it."""
    side = side_of(principal)
    refuse_message(case, side, internal)
    now = utcnow()
    message = CaseMessage(
        id=str(uuid.uuid4()),
        case_id=case.id,
        author_id=principal.user_id,
        author_side=side,
        body=body,
        internal=internal,
        created_at=now,
    )
    session.add(message)
    case.updated_at = now
    answered = first_response(case, now) if side == Side.VENDOR and not internal else {}
    if side == "customer":
        await follow(session, case, principal.user_id)
    audit.record(
        session,
        actor_id=principal.user_id,
        actor_side=side,
        action="case.note_added" if internal else "case.message_added",
        case_id=case.id,
        changes=answered or None,
        message_id=message.id,
    )
    await outbox.add(session, await message_added(session, case, message, files), subject=case.id)
    if target := reply_transition(side, case.status):
        await change_status(
            session,
            outbox,
            case,
            target,
            actor_id=principal.user_id,
            side=side,
            reason="customer replied",
            checked=False,
        )
    return message


def refuse_message(case: Case, side: str, internal: bool) -> None:
    if internal and side != "vendor":
        raise forbidden("Only the vendor's staff may write internal notes.")
    if not internal and case.status in TERMINAL:
        raise Problem(
            409,
            "Case is over",
            f"Case {case.number} is {case.status}; open a new case instead.",
            code="case_closed",
            params={"number": case.number, "status": case.status},
            status_value=case.status,
        )


async def message_added(
    session: AsyncSession, case: Case, message: CaseMessage, files: Sequence[MessageFile] = ()
) -> CaseMessageAdded:
    return CaseMessageAdded(
        case_id=case.id,
        number=case.number,
        account_id=case.account_id,
        subject=case.subject,
        message_id=message.id,
        author_id=message.author_id,
        author_side=message.author_side,
        internal=message.internal,
        body=message.body,
        # An internal note has no customer recipient: it is published for the vendor's systems only.
        follower_ids=[] if message.internal else await followers_who_may_see(session, case),
        added_at=message.created_at,
        attachments=list(files),
    )


async def follow(session: AsyncSession, case: Case, user_id: str) -> None:
    """A customer who writes on a case follows it from then on."""
    if user_id in case.follower_ids:
        return
    await session.execute(
        upsert_ignore(session, CaseFollower.__table__)
        .values(case_id=case.id, user_id=user_id)
        .on_conflict_do_nothing()
    )
    await session.flush()
    await session.refresh(case, ["followers"])
