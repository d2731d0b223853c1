"""Days until a toner runs out, from its level history (the pure forecast)."""

from datetime import UTC, datetime, timedelta

from cases.fleet.forecast import days_with_stock, forecast

NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def test_a_steady_decline_over_four_weeks_gives_days_to_empty_with_a_range():
    points = [(days_ago(28 - d), 80 - 2 * d) for d in range(0, 29, 7)]  # 80 .. 24, 2 points a day
    result = forecast(points, NOW)
    assert result.enough_data and result.level == 24
    assert result.rate_per_day is not None and abs(result.rate_per_day - 2) < 0.01
    assert result.days == 12
    assert result.days_min is not None and result.days_max is not None
    assert result.days_min <= 12 <= result.days_max and result.days_max - result.days_min <= 10


def test_fewer_than_fourteen_days_or_one_level_only_is_not_enough_data():
    assert not forecast([(days_ago(10), 60), (days_ago(0), 40)], NOW).enough_data
    assert not forecast([(days_ago(25), 60), (days_ago(0), 60)], NOW).enough_data
    assert not forecast([], NOW).enough_data
    only_old = forecast([(days_ago(45), 80), (days_ago(35), 60)], NOW)  # outside the 30 days
    assert not only_old.enough_data


def test_a_jump_up_is_a_new_cartridge_and_restarts_the_estimate():
    old_cartridge = [(days_ago(28), 40), (days_ago(21), 25), (days_ago(14), 10)]
    new_cartridge = [(days_ago(10), 100), (days_ago(3), 90)]
    restarted = forecast(old_cartridge + new_cartridge, NOW)
    assert restarted.level == 90
    assert not restarted.enough_data  # ten days of the new cartridge: not enough yet
    assert restarted.cartridge_since == days_ago(10)
    later = forecast(old_cartridge + new_cartridge + [(days_ago(-5), 80)], NOW + timedelta(days=5))
    assert later.enough_data and later.cartridge_since == days_ago(10)


def test_levels_reported_in_steps_count_from_when_each_step_was_first_reported():
    # 10 % steps reported daily: 60 for a week, 50, 40, then 30 since a week ago (the next step is due now).
    points = [(days_ago(28 - d), 60 - 10 * (d // 7)) for d in range(28)] + [(days_ago(0), 30)]
    result = forecast(points, NOW)
    assert result.enough_data and result.level == 30
    assert result.rate_per_day is not None and abs(result.rate_per_day - 10 / 7) < 0.01
    # Read as reported, 30 % would last three weeks; a week into the step, it is down to about 20 %.
    assert result.days == 14
    assert result.days_min is not None and result.days_max is not None
    assert 5 <= result.days_min < 14 < result.days_max <= 25


def test_a_flat_history_is_not_a_forecast_and_stock_extends_one():
    assert not forecast([(days_ago(20), 50), (days_ago(10), 50), (days_ago(0), 50)], NOW).enough_data
    result = forecast([(days_ago(20), 60), (days_ago(0), 20)], NOW)  # 2 points a day: 10 days left
    assert result.days == 10
    assert days_with_stock(result, 2) == 110  # two full cartridges of 50 days each
