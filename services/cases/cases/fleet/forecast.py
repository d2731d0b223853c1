"""Days until a toner runs out, from the levels a device reported (pure: no database, no clock).

- The history looked at is the last 30 days, counted in whole days (from midnight UTC 30 days ago). A rise of more than `REFILL_RISE` points is a new cartridge: the
  estimate starts again from it (a smaller rise is a sensor's wobble, not a refill).
- It needs at least two distinct levels over at least 14 days of the current cartridge, else there is "not enough
  data yet".
- Devices report in steps (e.g. 10 %; the step is read from the levels themselves): a level is held until the
  next step is reached, so each level counts from the moment it was first reported (its change point) and the
  rate is the least-squares line through those. The level now is extrapolated from the last change point, but
  never below the next step down at the latest report (which would have said so).
- The range: the level now is known to within half a step either way, and the rate to within one step over the
  span observed, or the line's standard error when that is larger."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(days=30)
MIN_SPAN = timedelta(days=14)
REFILL_RISE = 5
MAX_STEP = 10
DAY = 86400.0


@dataclass(frozen=True)
class Forecast:
    level: int | None  # the latest level reported
    enough_data: bool
    days: int | None = None
    days_min: int | None = None
    days_max: int | None = None
    rate_per_day: float | None = None  # percentage points used per day
    cartridge_since: datetime | None = None  # the first level seen of the current cartridge


def current_cartridge(points: Sequence[tuple[datetime, int]]) -> list[tuple[datetime, int]]:
    """The points since the latest refill, oldest first."""
    ordered = sorted(points)
    start = 0
    for index in range(1, len(ordered)):
        if ordered[index][1] - ordered[index - 1][1] > REFILL_RISE:
            start = index
    return ordered[start:]


def change_points(points: Sequence[tuple[datetime, int]]) -> list[tuple[datetime, int]]:
    """The first report of each level held (a level reported again and again counts from its first time)."""
    changes: list[tuple[datetime, int]] = []
    for at, level in points:
        if not changes or changes[-1][1] != level:
            changes.append((at, level))
    return changes


def slope(points: Sequence[tuple[datetime, int]]) -> float:
    """Least-squares change of level per day."""
    origin = points[0][0]
    xs = [(at - origin).total_seconds() / DAY for at, _ in points]
    ys = [float(level) for _, level in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def granularity(levels: Sequence[int]) -> int:
    """The step the device reports in: the greatest common divisor of its levels (10 for a device that reports
    60, 50, 40), at most `MAX_STEP` (two levels far apart say little about the step)."""
    step = 0
    for level in levels:
        step = math.gcd(step, level)
    return max(1, min(step or 1, MAX_STEP))


def slope_error(points: Sequence[tuple[datetime, int]], rate: float) -> float:
    """The standard error of the least-squares slope (zero for two points, which the line passes through)."""
    if len(points) < 3:
        return 0.0
    origin = points[0][0]
    xs = [(at - origin).total_seconds() / DAY for at, _ in points]
    mean_x = sum(xs) / len(xs)
    intercept = sum(level for _, level in points) / len(points) + rate * mean_x
    residuals = [level - (intercept - rate * x) for x, (_, level) in zip(xs, points, strict=True)]
    spread = sum((x - mean_x) ** 2 for x in xs)
    return math.sqrt(sum(r * r for r in residuals) / (len(points) - 2) / spread) if spread else 0.0


def forecast(points: Sequence[tuple[datetime, int]], now: datetime) -> Forecast:
    """The forecast of one device's colour from its reported (time, level) points."""
    start = (now - WINDOW).replace(hour=0, minute=0, second=0, microsecond=0)
    recent = [(at, level) for at, level in points if start <= at <= now]
    if not recent:
        latest = max(points, default=None)
        return Forecast(level=latest[1] if latest else None, enough_data=False)
    cartridge = current_cartridge(recent)
    level = cartridge[-1][1]
    changes = change_points(cartridge)
    span = cartridge[-1][0] - cartridge[0][0]
    if len(changes) < 2 or span < MIN_SPAN:
        return Forecast(level=level, enough_data=False, cartridge_since=cartridge[0][0])
    rate = -slope(changes)
    if rate <= 0:
        return Forecast(level=level, enough_data=False, cartridge_since=cartridge[0][0])
    step = granularity([lvl for _, lvl in cartridge])
    changed_at, last_seen = changes[-1][0], cartridge[-1][0]
    # Extrapolated from when the level was first reported; but the latest report still said this level, so
    # it was above the next step down then.
    days_since_change = (now - changed_at).total_seconds() / DAY
    days_since_seen = (now - last_seen).total_seconds() / DAY
    now_level = max(level - rate * days_since_change, level - step - rate * days_since_seen)
    now_level = max(0.0, min(float(level), now_level))
    rate_error = max(step / (span.total_seconds() / DAY), slope_error(changes, rate))
    low_rate, high_rate = max(rate - rate_error, rate / 2), rate + rate_error
    days = now_level / rate
    days_min = max(0.0, now_level - step / 2) / high_rate
    days_max = min(100.0, now_level + step / 2) / low_rate
    return Forecast(
        level=level,
        enough_data=True,
        days=round(days),
        days_min=min(round(days), int(days_min)),
        days_max=max(round(days), math.ceil(days_max)),
        rate_per_day=rate,
        cartridge_since=cartridge[0][0],
    )


def days_with_stock(result: Forecast, on_site: int) -> int | None:
    """How long the current cartridge and `on_site` full ones last at the current rate."""
    if not result.enough_data or result.days is None or not result.rate_per_day:
        return None
    return result.days + round(on_site * 100 / result.rate_per_day)
