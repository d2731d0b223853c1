"""The rules every reading passes, whoever or whatever submits it (F-21, F-22, F-26).

Each refusal is a Problem the client can act on: a 422 naming the field for malformed counters, a 409 with a
machine-readable `code` and the facts behind it (counter, previous value and date, usual volume) otherwise."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from meters.devices.models import Device
from meters.readings.models import CounterCorrection, Reading
from shared.errors import Problem, field_issue, invalid_fields

MAX_COUNTER_VALUE = 10**12  # far above any device's lifetime page count; keeps typos of many digits out
PLAUSIBILITY_FACTOR, PLAUSIBILITY_MARGIN = 10, 1000


# The shape of the counters --------------------------------------------------------------------------------


def valid_counters(device: Device, submitted: dict[str, Any]) -> dict[str, int]:
    """Exactly the device's counters, each a whole number >= 0; else a 422 naming every field at fault."""
    errors = []
    expected = ", ".join(device.counters)
    for name in submitted:
        if name not in device.counters:
            message = f"this device has no such counter (its counters: {expected})"
            errors.append(_field(name, "unknown_counter", message, counter=name[:50]))
    for name in device.counters:
        if name not in submitted:
            errors.append(_field(name, "required", "a value is required for every counter of the device"))
            continue
        value = submitted[name]
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(_field(name, "not_a_whole_number", "must be a whole number"))
        elif value < 0:
            errors.append(_field(name, "must_be_at_least", "may not be negative", limit=0))
        elif value > MAX_COUNTER_VALUE:
            message = f"may not exceed {MAX_COUNTER_VALUE}"
            errors.append(_field(name, "must_be_at_most", message, limit=MAX_COUNTER_VALUE))
    if errors:
        raise invalid_fields(errors)
    return {name: submitted[name] for name in device.counters}


def _field(name: str, code: str, message: str, **params: Any) -> dict[str, Any]:
    return field_issue(f"counters.{name[:50]}", code, message, **params)


# The rules against the device's history --------------------------------------------------------------------


class SameDayRace(Problem):
    """Another reading of the same device and day committed while this one was being written: the database's
    unique constraint refused it. The transaction is spoiled, so a handler retries instead of recording it."""


def already_read_today(local_date: date, problem: type[Problem] = Problem) -> Problem:
    return problem(
        409,
        "Already read today",
        f"This device already has a reading for {local_date.isoformat()}; "
        "only one reading per device and day is accepted.",
        code="already_read_today",
        params={"date": local_date.isoformat()},
        local_date=local_date.isoformat(),
    )


def lower_than_previous(counter: str, value: int, previous: Reading) -> Problem:
    previous_value = previous.counters[counter]
    params = {"counter": counter, "previous": previous_value, "date": previous.local_date.isoformat()}
    return Problem(
        409,
        "Lower than the previous reading",
        f"The {counter} counter ({value}) is lower than its previous reading, {previous_value} on "
        f"{previous.local_date.isoformat()}. A counter only goes up: check the value.",
        code="lower_than_previous",
        params=params,
        counter=counter,
        previous_value=previous_value,
        previous_date=previous.local_date.isoformat(),
        errors=[
            field_issue(
                f"counters.{counter}",
                "lower_than_previous",
                f"lower than the previous reading ({previous_value})",
                **params,
            )
        ],
    )


def higher_than_next(counter: str, value: int, following: Reading) -> Problem:
    """A late reading (e.g. an automatic one delivered after a newer one) may not exceed the newer one."""
    next_value = following.counters[counter]
    params = {"counter": counter, "next": next_value, "date": following.local_date.isoformat()}
    return Problem(
        409,
        "Higher than a later reading",
        f"The {counter} counter ({value}) is higher than the later reading of "
        f"{following.local_date.isoformat()} ({next_value}).",
        code="higher_than_next",
        params=params,
        counter=counter,
        next_value=next_value,
        next_date=following.local_date.isoformat(),
        errors=[
            field_issue(
                f"counters.{counter}",
                "higher_than_next",
                f"higher than a later reading ({next_value})",
                **params,
            )
        ],
    )


