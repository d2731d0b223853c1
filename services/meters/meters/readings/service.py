"""Readings accepted, listed, refused for review, and counter corrections (F-20 to F-26).

Every path (a customer's form, an agent, the fleet software) goes through `record_reading`, so the rules are
the same everywhere. Each change writes its rows, the audit entry and the outbox event in the caller's single
transaction (F-82: nothing half done; F-83: audited; F-51: published once committed)."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from meters.audit import service as audit
from meters.audit.models import AuditEntry
from meters.devices.models import Account, Device, User, local_date_of
from meters.readings import rules
from meters.readings.models import CounterCorrection, Reading, RejectedReading
from meters.requests.service import answer_requests, devices_with_open_requests
from shared.db import utcnow
from shared.errors import Problem, field_error
from shared.events.meters import ReadingAccepted, ReadingRejected, ReadingSource
from shared.events.vendor import FleetMeterCollected
from shared.outbox import Outbox
from shared.paging import PageQuery, count_of


async def record_reading(
    session: AsyncSession,
    outbox: Outbox,
    device: Device,
    *,
    counters: dict[str, Any],
    read_at: datetime,
    source: ReadingSource,
    submitted_by: str | None,
    confirm: bool = False,
) -> Reading:
    """Check every rule, then store and publish the reading. Raises a Problem for a broken rule (nothing
    written), a SameDayRace when a reading of the same day committed meanwhile (the database's rule)."""
    values = rules.valid_counters(device, counters)
    account = await session.get(Account, device.account_id)
    local_date = local_date_of(account, read_at)
    confirmed = await rules.check_history(
        session, device, local_date=local_date, read_at=read_at, counters=values, confirm=confirm
    )
    reading = Reading(
        id=str(uuid.uuid4()),
        device_id=device.id,
        account_id=device.account_id,
        local_date=local_date,
        read_at=read_at,
        source=source,
        submitted_by=submitted_by,
        confirmed_implausible=confirmed,
        counters=values,
        created_at=utcnow(),
    )
    session.add(reading)
    try:
        await session.flush()  # the UNIQUE(device_id, local_date) check, before anything else is written
    except IntegrityError:
        raise rules.already_read_today(local_date, rules.SameDayRace) from None
    audit.record(session, **accepted_audit(reading))
    await outbox.add(session, accepted_event(reading, device), subject=device.id)
    await answer_requests(session, outbox, reading)
    return reading


def accepted_audit(reading: "Reading | NewReading") -> dict[str, Any]:
    side_by_source: dict[str, str] = {ReadingSource.AUTOMATIC: "system", ReadingSource.CUSTOMER: "customer"}
    side = side_by_source.get(reading.source, "vendor")
    return {
        "actor_id": reading.submitted_by or audit.SYSTEM_ACTOR,
        "actor_side": side,
        "action": "reading.accepted",
        "target_type": "reading",
        "target_id": reading.id,
        "device_id": reading.device_id,
        "counters": reading.counters,
        "source": reading.source,
        "local_date": reading.local_date.isoformat(),
        "confirmed_implausible": reading.confirmed_implausible,
    }


def accepted_event(reading: "Reading | NewReading", device: Device) -> ReadingAccepted:
    customer = reading.submitted_by if reading.source == ReadingSource.CUSTOMER else None
    return ReadingAccepted(
        reading_id=reading.id,
        device_id=device.id,
        account_id=device.account_id,
        serial=device.serial,
        local_date=reading.local_date,
        read_at=reading.read_at,
        counters=reading.counters,
        source=reading.source,
        submitted_by=reading.submitted_by,
        confirmed_implausible=reading.confirmed_implausible,
        recipient_ids=[customer] if customer else [],
    )


# Automatic readings (F-24) ---------------------------------------------------------------------------------


@dataclass(slots=True)
class NewReading:
    """An automatic reading the run accepted: a reading's row without the ORM's bookkeeping, which cost more than
    the rules themselves at tens of thousands of readings a day."""

    id: str
    device_id: str
    account_id: str
    local_date: date
    read_at: datetime
    source: str
    submitted_by: str | None
    confirmed_implausible: bool
    counters: dict[str, int]
    created_at: datetime

    def row(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


class FleetRun:
    """A run of automatic readings checked and stored set-based: the devices, their accounts and their newest
    readings are read once for the run, and the new rows are inserted together.

    Only the usual case takes this path: a device with no counter correction and no open billing request,
    reporting a day after its newest stored reading. Anything else (a late or resent collection, a correction
    to take into account, a request to answer) goes through `record_reading` like any other reading."""

    def __init__(self, session: AsyncSession, outbox: Outbox) -> None:
        self.session, self.outbox = session, outbox
        self.devices: dict[str, Any] = {}  # serial -> the device's row
        self.accounts: dict[str, Account] = {}
        self.newest: dict[str, Any] = {}  # device id -> its newest reading: a stored row or a NewReading
        self.one_at_a_time: set[str] = set()  # device ids
        self.readings: list[NewReading] = []

    async def load(self, serials: list[str]) -> "FleetRun":
        session = self.session
        # Plain rows, not entities: the usual reading needs only their columns (see `take_one_at_a_time`).
        self.devices = {
            d.serial: d
            for d in await session.execute(select(Device.__table__).where(Device.serial.in_(set(serials))))
        }
        ids = [d.id for d in self.devices.values()]
        self.accounts = {
            a.id: a
            for a in (
                await session.scalars(
                    select(Account).where(Account.id.in_({d.account_id for d in self.devices.values()}))
                )
            ).all()
        }
        self.newest = {r.device_id: r for r in await session.execute(newest_of(ids, Reading.__table__))}
        corrected = await session.scalars(
            select(CounterCorrection.device_id).where(CounterCorrection.device_id.in_(ids))
        )
        self.one_at_a_time = set(corrected.all()) | await devices_with_open_requests(session, ids)
        return self

    def local_date(self, device: Any, read_at: datetime):
        return local_date_of(self.accounts.get(device.account_id), read_at)

    def is_usual(self, device: Any, read_at: datetime) -> bool:
        newest = self.newest.get(device.id)
        return device.id not in self.one_at_a_time and (
            newest is None or self.local_date(device, read_at) > newest.local_date
        )

    def accept(self, device: Any, data: FleetMeterCollected) -> None:
        """The rules against the newest reading (the one before it); a Problem when a rule refuses it."""
        values = rules.valid_counters(device, data.counters)
        local_date = self.local_date(device, data.collected_at)
        around = rules.Neighbours(
            previous=self.newest.get(device.id),
            following=None,
            reset_since_previous=set(),
            reset_before_following=set(),
        )
        rules.check_against(device, around, local_date=local_date, counters=values, confirm=False)
        reading = NewReading(
            id=str(uuid.uuid4()),
            device_id=device.id,
            account_id=device.account_id,
            local_date=local_date,
            read_at=data.collected_at,
            source=ReadingSource.AUTOMATIC,
            submitted_by=None,
            confirmed_implausible=False,
            counters=values,
            created_at=utcnow(),
        )
        self.readings.append(reading)
        self.newest[device.id] = reading

    async def take_one_at_a_time(self, device: Any) -> Device:
        """The device's entity, for the ordinary path every unusual reading takes."""
        self.one_at_a_time.add(device.id)
        return await self.session.get_one(Device, device.id)

    async def store(self) -> None:
        """Insert what was accepted so far: readings, audit entries and events, in the run's order."""
        if not self.readings:
            return
        readings, self.readings = self.readings, []
        by_id = {d.id: d for d in self.devices.values()}
        await self.session.execute(insert(Reading.__table__), [r.row() for r in readings])
        await self.session.execute(
            insert(AuditEntry.__table__), [audit.entry_values(**accepted_audit(r)) for r in readings]
        )
        await self.outbox.add_all(
            self.session, [(accepted_event(r, by_id[r.device_id]), r.device_id) for r in readings]
        )


async def is_known_collection(session: AsyncSession, device: Device, data: FleetMeterCollected) -> bool:
    """The same collection already accepted (the fleet software resent it under a new event id)."""
    reading = await session.scalar(
        select(Reading).where(Reading.device_id == device.id, Reading.read_at == data.collected_at)
    )
    return reading is not None and reading.counters == data.counters


async def reject_automatic(
    session: AsyncSession, outbox: Outbox, device: Device, data: FleetMeterCollected, refusal: Problem
) -> RejectedReading:
    """Keep a refused automatic reading for an agent to review, and tell the vendor's systems."""
    rejected = RejectedReading(
        id=str(uuid.uuid4()),
        device_id=device.id,
        account_id=device.account_id,
        serial=device.serial,
        read_at=data.collected_at,
        counters=dict(data.counters),
        reason_code=refusal.code or "invalid",
        reason=refusal.detail or refusal.title,
        created_at=utcnow(),
    )
    session.add(rejected)
    audit.record(
        session,
        actor_id=audit.SYSTEM_ACTOR,
        actor_side="system",
        action="reading.rejected",
        target_type="rejected_reading",
        target_id=rejected.id,
        device_id=device.id,
        reason_code=rejected.reason_code,
        counters=rejected.counters,
    )
    await outbox.add(
        session,
        ReadingRejected(
            rejection_id=rejected.id,
            device_id=device.id,
            account_id=device.account_id,
            serial=device.serial,
            read_at=rejected.read_at,
            counters=rejected.counters,
            source=ReadingSource.AUTOMATIC,
            reason=rejected.reason,
            reason_code=rejected.reason_code,
        ),
        subject=device.id,
    )
    return rejected


async def review_rejected(
    session: AsyncSession, outbox: Outbox, reviewer_id: str, rejected: RejectedReading, resolution: str
) -> RejectedReading:
    """Dismiss it, or accept it as an agent reading when the rules allow it now (the agent's review is the
    confirmation an implausible value needs)."""
    if rejected.reviewed_at is not None:
        raise Problem(
            409,
            "Already reviewed",
            f"This reading was already reviewed ({rejected.resolution}).",
            code="already_reviewed",
            params={"resolution": rejected.resolution},
        )
    if resolution == "accepted_as_agent":
        device = await session.get_one(Device, rejected.device_id)
        reading = await record_reading(
            session,
            outbox,
            device,
            counters=rejected.counters,
            read_at=rejected.read_at,
            source=ReadingSource.AGENT,
            submitted_by=reviewer_id,
            confirm=True,
        )
        rejected.reading_id = reading.id
    rejected.reviewed_at, rejected.reviewed_by, rejected.resolution = utcnow(), reviewer_id, resolution
    audit.record(
        session,
        actor_id=reviewer_id,
        actor_side="vendor",
        action="rejected_reading.reviewed",
        target_type="rejected_reading",
        target_id=rejected.id,
        resolution=resolution,
        reading_id=rejected.reading_id,
    )
    return rejected


# Corrections (F-26) ----------------------------------------------------------------------------------------


def corrected_counters(device: Device, kind: str, named: list[str]) -> list[str]:
    """A replacement restarts every counter; a reset the named ones, which must be the device's."""
    if kind == "device_replacement":
        return list(device.counters)
    if not named:
        raise field_error("counters", "name the counters that were reset", field_code="required")
    for index, name in enumerate(named):
        if name not in device.counters:
            raise field_error(
                f"counters.{index}",
                f"this device has no counter {name[:50]!r} (its counters: {', '.join(device.counters)})",
                field_code="unknown_counter",
                counter=name[:50],
            )
    return list(dict.fromkeys(named))


async def record_correction(
    session: AsyncSession, agent_id: str, device: Device, *, kind: str, counters: list[str], reason: str
) -> CounterCorrection:
    correction = CounterCorrection(
        id=str(uuid.uuid4()),
        device_id=device.id,
        kind=kind,
        counters=corrected_counters(device, kind, counters),
        reason=reason,
        recorded_by=agent_id,
        recorded_at=utcnow(),
    )
    session.add(correction)
    audit.record(
        session,
        actor_id=agent_id,
        actor_side="vendor",
        action="correction.recorded",
        target_type="correction",
        target_id=correction.id,
        device_id=device.id,
        kind=kind,
        counters=correction.counters,
        reason=reason,
    )
    return correction


# Reading ---------------------------------------------------------------------------------------------------


async def history(session: AsyncSession, device: Device, paging: PageQuery) -> tuple[list[Reading], int]:
    """Newest first (one reading per local day, so the order is total)."""
    of_device = select(Reading).where(Reading.device_id == device.id)
    rows = await session.scalars(paging.of(of_device.order_by(Reading.local_date.desc())))
    return list(rows.all()), await count_of(session, of_device)


async def latest_readings(session: AsyncSession, device_ids: list[str]) -> dict[str, Reading]:
    """The newest reading of each device."""
    return {r.device_id: r for r in (await session.scalars(newest_of(device_ids, Reading))).all()}


def newest_of(device_ids: list[str], what) -> Select:
    """The newest reading of each device, as `what` (the entity, or its table for plain rows)."""
    newest = (
        select(Reading.device_id, func.max(Reading.local_date).label("day"))
        .where(Reading.device_id.in_(device_ids))
        .group_by(Reading.device_id)
        .subquery()
    )
    return select(what).join(
        newest, (Reading.device_id == newest.c.device_id) & (Reading.local_date == newest.c.day)
    )


async def names_of(session: AsyncSession, user_ids: set[str]) -> dict[str, str]:
    if not user_ids:
        return {}
    return dict((await session.execute(select(User.id, User.name).where(User.id.in_(user_ids)))).all())
