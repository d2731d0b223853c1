"""Where a case stands against its response target (F-12, F-40): the one judgement of due, paused, met, breached
and at risk, for the case's answers, the agents' queue and the alerts job alike. Pure code: the caller gives the
case's calendar and the time.

The clock of a case:
- it starts when the case is created, or at the next opening when the case arrives in closed time (and the case
  remembers it was received outside business hours, to tell the customer why the due time is later);
- it is due `response_time_hours` business hours later (`start_response_clock`);
- it stands still while the case waits for the customer: the stored due time is moved on by exactly the business
  time spent waiting when the case comes back (`shift_by_pause`); while it waits, the due time shown is the
  stored one moved on by the business time waited so far;
- the vendor's first reply to the customer, or the case's first move to in progress, is the first response: the
  target is met when it came no later than the due time;
- without a first response, a case is at risk when less than one business hour is left, and breached once the
  due time has passed."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Protocol

from cases.servicelevel.calendar import BusinessCalendar
from shared.events.vocabulary import CaseStatus

AT_RISK_WITHIN = timedelta(hours=1)  # of business time
# The statuses in which the vendor owes a first response (a case waiting for the customer has had one).
OWING = (CaseStatus.NEW, CaseStatus.IN_PROGRESS)


class ClockedCase(Protocol):
    """What the judgement reads of a case."""

    @property
    def status(self) -> str: ...
    @property
    def response_due_at(self) -> datetime | None: ...
    @property
    def first_response_at(self) -> datetime | None: ...
    @property
    def paused_since(self) -> datetime | None: ...
    @property
    def received_outside_business_hours(self) -> bool: ...


@dataclass(frozen=True)
class ServiceLevel:
    due_at: datetime | None  # while paused: moved on by the business time waited so far
    paused: bool
    met: bool | None  # None until the first response
    breached: bool  # the due time passed without a first response
    at_risk: bool  # less than AT_RISK_WITHIN of business time left without a first response
    received_outside_business_hours: bool


@dataclass(frozen=True)
class ResponseClock:
    """A new case's response clock: when it is due, from when less than one business hour is left (where the
    alerts job starts looking at it), and whether it arrived in closed time."""

    due_at: datetime
    warning_at: datetime
    received_outside_business_hours: bool


def start_response_clock(calendar: BusinessCalendar, created_at: datetime, hours: float) -> ResponseClock:
    response_time = timedelta(hours=hours)
    return ResponseClock(
        due_at=calendar.add_business_time(created_at, response_time),
        warning_at=calendar.add_business_time(created_at, max(response_time - AT_RISK_WITHIN, timedelta(0))),
        received_outside_business_hours=not calendar.is_open(created_at),
    )


@lru_cache(maxsize=64)
def risk_horizon(calendar: BusinessCalendar, now: datetime) -> datetime:
    """One business hour after `now`: a case due before it has less than that left. Worked out once per calendar
    and instant, as a page of cases is judged at one instant."""
    return calendar.add_business_time(now, AT_RISK_WITHIN)


def service_level(case: ClockedCase, calendar: BusinessCalendar, now: datetime) -> ServiceLevel:
    """The case's standing at `now` on its account's calendar."""
    due, paused_since, responded = case.response_due_at, case.paused_since, case.first_response_at
    if due is not None and paused_since is not None:
        due = calendar.shift_by_pause(due, paused_since, now)
    owes = due is not None and responded is None and paused_since is None and case.status in OWING
    breached = owes and due is not None and due <= now
    at_risk = owes and not breached and due is not None and due < risk_horizon(calendar, now)
    return ServiceLevel(
        due_at=due,
        paused=paused_since is not None,
        met=None if responded is None or case.response_due_at is None else responded <= case.response_due_at,
        breached=breached,
        at_risk=at_risk,
        received_outside_business_hours=case.received_outside_business_hours,
    )
