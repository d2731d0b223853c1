"""Opening hours: ranges of local wall time in a day, and a week of them (Monday first).

A range is kept in minutes after local midnight, its end up to 24:00 (1440), and written `HH:MM` on the wire."""

import re
from dataclasses import dataclass
from itertools import pairwise

MINUTES_A_DAY = 24 * 60
_TIME = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d|24:00")
TIME_PATTERN = f"^(?:{_TIME.pattern})$"


class InvalidHours(ValueError):
    """Opening hours that cannot be: a `code` for the problem answer, and the index of the range at fault."""

    def __init__(self, code: str, message: str, index: int) -> None:
        super().__init__(message)
        self.code, self.index = code, index


@dataclass(frozen=True, order=True)
class OpeningRange:
    """Open from `start` to `end`, minutes after local midnight (end excluded; 1440 is the day's end)."""

    start: int
    end: int

    @classmethod
    def parse(cls, start: str, end: str) -> "OpeningRange":
        return cls(minutes_of(start), minutes_of(end))

    def texts(self) -> tuple[str, str]:
        return time_text(self.start), time_text(self.end)


DayHours = tuple[OpeningRange, ...]
WeeklyHours = tuple[DayHours, ...]  # seven days, Monday first

DEFAULT_DAY: DayHours = (OpeningRange(8 * 60, 17 * 60),)
# SPEC F-12: Monday to Friday 08:00-17:00 local time.
DEFAULT_WEEK: WeeklyHours = (DEFAULT_DAY,) * 5 + ((),) * 2


def minutes_of(text: str) -> int:
    if not _TIME.fullmatch(text):
        raise ValueError(f"{text!r} is not a time of day (HH:MM, 00:00 to 24:00)")
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def time_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def checked_day(ranges: list[OpeningRange]) -> DayHours:
    """A day's ranges in order; InvalidHours for a range that ends before it starts or overlaps another."""
    for index, opening in enumerate(ranges):
        if not 0 <= opening.start < opening.end <= MINUTES_A_DAY:
            raise InvalidHours("closes_before_opening", "a range must close after it opens", index)
    ordered = sorted(ranges)
    for earlier, later in pairwise(ordered):
        if later.start < earlier.end:
            raise InvalidHours(
                "overlapping_hours", "the ranges of a day may not overlap", ranges.index(later)
            )
    return tuple(ordered)


def checked_week(days: list[list[OpeningRange]]) -> WeeklyHours:
    """Seven days of ranges, each checked; a week must open at least once (else nothing could ever fall due)."""
    if len(days) != 7:
        raise ValueError("a week has seven days, Monday first")
    week = tuple(checked_day(day) for day in days)
    if not any(week):
        raise InvalidHours("no_opening_hours", "a week must have opening hours on some day", 0)
    return week


def week_texts(week: WeeklyHours) -> list[list[list[str]]]:
    """The week as stored: for each day, its ranges as [start, end] texts."""
    return [[list(opening.texts()) for opening in day] for day in week]


def week_of_texts(stored: list[list[list[str]]]) -> WeeklyHours:
    return tuple(tuple(OpeningRange.parse(start, end) for start, end in day) for day in stored)
