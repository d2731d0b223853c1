"""The business-hours arithmetic (F-12): due times, business time between instants, pauses, on calendars with
holidays, de-facto holidays, closed and extra open days, across daylight-saving changes."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cases.servicelevel import DEFAULT_WEEK, BusinessCalendar, NeverOpen, OpeningRange
from cases.servicelevel.hours import InvalidHours, checked_day, checked_week

MADRID, STOCKHOLM = ZoneInfo("Europe/Madrid"), ZoneInfo("Europe/Stockholm")
MICROSECOND = timedelta(microseconds=1)
ZERO = timedelta(0)


def madrid() -> BusinessCalendar:
    return BusinessCalendar(time_zone="Europe/Madrid", country="ES", subdivision="ES-MD")


def sweden() -> BusinessCalendar:
    return BusinessCalendar(
        time_zone="Europe/Stockholm", country="SE", holiday_categories=("public", "de_facto")
    )


def local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)  # type: ignore[misc]


# Examples -----------------------------------------------------------------------------------------------------


def test_a_four_hour_incident_from_friday_afternoon_is_due_monday_late_morning():
    due = madrid().due_at(local(MADRID, 2026, 2, 6, 16, 30), 4)
    assert due == local(MADRID, 2026, 2, 9, 11, 30) and due.tzinfo == UTC


def test_the_same_across_the_spring_change_of_the_clocks():
    # 29 March 2026: Madrid's clocks go from 02:00 to 03:00; Monday still opens at 08:00 local time.
    assert madrid().due_at(local(MADRID, 2026, 3, 27, 16, 30), 4) == local(MADRID, 2026, 3, 30, 11, 30)


def test_a_case_created_on_saturday_counts_from_monday_morning():
    calendar = madrid()
    assert calendar.due_at(local(MADRID, 2026, 2, 7, 10, 0), 4) == local(MADRID, 2026, 2, 9, 12, 0)
    assert calendar.next_opening(local(MADRID, 2026, 2, 7, 10, 0)) == local(MADRID, 2026, 2, 9, 8, 0)


def test_a_due_time_is_the_end_of_the_last_hour_so_closing_time_is_fine():
    calendar = madrid()
    assert calendar.due_at(local(MADRID, 2026, 2, 9, 8, 0), 9) == local(MADRID, 2026, 2, 9, 17, 0)
    assert calendar.due_at(local(MADRID, 2026, 2, 9, 17, 0), 1) == local(MADRID, 2026, 2, 10, 9, 0)
    assert not calendar.is_open(local(MADRID, 2026, 2, 9, 17, 0))
    assert calendar.is_open(local(MADRID, 2026, 2, 9, 8, 0))


def test_swedish_midsummer_eve_christmas_eve_and_new_years_eve_are_closed():
    calendar = sweden()
    for day in (date(2026, 6, 19), date(2026, 12, 24), date(2026, 12, 31)):
        assert calendar.hours_on(day) == ()
        assert not calendar.is_open(local(STOCKHOLM, day.year, day.month, day.day, 10, 0))
    # Thursday before Midsummer, 16:00 + 4 hours: one hour on Thursday, Friday is Midsummer Eve, Monday 11:00.
    assert calendar.due_at(local(STOCKHOLM, 2026, 6, 18, 16, 0), 4) == local(STOCKHOLM, 2026, 6, 22, 11, 0)
    # Without the de-facto category Midsummer Eve is an ordinary Friday.
    public_only = BusinessCalendar(time_zone="Europe/Stockholm", country="SE")
    assert public_only.is_open(local(STOCKHOLM, 2026, 6, 19, 10, 0))


def test_regional_holidays_apply_to_the_region_only():
    # 2 May 2025, a Friday, is Madrid's own holiday, not Spain's.
    friday = local(MADRID, 2025, 5, 2, 10, 0)
    assert not madrid().is_open(friday)
    assert BusinessCalendar(time_zone="Europe/Madrid", country="ES").is_open(friday)
    # A subdivision the holidays package does not know falls back to the country's holidays.
    assert BusinessCalendar(time_zone="Europe/Stockholm", country="SE", subdivision="SE-AB").is_holiday(
        date(2026, 6, 6)
    )


def test_closed_days_close_and_extra_open_days_open_even_on_a_holiday():
    closed, saturday, holiday = date(2026, 2, 10), date(2026, 2, 14), date(2026, 1, 6)
    calendar = BusinessCalendar(
        time_zone="Europe/Madrid",
        country="ES",
        closed_days=[closed],
        extra_open_days=[saturday, holiday],
    )
    assert calendar.hours_on(closed) == ()
    assert calendar.hours_on(saturday) == (OpeningRange(8 * 60, 17 * 60),)  # a weekday without hours: 08-17
    assert calendar.hours_on(holiday) == DEFAULT_WEEK[holiday.weekday()]
    assert calendar.due_at(local(MADRID, 2026, 2, 13, 16, 0), 3) == local(MADRID, 2026, 2, 14, 10, 0)


def test_an_extra_open_day_takes_its_weekdays_hours():
    short_tuesdays = list(DEFAULT_WEEK)
    short_tuesdays[1] = (OpeningRange(9 * 60, 13 * 60), OpeningRange(14 * 60, 16 * 60))
    calendar = BusinessCalendar(
        time_zone="Europe/Madrid", weekly_hours=tuple(short_tuesdays), extra_open_days=[date(2026, 1, 6)]
    )
    assert calendar.hours_on(date(2026, 1, 6)) == short_tuesdays[1]
    # Several ranges a day: the lunch break is not business time.
    assert calendar.due_at(local(MADRID, 2026, 2, 10, 12, 0), 2) == local(MADRID, 2026, 2, 10, 15, 0)


def test_a_pause_moves_the_due_time_by_the_business_time_spent_waiting():
    calendar = madrid()
    due = local(MADRID, 2026, 2, 9, 16, 0)
    # Waiting from Monday 15:00 to Tuesday 10:00 takes 2 + 2 business hours.
    moved = calendar.shift_by_pause(due, local(MADRID, 2026, 2, 9, 15, 0), local(MADRID, 2026, 2, 10, 10, 0))
    assert moved == local(MADRID, 2026, 2, 10, 11, 0)  # one hour left on Monday, three on Tuesday
    weekend = calendar.shift_by_pause(due, local(MADRID, 2026, 2, 7, 9), local(MADRID, 2026, 2, 8, 18))
    assert weekend == due


def test_the_daylight_saving_days_have_their_real_lengths():
    always = BusinessCalendar(
        time_zone="Europe/Stockholm", weekly_hours=(checked_day([OpeningRange(0, 1440)]),) * 7
    )
    spring, autumn = date(2026, 3, 29), date(2026, 10, 25)
    for day, hours in ((spring, 23), (autumn, 25), (date(2026, 6, 1), 24)):
        start = datetime.combine(day, time(), tzinfo=STOCKHOLM)
        end = datetime.combine(day + timedelta(days=1), time(), tzinfo=STOCKHOLM)
        assert always.business_time_between(start, end) == timedelta(hours=hours)


def test_a_calendar_that_never_opens_says_so():
    never = BusinessCalendar(time_zone="UTC", weekly_hours=((),) * 7)
    with pytest.raises(NeverOpen):
        never.due_at(datetime(2026, 1, 1, tzinfo=UTC), 1)
    assert (
        never.business_time_between(datetime(2026, 1, 1, tzinfo=UTC), datetime(2046, 1, 1, tzinfo=UTC))
        == ZERO
    )


def test_naive_times_and_negative_durations_are_refused():
    with pytest.raises(ValueError, match="naive"):
        madrid().due_at(datetime(2026, 2, 9, 8, 0), 1)
    with pytest.raises(ValueError):
        madrid().add_business_time(datetime(2026, 2, 9, 8, 0, tzinfo=UTC), -MICROSECOND)


def test_opening_hours_are_checked():
    with pytest.raises(InvalidHours) as closes_early:
        checked_day([OpeningRange(8 * 60, 17 * 60), OpeningRange(13 * 60, 12 * 60)])
    assert (closes_early.value.code, closes_early.value.index) == ("closes_before_opening", 1)
    with pytest.raises(InvalidHours) as overlap:
        checked_day([OpeningRange(12 * 60, 18 * 60), OpeningRange(8 * 60, 13 * 60)])
    assert overlap.value.code == "overlapping_hours"
    with pytest.raises(InvalidHours) as never:
        checked_week([[]] * 7)
    assert never.value.code == "no_opening_hours"
    assert checked_week([[OpeningRange(600, 700), OpeningRange(60, 120)]] + [[]] * 6)[0][0].start == 60


# Properties ---------------------------------------------------------------------------------------------------

ZONES = ["Europe/Madrid", "Europe/Stockholm", "America/New_York", "Australia/Sydney", "UTC"]
SPAN = (date(2025, 1, 1), date(2028, 12, 31))
days = st.dates(*SPAN)
instants = st.datetimes(
    datetime(2025, 1, 1), datetime(2028, 12, 31), timezones=st.just(UTC), allow_imaginary=False
)
durations = st.timedeltas(ZERO, timedelta(hours=400))


@st.composite
def day_hours(draw) -> list[OpeningRange]:
    """Up to three non-overlapping ranges on five-minute boundaries, 00:00 to 24:00 included."""
    marks = sorted(draw(st.sets(st.integers(0, 288), max_size=6)))
    marks = marks[: len(marks) - len(marks) % 2]
    return [OpeningRange(marks[i] * 5, marks[i + 1] * 5) for i in range(0, len(marks), 2)]


@st.composite
def calendars(draw) -> BusinessCalendar:
    week = draw(st.lists(day_hours(), min_size=7, max_size=7).filter(any))
    country = draw(st.sampled_from([None, "ES", "SE"]))
    subdivision, categories = {
        None: (None, ("public",)),
        "ES": (draw(st.sampled_from([None, "ES-MD", "ES-CT"])), ("public",)),
        "SE": (None, draw(st.sampled_from([("public",), ("public", "de_facto")]))),
    }[country]
    return BusinessCalendar(
        time_zone=draw(st.sampled_from(ZONES)),
        weekly_hours=checked_week(week),
        country=country,
        subdivision=subdivision,
        holiday_categories=categories,
        closed_days=draw(st.sets(days, max_size=30)),
        extra_open_days=draw(st.sets(days, max_size=10)),
    )


# Holidays are computed once per year and calendar; the first computation may take longer than a deadline.
PROPERTIES = settings(deadline=None, max_examples=150)


@PROPERTIES
@given(calendars(), instants, durations)
def test_adding_business_time_and_measuring_it_back_gives_the_same(calendar, start, duration):
    due = calendar.add_business_time(start, duration)
    assert due >= start and due.tzinfo == UTC
    assert calendar.business_time_between(start, due) == duration


@PROPERTIES
@given(calendars(), instants, durations.filter(bool))
def test_a_due_time_never_falls_in_closed_time(calendar, start, duration):
    due = calendar.add_business_time(start, duration)
    # The end of the last business microsecond: open just before, open or closing at the instant itself.
    assert calendar.is_open(due - MICROSECOND)
    day = (due - MICROSECOND).astimezone(calendar.zone).date()
    assert day in calendar.extra_open_days or not (day in calendar.closed_days or calendar.is_holiday(day))


@PROPERTIES
@given(calendars(), instants, durations, durations)
def test_business_time_adds_up(calendar, start, first, second):
    assert calendar.add_business_time(calendar.add_business_time(start, first), second) == (
        calendar.add_business_time(start, first + second)
    )


@PROPERTIES
@given(calendars(), instants)
def test_the_next_opening_is_open_and_nothing_lies_before_it(calendar, at):
    opening = calendar.next_opening(at)
    assert opening >= at and calendar.is_open(opening)
    assert calendar.business_time_between(at, opening) == ZERO
    assert calendar.is_open(at) == (opening == at)


@PROPERTIES
@given(calendars(), instants, durations, instants, durations)
def test_a_pause_moves_the_due_time_by_exactly_its_business_time(calendar, start, hours, paused, waited):
    due = calendar.add_business_time(start, hours)
    resumed = paused + waited
    moved = calendar.shift_by_pause(due, paused, resumed)
    assert calendar.business_time_between(due, moved) == calendar.business_time_between(paused, resumed)
    assert moved >= due


@PROPERTIES
@given(st.sampled_from([MADRID, STOCKHOLM]), st.sampled_from([2025, 2026, 2027, 2028]), st.data())
def test_opening_and_closing_stay_at_local_wall_time_around_the_changes_of_the_clocks(zone, year, data):
    calendar = BusinessCalendar(
        time_zone=zone.key, weekly_hours=((checked_day([OpeningRange(480, 1020)]),) * 7)
    )
    # The last Sundays of March and October, and the days around them.
    changes = [
        max(date(year, month, d) for d in range(25, 32) if date(year, month, d).weekday() == 6)
        for month in (3, 10)
    ]
    day = data.draw(st.sampled_from(changes)) + timedelta(days=data.draw(st.integers(-1, 1)))
    [(opens, closes)] = calendar.intervals_on(day)
    assert opens.astimezone(zone).time() == time(8) and closes.astimezone(zone).time() == time(17)
    assert closes - opens == timedelta(hours=9)
    start = data.draw(
        st.datetimes(
            datetime.combine(day, time()), datetime.combine(day, time(23, 59)), timezones=st.just(zone)
        )
    )
    assert calendar.business_time_between(start, calendar.due_at(start, 12)) == timedelta(hours=12)
