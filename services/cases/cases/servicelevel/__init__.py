"""Service levels (SPEC F-12): business-hours calendars and the arithmetic of due times on them, pure code.

`BusinessCalendar(time_zone=..., weekly_hours=..., country=..., subdivision=..., holiday_categories=...,
closed_days=..., extra_open_days=...)` answers `due_at(start, hours)`, `business_time_between(a, b)`,
`next_opening(at)`, `is_open(at)` and `shift_by_pause(due, paused_from, paused_to)`; `start_response_clock` and
`service_level` say when a case's response is due and where it stands (`cases.servicelevel.state`); where the
calendars are kept and which one an account uses is `cases.calendars`."""

from cases.servicelevel.calendar import BusinessCalendar, NeverOpen
from cases.servicelevel.hours import DEFAULT_DAY, DEFAULT_WEEK, InvalidHours, OpeningRange, WeeklyHours
from cases.servicelevel.state import (
    AT_RISK_WITHIN,
    ResponseClock,
    ServiceLevel,
    service_level,
    start_response_clock,
)

__all__ = [
    "AT_RISK_WITHIN",
    "DEFAULT_DAY",
    "DEFAULT_WEEK",
    "BusinessCalendar",
    "InvalidHours",
    "NeverOpen",
    "OpeningRange",
    "ResponseClock",
    "ServiceLevel",
    "WeeklyHours",
    "service_level",
    "start_response_clock",
]
