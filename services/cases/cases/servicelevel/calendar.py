"""A business-hours calendar and the service-level arithmetic on it (SPEC F-12). Pure code: no database, no clock.

Every operation takes timezone-aware datetimes and answers in UTC. Time is counted in local wall time one day at a
time: each day's opening ranges are turned into instants with zoneinfo, boundary by boundary, so a day on which
the clocks change still opens at 08:00 and closes at 17:00 local time (nine real hours, the hour that went or came
lies at night). The arithmetic walks day by day, never minute by minute, and looks holidays up once per year.

What makes a local day open, first rule that applies:
1. an extra open day of the vendor's opens with that weekday's hours, or 08:00-17:00 when the weekday has none
   (a Saturday opened for a backlog works a normal office day), even on a holiday;
2. a closed day of the vendor's, or a public holiday of the calendar's country, subdivision and categories, is shut;
3. any other day opens with its weekday's hours.

Due times: a due time is the end of the N-th business hour, so work due at closing time is due at 17:00, not at the
next opening. A start in closed time counts from the next opening. Durations are exact (microseconds)."""

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cases.servicelevel.hours import DEFAULT_DAY, DEFAULT_WEEK, DayHours, WeeklyHours
from cases.servicelevel.public_holidays import (
    PUBLIC,
    country_supported,
    holidays_of_year,
    package_subdivision,
    supported_categories,
)

Interval = tuple[datetime, datetime]  # open from the first instant (included) to the second (excluded), UTC
# However the calendar is set, ten years without an opening means it never opens: stop rather than loop.
SEARCH_LIMIT_DAYS = 3660
ZERO = timedelta(0)


class NeverOpen(ValueError):
    """The calendar has no opening within ten years of the instant asked about."""


class BusinessCalendar:
    def __init__(
        self,
        *,
        time_zone: str,
        weekly_hours: WeeklyHours = DEFAULT_WEEK,
        country: str | None = None,
        subdivision: str | None = None,
        holiday_categories: Iterable[str] = (PUBLIC,),
        closed_days: Iterable[date] = (),
        extra_open_days: Iterable[date] = (),
        calendar_id: str = "",
    ) -> None:
        """`subdivision` is ISO 3166-2 (`ES-MD`); its own holidays apply where the `holidays` package knows them,
        the country's otherwise. A country the package does not know has no public holidays. `calendar_id` names
        the stored calendar it was built from, if any."""
        self.calendar_id = calendar_id
        if len(weekly_hours) != 7:
            raise ValueError("weekly_hours has seven days, Monday first")
        self.zone = ZoneInfo(time_zone)
        self.weekly_hours = weekly_hours
        self.country = country.upper() if country and country_supported(country.upper()) else None
        self.subdivision = package_subdivision(self.country, subdivision)
        self.holiday_categories = tuple(sorted(set(holiday_categories)))
        if self.country and (
            unknown := set(self.holiday_categories) - set(supported_categories(self.country))
        ):
            raise ValueError(f"{self.country} has no holiday categories {sorted(unknown)}")
        self.closed_days = frozenset(closed_days)
        self.extra_open_days = frozenset(extra_open_days)

    # What a day is -------------------------------------------------------------------------------------------

    def holidays_in(self, year: int, language: str | None = None) -> Mapping[date, str]:
        """The public holidays of a year, {day: name}, named in a portal language where the package can."""
        if self.country is None:
            return {}
        return holidays_of_year(self.country, self.subdivision, self.holiday_categories, year, language)

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays_in(day.year)

    def hours_on(self, day: date) -> DayHours:
        """The local opening ranges of a day, by the rules in the module's docstring."""
        weekday_hours = self.weekly_hours[day.weekday()]
        if day in self.extra_open_days:
            return weekday_hours or DEFAULT_DAY
        if day in self.closed_days or self.is_holiday(day):
            return ()
        return weekday_hours

    def intervals_on(self, day: date) -> list[Interval]:
        """The day's openings as UTC instants, each boundary placed by the zone's rules of that day."""
        intervals = []
        for opening in self.hours_on(day):
            start, end = self._instant(day, opening.start), self._instant(day, opening.end)
            if start < end:  # a range inside the hour skipped in spring has no real time in it
                intervals.append((start, end))
        return intervals

    def _instant(self, day: date, minutes: int) -> datetime:
        day, minutes = (day + timedelta(days=1), 0) if minutes == 24 * 60 else (day, minutes)
        local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.zone)
        return local.astimezone(UTC)

    def _openings_from(self, at: datetime) -> Iterator[Interval]:
        """The openings of the local days from the one holding `at` on, in order; NeverOpen after ten years of
        days in a row without any."""
        day, closed_in_a_row = at.astimezone(self.zone).date(), 0
        while closed_in_a_row < SEARCH_LIMIT_DAYS:
            intervals = self.intervals_on(day)
            closed_in_a_row = 0 if intervals else closed_in_a_row + 1
            yield from intervals
            day += timedelta(days=1)
        raise NeverOpen(f"no business hours within {SEARCH_LIMIT_DAYS} days after {at.isoformat()}")

    # The operations --------------------------------------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        at = utc(at)
        return any(start <= at < end for start, end in self.intervals_on(at.astimezone(self.zone).date()))

    def next_opening(self, at: datetime) -> datetime:
        """The first open instant at or after `at`: `at` itself while open."""
        at = utc(at)
        for start, end in self._openings_from(at):
            if end > at:
                return max(start, at)
        raise AssertionError("unreachable: _openings_from raises at its limit")

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The instant `duration` of business time after `start`, counted from the next opening when `start` is in
        closed time; the end of the last business minute, so possibly a closing instant. No time added is `start`."""
        start = utc(start)
        if duration < ZERO:
            raise ValueError("business time is added, never taken away")
        if duration == ZERO:
            return start
        remaining = duration
        for opens, closes in self._openings_from(start):
            if closes <= start:
                continue
            begin = max(opens, start)
            if remaining <= closes - begin:
                return begin + remaining
            remaining -= closes - begin
        raise AssertionError("unreachable: _openings_from raises at its limit")

    def due_at(self, start: datetime, hours: float) -> datetime:
        """When a response is due `hours` business hours after `start` (SPEC F-12)."""
        return self.add_business_time(start, timedelta(hours=hours))

    def business_time_between(self, earlier: datetime, later: datetime) -> timedelta:
        """The business time in [earlier, later); nothing when `later` is not after `earlier`."""
        earlier, later = utc(earlier), utc(later)
        total = ZERO
        if later <= earlier:
            return total
        day, last_day = earlier.astimezone(self.zone).date(), later.astimezone(self.zone).date()
        while day <= last_day:
            for opens, closes in self.intervals_on(day):
                total += max(ZERO, min(closes, later) - max(opens, earlier))
            day += timedelta(days=1)
        return total

    def shift_by_pause(self, due: datetime, paused_from: datetime, paused_to: datetime) -> datetime:
        """The due time moved on by exactly the business time of a pause [paused_from, paused_to), as while a case
        waits for the customer (F-12): the business time left before the due time is what it was at the pause."""
        return self.add_business_time(due, self.business_time_between(paused_from, paused_to))


def utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; business time needs timezone-aware instants")
    return moment.astimezone(UTC)
