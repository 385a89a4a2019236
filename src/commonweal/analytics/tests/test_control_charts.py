"""Control charts against hand-computed examples, and each run rule on a series built to fire it."""

import math

import pytest

from commonweal.analytics.control_charts import c_chart, p_chart, western_electric, xmr


def rules(signals):
    return [(s.index, s.rule) for s in signals]


def test_xmr_limits_by_hand():
    chart = xmr([1, 2, 3, 2, 1])  # moving ranges 1, 1, 1, 1: mR̄ = 1; x̄ = 1.8
    assert chart.center == pytest.approx(1.8)
    assert chart.upper[0] == pytest.approx(1.8 + 2.66)
    assert chart.lower[0] == pytest.approx(1.8 - 2.66)
    assert chart.moving_range_upper == pytest.approx(3.27)
    assert chart.sigma[0] == pytest.approx(1 / 1.128)
    assert chart.signals == []


def test_a_point_beyond_the_limit_is_a_signal():
    chart = xmr([10, 11, 10, 11, 10, 11, 10, 11, 10, 30])
    assert chart.upper[0] == pytest.approx(12.4 + 2.66 * 28 / 9)
    assert (9, "beyond-3-sigma") in rules(chart.signals)


def test_eight_in_a_row_on_one_side():
    chart = xmr([11, 12] * 4 + [8, 9] * 4)  # centre 10; mR-bar = 17/15; no point beyond 2 sigma
    assert rules(chart.signals) == [(7, "8-in-a-row"), (15, "8-in-a-row")]


def test_two_of_three_beyond_two_sigma():
    signals = western_electric([0, 2.5, 0.5, 2.2], 0.0, [1.0] * 4)
    assert rules(signals) == [(3, "2-of-3-beyond-2-sigma")]


def test_four_of_five_beyond_one_sigma():
    signals = western_electric([1.5, 1.5, 0, 1.5, 1.5], 0.0, [1.0] * 5)
    assert rules(signals) == [(4, "4-of-5-beyond-1-sigma")]
    assert "4 of the last 5 points" in signals[0].reason


def test_p_chart_limits_vary_with_the_period_size():
    chart = p_chart([1, 2, 3], [10, 10, 40])  # p̄ = 6/60 = 0.1
    assert chart.center == pytest.approx(0.1)
    assert chart.upper[0] == pytest.approx(0.1 + 3 * math.sqrt(0.09 / 10))
    assert chart.upper[2] == pytest.approx(0.1 + 3 * math.sqrt(0.09 / 40))
    assert chart.lower == [0.0, 0.0, 0.0]  # floored at zero


def test_p_chart_skips_empty_periods_without_dividing_by_zero():
    chart = p_chart([0, 5], [0, 10])
    assert chart.values[0] == 0.0 and chart.sigma[0] == 0.0


def test_c_chart_by_hand():
    chart = c_chart([4, 5, 6])  # c̄ = 5
    assert chart.upper[0] == pytest.approx(5 + 3 * math.sqrt(5))
    assert chart.lower[0] == 0.0


@pytest.mark.parametrize("bad", [[], [1]])
def test_too_short_a_series_is_refused(bad):
    with pytest.raises(ValueError):
        xmr(bad)
