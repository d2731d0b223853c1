"""The one clock of business time. Every business timestamp (a case opened, an event's `time`, an audit entry, an
email queued, a due time) reads `now()`, so that tests move time instead of waiting hours for it.

Without a test clock `now()` is `datetime.now(UTC)`, one global lookup away: the hot path stays as cheap as it was.

A test clock comes in two ways:
- in one process (unit tests): `set_source(FrozenClock(instant))`, through the `clock` fixture of shared.testing;
- across processes (end-to-end tests, five services started once per test session): `TEST_CLOCK_FILE` names a file
  that holds either
  - an ISO 8601 instant with its offset, `2026-03-27T16:30:00+01:00`: the clock showed that instant when the file
    was written (its modification time) and runs on from there at the real pace; or
  - a signed ISO 8601 duration, `+P3DT2H` or `-PT30M` (days, hours, minutes, seconds): the clock runs that far
    ahead of (behind) the real one.
  A missing file is the real clock. Write it whole in one step (a new file renamed over the old, as
  shared.testing.ClockFile does): a reader that catches a half-written file keeps the time it had.

Why a file: the processes must follow a clock that each test moves after they started, so an environment variable
alone cannot carry it, and an endpoint that sets the time would be a door a production build must not have. A file
is set with one write and read by every process alike; anchoring a written instant to the file's modification time
makes every process compute the same time whenever it reads it. Each `now()` costs one `stat` (about a
microsecond); the file is read again only when its modification time changes.

Why the clock runs on rather than stands still: what the services decide by comparing business times (a resolved
case's auto-close cut-off, a due time passed) must keep moving as a test waits, as they would in production; a test
that wants exact times in one process freezes the clock (FrozenClock). What the services schedule (outbox and email
retries, periodic jobs) is on the real clock, so moving business time, even back, never stalls a delivery.

A production start with TEST_CLOCK_FILE set is refused (shared.config). Not on this clock, but on the real one
(`wall_now()`, `time.time()`): the login session (access tokens, whose expiry PyJWT checks against the real clock in
every service, the refresh session that renews them, the memory of ended sessions) and login throttling, security
timings that must neither stretch nor shrink with a test's clock; and the periods of periodic jobs
(shared.periodic), counted on the wall clock so that every replica agrees on them. Links emailed to people
(invitations, password resets, address checks) expire in business time: what they promise ("valid for 7 days") is
business time, and a test lets them expire by moving the clock."""

import os
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

Source = Callable[[], datetime]

CLOCK_FILE_VARIABLE = "TEST_CLOCK_FILE"
_DURATION = re.compile(
    r"(?P<sign>[+-]?)P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?"
)

_source: Source | None = None


def now() -> datetime:
    """Business time, timezone-aware UTC."""
    source = _source
    return datetime.now(UTC) if source is None else source()


def wall_now() -> datetime:
    """The real time, whatever a test set: for security timings (see the module's docstring)."""
    return datetime.now(UTC)


def set_source(source: Source | None) -> None:
    """Business time from `source` from now on; None for the real clock."""
    global _source
    _source = source


def follow_file(path: str | os.PathLike[str] | None) -> None:
    """Business time from a clock file (see the module's docstring); None or "" for the real clock."""
    set_source(FileClock(Path(path)) if path else None)


class FrozenClock:
    """A clock that stands still until told otherwise: exact times for tests in one process."""

    def __init__(self, instant: datetime) -> None:
        self.instant = aware(instant)

    def __call__(self) -> datetime:
        return self.instant

    def set(self, instant: datetime) -> None:
        self.instant = aware(instant)

    def advance(self, by: timedelta) -> None:
        self.instant += by


class FileClock:
    """The real clock shifted by what a clock file says, read again when the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._version: tuple[int, int] | None = None  # the file's (inode, modification time) when last read
        self._offset = timedelta(0)

    def __call__(self) -> datetime:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            self._version, self._offset = None, timedelta(0)
            return datetime.now(UTC)
        if (stat.st_ino, stat.st_mtime_ns) != self._version:
            self._reread(stat.st_ino, stat.st_mtime_ns)
        return datetime.now(UTC) + self._offset

    def _reread(self, inode: int, mtime_ns: int) -> None:
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return
        if not text:  # caught while being written: keep the time we had, read it again next time
            return
        written_at = datetime.fromtimestamp(mtime_ns / 1e9, UTC)
        self._offset, self._version = parse_clock_text(text, written_at, self.path), (inode, mtime_ns)


def parse_clock_text(text: str, written_at: datetime, path: Path | str = "the clock file") -> timedelta:
    """How far business time is from the real one, by what a clock file written at `written_at` says."""
    if (duration := parse_duration(text)) is not None:
        return duration
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{path}: {text[:60]!r} is neither an ISO 8601 instant nor a signed duration"
        ) from None
    if instant.tzinfo is None:
        raise ValueError(f"{path}: the instant {text!r} has no offset (write e.g. +01:00 or Z)")
    return instant - written_at


def parse_duration(text: str) -> timedelta | None:
    """A signed ISO 8601 duration of days, hours, minutes and seconds (`+P3DT2H`, `-PT30M`), or None."""
    match = _DURATION.fullmatch(text)
    if match is None or text.lstrip("+-") in ("P", "PT"):
        return None
    parts = {name: float(value) for name, value in match.groupdict().items() if value and name != "sign"}
    duration = timedelta(**parts)
    return -duration if match["sign"] == "-" else duration


def duration_text(duration: timedelta) -> str:
    """A duration in the format `parse_duration` reads: `+PT90061.500000S`, `-PT30.000000S`."""
    seconds = duration.total_seconds()
    return f"{'-' if seconds < 0 else '+'}PT{abs(seconds):.6f}S"


def aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("naive datetime given; the clock keeps timezone-aware times")
    return instant.astimezone(UTC)


follow_file(os.environ.get(CLOCK_FILE_VARIABLE))