def confirmation_required(
    counter: str, implied_per_day: int, usual_per_day: int, previous: Reading
) -> Problem:
    params = {"counter": counter, "implied": implied_per_day, "usual": usual_per_day}
    return Problem(
        409,
        "Please confirm this reading",
        f"The {counter} counter implies about {implied_per_day} pages a day since the reading of "
        f"{previous.local_date.isoformat()}, while this device usually prints about {usual_per_day} "
        "pages a day. Check the value (an extra digit?) and confirm it if it is right.",
        code="confirmation_required",
        params=params,
        counter=counter,
        implied_per_day=implied_per_day,
        usual_per_day=usual_per_day,
        errors=[
            field_issue(
                f"counters.{counter}",
                "confirmation_required",
                "unusually high: confirm it if it is right",
                **params,
            )
        ],
    )


@dataclass
class Neighbours:
    """The readings around a new one, and which counters were corrected in between (baseline restarted)."""

    previous: Reading | None
    following: Reading | None
    reset_since_previous: set[str]
    reset_before_following: set[str]


async def neighbours(session: AsyncSession, device: Device, read_at: datetime) -> Neighbours:
    previous = await session.scalar(
        select(Reading)
        .where(Reading.device_id == device.id, Reading.read_at < read_at)
        .order_by(Reading.read_at.desc())
        .limit(1)
    )
    following = await session.scalar(
        select(Reading)
        .where(Reading.device_id == device.id, Reading.read_at > read_at)
        .order_by(Reading.read_at)
        .limit(1)
    )
    corrections = (
        await session.scalars(select(CounterCorrection).where(CounterCorrection.device_id == device.id))
    ).all()

    def reset_between(start: datetime | None, end: datetime | None) -> set[str]:
        return {
            name
            for c in corrections
            if (start is None or c.recorded_at > start) and (end is None or c.recorded_at <= end)
            for name in c.counters
        }

    return Neighbours(
        previous=previous,
        following=following,
        reset_since_previous=reset_between(previous.read_at, read_at) if previous else set(),
        reset_before_following=reset_between(read_at, following.read_at) if following else set(),
    )


async def check_history(
    session: AsyncSession,
    device: Device,
    *,
    local_date: date,
    read_at: datetime,
    counters: dict[str, int],
    confirm: bool,
) -> bool:
    """Apply F-21 and F-22; returns whether the reading was confirmed despite being implausible."""
    same_day = await session.scalar(
        select(Reading.id).where(Reading.device_id == device.id, Reading.local_date == local_date)
    )
    if same_day is not None:
        raise already_read_today(local_date)
    around = await neighbours(session, device, read_at)
    if any(r is not None and r.local_date == local_date for r in (around.previous, around.following)):
        raise already_read_today(local_date)  # committed between the two queries: the same answer either way
    return check_against(device, around, local_date=local_date, counters=counters, confirm=confirm)


def check_against(
    device: Device, around: Neighbours, *, local_date: date, counters: dict[str, int], confirm: bool
) -> bool:
    """F-21 and F-22 against the readings around a new one of a day not read yet; returns whether the reading
    was confirmed despite being implausible."""
    if (previous := around.previous) is not None:
        for counter, value in counters.items():
            if (
                _has_baseline(previous, counter, around.reset_since_previous)
                and value < previous.counters[counter]
            ):
                raise lower_than_previous(counter, value, previous)
    if (following := around.following) is not None:
        for counter, value in counters.items():
            if (
                _has_baseline(following, counter, around.reset_before_following)
                and value > following.counters[counter]
            ):
                raise higher_than_next(counter, value, following)
    if previous is None:
        return False  # the device's first reading: nothing to compare the volume with
    implausible = _implausible_counter(device, previous, local_date, counters, around.reset_since_previous)
    if implausible is None:
        return False
    if not confirm:
        counter, implied = implausible
        raise confirmation_required(counter, implied, device.daily_volume, previous)
    return True


def _has_baseline(reading: Reading, counter: str, reset: set[str]) -> bool:
    return counter in reading.counters and counter not in reset


def plausibility_limit(daily_volume: int) -> int:
    return max(PLAUSIBILITY_FACTOR * daily_volume, daily_volume + PLAUSIBILITY_MARGIN)


def _implausible_counter(
    device: Device, previous: Reading, local_date: date, counters: dict[str, int], reset: set[str]
) -> tuple[str, int] | None:
    """The first counter whose pages per day since the previous reading exceed the limit, with that rate."""
    days = max(1, (local_date - previous.local_date).days)
    limit = plausibility_limit(device.daily_volume)
    for counter, value in counters.items():
        if not _has_baseline(previous, counter, reset):
            continue
        per_day = (value - previous.counters[counter]) / days
        if per_day > limit:
            return counter, round(per_day)
    return None
