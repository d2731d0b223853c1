"""Which business-hours calendar applies, and the calendars built from the stored ones (F-12).

An account uses the calendar a supervisor assigned it; else the one of its subdivision (`ES-MD`) when there is
one; else the one of its country (`SE`). Every account has one stored: the migration seeds the demo's (ES-MD, ES,
SE) and one per country of the accounts known then, and when an account arrives in a country or a subdivision
with holidays of its own that has none, one is created for it (`keep_calendar_for`) with the default hours
(Monday-Friday 08:00-17:00), the account's time zone and public holidays, for a supervisor to adjust. Created then
rather than computed at each use, so that supervisors see and keep every calendar in use; should one be missing
anyway, `calendar_for_account` computes that default rather than fail.

Built calendars are cached in each process by calendar id and version; the version is read from the calendar's row
with the account in one query on every call, so a supervisor's change applies in every process at once."""

import logging
from collections.abc import Iterable
from typing import Any, cast
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from sqlalchemy import ColumnElement, CursorResult, Select, bindparam, case, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from cases.audit import service as audit
from cases.calendars.models import Calendar, CalendarAssignment
from cases.directory.models import Account
from cases.servicelevel import DEFAULT_WEEK, BusinessCalendar
from cases.servicelevel.hours import week_of_texts, week_texts
from cases.servicelevel.public_holidays import PUBLIC, package_subdivision
from shared.db import PreparedRead, upsert_ignore, utcnow
from shared.errors import Problem
from shared.events.vocabulary import CalendarDayKind

log = logging.getLogger(__name__)
# Built calendars of each database (tests run several in one process): calendar id -> (version, calendar).
_built: WeakKeyDictionary[Engine | Connection, dict[str, tuple[int, BusinessCalendar]]] = WeakKeyDictionary()


# The calendar of an account whose copy has not arrived yet (`calendar_for_case`).
UNKNOWN_ACCOUNT_CALENDAR = BusinessCalendar(time_zone="UTC", weekly_hours=DEFAULT_WEEK)


class UnknownAccount(LookupError):
    """No copy of this account has arrived from `accounts`."""


def unknown_calendar() -> Problem:
    return Problem(
        404, "Not found", "There is no business-hours calendar with this id.", code="unknown_calendar"
    )


def calendar_in_use() -> ColumnElement[Any]:
    """The id of the calendar an account uses, over `Account` outer-joined with `CalendarAssignment` (NULL when
    none is stored): the rule of the module's docstring, in SQL."""
    stored = select(Calendar.id).scalar_subquery()
    return func.coalesce(
        CalendarAssignment.calendar_id,
        case(
            (Account.subdivision.in_(stored), Account.subdivision),
            (Account.country.in_(stored), Account.country),
            else_=None,
        ),
    )


def accounts_with_their_calendar() -> Any:
    """Accounts joined with their assignment, for `calendar_in_use()`."""
    return Account.__table__.outerjoin(
        CalendarAssignment.__table__, CalendarAssignment.account_id == Account.id
    )


# What `calendar_in_row` reads of a query joined by `join_calendar_of_account`.
CALENDAR_COLUMNS = (
    Account.country,
    Account.subdivision,
    Account.time_zone,
    Calendar.id.label("calendar_id"),
    Calendar.version.label("calendar_version"),
)


def join_calendar_of_account(
    query: Select[*tuple[Any, ...]], account_id: InstrumentedAttribute[str]
) -> Select[*tuple[Any, ...]]:
    """The query outer-joined with the account `account_id` names, its assignment and the calendar it uses."""
    return (
        query.outerjoin(Account, Account.id == account_id)
        .outerjoin(CalendarAssignment, CalendarAssignment.account_id == account_id)
        .outerjoin(Calendar, Calendar.id == calendar_in_use())
    )


async def calendar_for_account(session: AsyncSession, account_id: str) -> BusinessCalendar:
    """The business-hours calendar of an account, for due times (F-12). UnknownAccount when no copy of the account
    has arrived yet."""
    found = await calendars_for_accounts(session, [account_id])
    if account_id not in found:
        raise UnknownAccount(f"account {account_id} is not known here yet")
    return found[account_id]


async def calendars_for_accounts(
    session: AsyncSession, account_ids: Iterable[str]
) -> dict[str, BusinessCalendar]:
    """The calendars of these accounts, {account id: calendar}, read in one query; an account with no copy here yet
    is left out. Read once per transaction: a status change moving the due times and its answer judging the
    service level ask for the same calendar."""
    wanted = set(account_ids)
    known = read_in_transaction(session)
    if missing := wanted - known.keys():
        rows = await CALENDARS_OF_ACCOUNTS.rows(session, account_ids=list(missing))
        known.update({row.account_id: await calendar_in_row(session, row, row.account_id) for row in rows})
    return {account_id: known[account_id] for account_id in wanted if account_id in known}


def read_in_transaction(session: AsyncSession) -> dict[str, BusinessCalendar]:
    """The calendars the session's current transaction has read, {account id: calendar}: a later transaction
    reads them anew (a supervisor's change applies from then on)."""
    transaction = session.sync_session.get_transaction()
    read = session.info.get("calendars")
    if read is None or read[0] is not transaction:
        read = session.info["calendars"] = (transaction, {})
    return cast(dict[str, BusinessCalendar], read[1])


