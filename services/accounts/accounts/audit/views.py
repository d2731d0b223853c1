"""An account's audit trail (F-34, F-83), newest first, for its administrators and the vendor's staff: filtered by
person, kind of change and period, each entry with the names of the people and devices it refers to, so that it
reads as a sentence ("María García assigned ES3930C0005 to Diego Santos")."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from accounts.audit.models import AuditEntry
from accounts.audit.schemas import AuditItem
from accounts.audit.service import CRM, SYSTEM
from accounts.devices.models import Device
from accounts.members.access import managed_account
from accounts.users.models import User
from shared.app import DbSession
from shared.auth import CurrentUser
from shared.errors import field_error
from shared.paging import Page, Paging, count_of

router = APIRouter(prefix="/api/accounts/v1", tags=["audit"])
SYSTEM_ACTOR_NAMES = {CRM: "Vendor CRM", SYSTEM: "Self-service portal"}
# The kinds of change the trail can be filtered by: the first part of the action code.
AUDIT_KINDS = ("account", "device", "invitation", "membership", "registration", "user")


async def actor_names(session, actor_ids: set[str]) -> dict[str, str]:
    users = (await session.execute(select(User.id, User.name).where(User.id.in_(actor_ids)))).all()
    return {**SYSTEM_ACTOR_NAMES, **dict(users)}


def referenced_ids(entry: AuditEntry) -> tuple[set[str], set[str]]:
    """The user ids and device ids an entry refers to (its target and its details)."""
    details = entry.details or {}
    users = {str(details["user_id"])} if details.get("user_id") else set()
    devices = {str(d) for d in details.get("device_ids") or []}
    (users if entry.target_type == "user" else devices if entry.target_type == "device" else set()).add(
        entry.target_id
    )
    return users, devices


async def names_of(session, entries: list[AuditEntry]) -> dict[str, str]:
    """A readable name for every user and device the entries refer to: a user's name (else email), a device's
    serial number."""
    user_ids: set[str] = set()
    device_ids: set[str] = set()
    for entry in entries:
        users, devices = referenced_ids(entry)
        user_ids |= users
        device_ids |= devices
    names: dict[str, str] = {}
    if user_ids:
        for user_id, name, email in (
            await session.execute(select(User.id, User.name, User.email).where(User.id.in_(user_ids)))
        ).all():
            names[user_id] = name or email
    if device_ids:
        for device_id, serial in (
            await session.execute(select(Device.id, Device.serial).where(Device.id.in_(device_ids)))
        ).all():
            names[device_id] = serial
    return names


def day_start(day: date | None, field: str) -> datetime | None:
    if day is None:
        return None
    if not date(2000, 1, 1) <= day <= date(2100, 12, 31):
        raise field_error(
            field,
            "Choose a date between 2000 and 2100.",
            field_code="date_out_of_range",
            first_year=2000,
            last_year=2100,
        )
    return datetime.combine(day, time(0), tzinfo=UTC)


@router.get("/accounts/{account_id}/audit", response_model=Page[AuditItem])
async def account_audit(
    account_id: str,
    principal: CurrentUser,
    session: DbSession,
    paging: Paging,
    actor_id: Annotated[str | None, Query(max_length=64, description="only this person's changes")] = None,
    kind: Annotated[
        str | None,
        Query(max_length=30, description=f"only this kind of change: one of {', '.join(AUDIT_KINDS)}"),
    ] = None,
    since: Annotated[date | None, Query(description="from this day (UTC) on")] = None,
    until: Annotated[date | None, Query(description="up to and including this day (UTC)")] = None,
) -> Page[AuditItem]:
    await managed_account(session, principal, account_id)
    if kind and kind not in AUDIT_KINDS:
        raise field_error("kind", f"Choose one of {', '.join(AUDIT_KINDS)}.", field_code="not_a_choice")
    start, end = day_start(since, "since"), day_start(until, "until")
    if start and end and end < start:
        raise field_error("until", "The last day is before the first.", field_code="until_before_since")
    query = select(AuditEntry).where(AuditEntry.account_id == account_id)
    if actor_id:
        query = query.where(AuditEntry.actor_id == actor_id)
    if kind:
        query = query.where(AuditEntry.action.startswith(f"{kind}.", autoescape=True))
    if start:
        query = query.where(AuditEntry.at >= start)
    if end:
        query = query.where(AuditEntry.at < end + timedelta(days=1))
    entries = list(
        (await session.scalars(paging.of(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())))).all()
    )
    actors = await actor_names(session, {e.actor_id for e in entries})
    names = await names_of(session, entries)
    items = [item_of(e, actors, names) for e in entries]
    return Page[AuditItem](**paging.page(items, await count_of(session, query)))


def item_of(entry: AuditEntry, actors: dict[str, str], names: dict[str, str]) -> AuditItem:
    users, devices = referenced_ids(entry)
    referred: dict[str, Any] = {i: names[i] for i in users | devices if i in names}
    return AuditItem(
        at=entry.at,
        actor_id=entry.actor_id,
        actor_name=actors.get(entry.actor_id, ""),
        action=entry.action,
        target_type=entry.target_type,
        target_id=entry.target_id,
        target_name=names.get(entry.target_id),
        names=referred,
        details=entry.details or {},
        old_values=entry.old_values,
        new_values=entry.new_values,
        correlation_id=entry.correlation_id,
    )
