"""ui.charts_ticks: round value-axis ticks as a function (1-2-5 steps, whole numbers for counts, distinct labels,
no crash on non-finite or extreme bounds)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskapp.ui.charts_ticks import nice_ticks


def _step_is_1_2_5(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step) + 1e-9)
    return any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 5))


@pytest.mark.parametrize(("low", "high", "integer", "values"), [
    (0, 0, True, [0, 1]),  # no data: one unit, not "0 0 1 1"
    (0, 1, True, [0, 1]),
    (0, 3, True, [0, 1, 2, 3]),
    (0, 3.3, True, [0, 1, 2, 3, 4]),
    (0, 7.7, False, [0, 2, 4, 6, 8]),
    (0, 123, True, [0, 50, 100, 150]),
    (0, 0.37, False, [0, 0.1, 0.2, 0.3, 0.4]),
    (-5, 12, False, [-5, 0, 5, 10, 15]),
    (0, 1234, True, [0, 500, 1000, 1500]),
    (0, 1.1, False, [0, 0.5, 1, 1.5]),
    (7, 7, True, [0, 2, 4, 6, 8]),  # one value: the axis reaches zero
    (-2, -2, False, [-2, -1.5, -1, -0.5, 0]),
])
def test_nice_ticks_examples(low, high, integer, values):
    ticks = nice_ticks(low, high, integer=integer)
    assert ticks.values == pytest.approx(values)
    labels = [ticks.label(v) for v in ticks.values]
    assert len(set(labels)) == len(labels)


def test_tick_labels_carry_the_decimals_the_step_needs():
    assert [nice_ticks(0, 0.04).label(v) for v in nice_ticks(0, 0.04).values] == [
        "0.00", "0.01", "0.02", "0.03", "0.04"]
    assert nice_ticks(0, 60).label_format == "%.0f"
    assert nice_ticks(0, 1).label_format == "%.1f"  # 0.0 0.2 ... 1.0 for a rate, 0 1 for a count
    assert nice_ticks(0, 1, integer=True).label_format == "%.0f"


@pytest.mark.parametrize(("low", "high"), [(math.nan, 3), (0, math.inf), (-math.inf, math.nan)])
def test_non_finite_bounds_give_the_empty_axis(low, high):
    assert nice_ticks(low, high, integer=True).values == [0, 1]


@pytest.mark.parametrize(("low", "high"), [(0, 1e308), (-1e308, 1e308), (0, 5e-324), (1e-310, 1e-310)])
def test_extreme_magnitudes_never_crash_the_axis(low, high):
    ticks = nice_ticks(low, high)
    assert 2 <= ticks.count <= 6 and ticks.values[0] <= max(low, -1e300) and ticks.values[-1] > 0


@given(st.floats(-1e9, 1e9), st.floats(-1e9, 1e9), st.booleans(), st.integers(0, 12))
def test_ticks_cover_the_range_in_round_steps_with_distinct_labels(a, b, integer, max_ticks):
    low, high = min(a, b), max(a, b)
    ticks = nice_ticks(low, high, integer=integer, max_ticks=max_ticks)
    values = ticks.values
    assert 2 <= len(values) <= max(3, max_ticks)
    slack = 1e-9 * (ticks.step + abs(low) + abs(high))  # float noise: a billionth of a step, far below a pixel
    assert values[0] <= low + slack and values[-1] >= high - slack
    assert _step_is_1_2_5(ticks.step)
    labels = [ticks.label(v) for v in values]
    assert len(set(labels)) == len(labels)
    if integer:
        assert all(float(v).is_integer() for v in values) and ticks.step >= 1