# Built once: every new case reads its account's calendar, and building the statement cost more than running it.
CALENDARS_OF_ACCOUNTS = PreparedRead(
    select(Account.id.label("account_id"), *CALENDAR_COLUMNS)
    .select_from(accounts_with_their_calendar())
    .outerjoin(Calendar, Calendar.id == calendar_in_use())
    .where(Account.id.in_(bindparam("account_ids", expanding=True)))
)


async def calendar_in_row(session: AsyncSession, row: Any, account_id: str) -> BusinessCalendar:
    """The calendar of an account from a row of its `country`, `subdivision`, `time_zone` and its `calendar_id`
    and `calendar_version` (None when none is stored: then the default of its country, or of no country when even
    the account is unknown)."""
    if row.calendar_id is None:
        log.warning("no calendar stored for account %s: using the default of its country", account_id)
        if row.country is None:
            return UNKNOWN_ACCOUNT_CALENDAR
        return default_calendar(row.country, row.subdivision, row.time_zone)
    return await built_calendar(session, row.calendar_id, row.calendar_version)


async def calendar_for_case(session: AsyncSession, account_id: str) -> BusinessCalendar:
    """The calendar a case of this account is due on. A case may arrive before its account's copy (the account and
    its devices travel as separate events): until the copy comes, its cases count Monday to Friday 08:00-17:00 UTC
    rather than be refused."""
    try:
        return await calendar_for_account(session, account_id)
    except UnknownAccount:
        log.warning(
            "account %s is not known here yet: its case is due on the default hours in UTC", account_id
        )
        return UNKNOWN_ACCOUNT_CALENDAR


async def stored_calendar(session: AsyncSession, calendar_id: str) -> BusinessCalendar:
    """A stored calendar by its id; 404 `unknown_calendar` when there is none."""
    version = await session.scalar(select(Calendar.version).where(Calendar.id == calendar_id))
    if version is None:
        raise unknown_calendar()
    return await built_calendar(session, calendar_id, version)


async def built_calendar(session: AsyncSession, calendar_id: str, version: int) -> BusinessCalendar:
    """The calendar built from its row, from this process's cache while its version is the one given."""
    cache = _built.setdefault(session.get_bind(), {})
    if (cached := cache.get(calendar_id)) is not None and cached[0] == version:
        return cached[1]
    row = await session.get(Calendar, calendar_id, populate_existing=True)
    if row is None:  # removed by hand since the version was read
        raise unknown_calendar()
    built = build(row)
    cache[calendar_id] = (row.version, built)
    return built


def build(row: Calendar) -> BusinessCalendar:
    return BusinessCalendar(
        calendar_id=row.id,
        time_zone=row.time_zone,
        weekly_hours=week_of_texts(row.weekly_hours),
        country=row.country,
        subdivision=row.subdivision,
        holiday_categories=row.holiday_categories,
        closed_days=[d.day for d in row.days if d.kind == CalendarDayKind.CLOSED],
        extra_open_days=[d.day for d in row.days if d.kind == CalendarDayKind.EXTRA_OPEN],
    )


def calendar_id_for(country: str, subdivision: str | None) -> str:
    """The id of the calendar a place gets: its subdivision's where that has holidays of its own, else its
    country's (Stockholm County keeps Sweden's)."""
    return subdivision if package_subdivision(country, subdivision) and subdivision else country


def default_calendar(country: str, subdivision: str | None, time_zone: str) -> BusinessCalendar:
    return BusinessCalendar(
        calendar_id=calendar_id_for(country, subdivision),
        time_zone=known_zone(time_zone),
        weekly_hours=DEFAULT_WEEK,
        country=country,
        subdivision=subdivision,
    )


def known_zone(time_zone: str) -> str:
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r: business hours in UTC", time_zone)
        return "UTC"
    return time_zone


async def keep_calendar_for(
    session: AsyncSession, country: str, subdivision: str | None, time_zone: str
) -> None:
    """Store a calendar with the default hours for an account's place when there is none yet (see the module's
    docstring); audited as the system's. Safe when another process does the same at the same moment."""
    calendar_id = calendar_id_for(country, subdivision)
    if await session.scalar(select(Calendar.id).where(Calendar.id == calendar_id)) is not None:
        return
    values = {
        "name": place_name(country, subdivision if calendar_id == subdivision else None),
        "time_zone": known_zone(time_zone),
        "country": country,
        "subdivision": subdivision if calendar_id == subdivision else None,
        "holiday_categories": [PUBLIC],
        "weekly_hours": week_texts(DEFAULT_WEEK),
    }
    inserted = await session.execute(
        upsert_ignore(session, Calendar.__table__)
        .values(id=calendar_id, version=1, updated_at=utcnow(), **values)
        .on_conflict_do_nothing()
    )
    if cast(CursorResult[Any], inserted).rowcount == 1:  # an INSERT's result is a cursor's
        audit.record(
            session,
            actor_id=audit.SYSTEM_ACTOR,
            actor_side="system",
            action="calendar.created",
            case_id=None,
            changes={name: (None, value) for name, value in values.items()},
            calendar=calendar_id,
        )


def place_name(country: str, subdivision: str | None) -> str:
    """`Portugal`, `Spain (ES-CT)`: the English name of the country, and the subdivision's code."""
    country_name = Locale("en").territories.get(country, country)
    return f"{country_name} ({subdivision})" if subdivision else country_name
