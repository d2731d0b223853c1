"""Business time: the real time unless a test sets it, in its own process or, through a clock file, in the
service processes it started; a production start refuses a clock file."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from shared import clock as business_clock
from shared.config import ServiceSettings
from shared.db import utcnow
from shared.events import new_event
from shared.events.accounts import SessionRevoked
from shared.testing import ClockFile

FRIDAY_AFTERNOON = datetime(2026, 3, 27, 16, 30, tzinfo=UTC)


def close_to(moment: datetime, expected: datetime, within: timedelta = timedelta(seconds=5)) -> bool:
    return abs(moment - expected) <= within


def test_without_a_test_clock_business_time_is_the_real_time():
    assert close_to(business_clock.now(), datetime.now(UTC), timedelta(seconds=1))
    assert business_clock.now().tzinfo is not None


def test_the_fixture_sets_business_time_for_timestamps_and_events(clock):
    clock.set(FRIDAY_AFTERNOON)
    assert utcnow() == FRIDAY_AFTERNOON
    event = new_event(SessionRevoked(session_id="s", user_id="u", expires_at=FRIDAY_AFTERNOON), source="test")
    assert event.time == FRIDAY_AFTERNOON
    clock.advance(timedelta(hours=4))
    assert utcnow() == FRIDAY_AFTERNOON + timedelta(hours=4)
    assert close_to(business_clock.wall_now(), datetime.now(UTC))  # security timings stay real


def test_a_naive_instant_is_refused(clock):
    with pytest.raises(ValueError, match="naive"):
        clock.set(datetime(2026, 3, 27, 16, 30))


@pytest.fixture
def file_clock(tmp_path):
    clock_file = ClockFile(tmp_path / "clock")
    business_clock.follow_file(clock_file.path)
    yield clock_file
    business_clock.follow_file(os.environ.get(business_clock.CLOCK_FILE_VARIABLE))


def test_a_missing_clock_file_is_the_real_time(file_clock):
    assert close_to(business_clock.now(), datetime.now(UTC), timedelta(seconds=1))


def test_an_instant_in_the_file_is_shown_and_runs_on_from_there(file_clock):
    file_clock.set(FRIDAY_AFTERNOON)
    shown = business_clock.now()
    assert close_to(shown, FRIDAY_AFTERNOON) and shown >= FRIDAY_AFTERNOON
    assert close_to(shown, file_clock.now(), timedelta(milliseconds=100))
    assert business_clock.now() >= shown  # it runs on


def test_a_rewritten_file_moves_the_clock(file_clock):
    file_clock.set(FRIDAY_AFTERNOON)
    assert close_to(business_clock.now(), FRIDAY_AFTERNOON)
    file_clock.advance(timedelta(days=3))
    assert close_to(business_clock.now(), FRIDAY_AFTERNOON + timedelta(days=3))
    file_clock.shift(timedelta(hours=-2))
    assert close_to(business_clock.now(), datetime.now(UTC) - timedelta(hours=2))
    file_clock.reset()
    assert close_to(business_clock.now(), datetime.now(UTC))


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("+P3DT2H", timedelta(days=3, hours=2)),
        ("-PT30M", timedelta(minutes=-30)),
        ("P1D", timedelta(days=1)),
        ("+PT90061.500000S", timedelta(seconds=90061.5)),
    ],
)
def test_a_duration_in_the_file_shifts_the_real_time(tmp_path, text, offset):
    assert business_clock.parse_clock_text(text, datetime.now(UTC)) == offset
    assert business_clock.parse_duration(business_clock.duration_text(offset)) == offset


@pytest.mark.parametrize("text", ["tomorrow", "P", "+PT", "2026-03-27T16:30:00"])
def test_a_file_that_says_no_time_is_refused_by_name(text):
    with pytest.raises(ValueError, match="clock file"):
        business_clock.parse_clock_text(text, datetime.now(UTC))


def test_a_half_written_file_keeps_the_time_it_had(file_clock):
    file_clock.set(FRIDAY_AFTERNOON)
    assert close_to(business_clock.now(), FRIDAY_AFTERNOON)
    file_clock.path.write_text("")  # a writer that truncated it and has not written yet
    assert close_to(business_clock.now(), FRIDAY_AFTERNOON)


def test_a_service_process_follows_the_clock_file_of_its_environment(tmp_path):
    clock_file = ClockFile(tmp_path / "clock")
    clock_file.set(FRIDAY_AFTERNOON)
    shown = subprocess.run(
        [sys.executable, "-c", "from shared.db import utcnow; print(utcnow().isoformat())"],
        env={**os.environ, **clock_file.env()},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert close_to(datetime.fromisoformat(shown.strip()), FRIDAY_AFTERNOON, timedelta(seconds=30))


def test_a_production_start_refuses_a_clock_file(tmp_path):
    with pytest.raises(ValueError, match="test_clock_file"):
        ServiceSettings(environment="production", test_clock_file=str(tmp_path / "clock"))
    assert ServiceSettings(environment="test", test_clock_file=str(tmp_path / "clock")).test_clock_file
