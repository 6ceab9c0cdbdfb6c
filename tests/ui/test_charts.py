"""Chart axes and empty charts: round ticks as a function, and what a card shows with nothing to draw."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskapp.ui.charts import ChartCard
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


def test_an_empty_chart_says_so_and_a_filled_one_gets_count_ticks(qtbot, tmp_path):
    card = ChartCard("SLA", "formula", empty_text="No breach in this period")
    qtbot.addWidget(card)
    card.show()
    card.show_bars(["breached", "at risk"], {"conversations": [0, 0]}, [["a", "b"]])
    assert card.empty and card.stack.currentWidget() is card.empty_label
    assert card.empty_label.isVisible() and card.empty_label.text() == "No breach in this period"
    assert card.export_png(tmp_path / "empty.png")
    card.export_csv(tmp_path / "empty.csv")
    assert (tmp_path / "empty.csv").read_text(encoding="utf-8").splitlines() == [
        "category,conversations", "breached,0", "at risk,0"]

    card.show_bars(["breached", "at risk"], {"conversations": [3, 1]}, [["a", "b"]])
    assert not card.empty and card.view.isVisible()
    axis = next(a for a in card.chart.axes() if a.type() == a.AxisType.AxisTypeValue)
    assert (axis.min(), axis.max(), axis.tickCount(), axis.labelFormat()) == (0, 3, 4, "%.0f")


def test_empty_trend_lines_and_a_cleared_card(qtbot):
    card = ChartCard("First response time", "formula")
    qtbot.addWidget(card)
    days = ["2026-03-01", "2026-03-02"]
    card.show_lines(days, {"median": [None, None], "p90": [None, None]}, [["x", "y"]] * 2)
    assert card.empty and card.empty_label.text() == "No data in this period"
    card.show_lines(days, {"median": [60.0, None], "p90": [None, None]}, [["x", "y"]] * 2, scale=60)
    assert not card.empty
    assert [s.name() for s in card.chart.series() if s.name()] == ["median"]  # no empty "p90" in the legend
    card.clear()
    assert card.empty and card.csv_rows == [] and card.chart.series() == []


def test_horizontal_bars_put_the_first_category_on_top_and_open_its_conversations(qtbot):
    card = ChartCard("Volume by intent", "formula")
    qtbot.addWidget(card)
    names = [f"intent_{i}" for i in range(15)]
    card.show_bars(names, {"conversations": list(range(15, 0, -1))}, [[f"intent:{n}" for n in names]],
                   horizontal=True)
    axis = next(a for a in card.chart.axes() if a.type() == a.AxisType.AxisTypeBarCategory)
    assert axis.categories()[-1] == "intent_0"  # Qt's last category is the top row
    assert axis.labelsAngle() == 0  # names stay level, each on its own row
    assert card.view.minimumHeight() >= 15 * 20
    with qtbot.waitSignal(card.drilled) as clicked:
        card.click(0, 14)  # the top bar
    assert clicked.args == ["intent:intent_0"]
    assert card.csv_rows[0] == ["intent_0", 15]  # the CSV keeps the order it was given


def test_trend_lines_break_where_a_day_has_no_value(qtbot):
    from PySide6.QtCharts import QLineSeries, QScatterSeries

    card = ChartCard("Resolution time", "formula")
    qtbot.addWidget(card)
    days = [f"2026-03-0{d}" for d in range(1, 7)]
    card.show_lines(days, {"median": [3600, None, 7200, 3600, None, 1800]}, [[f"r:{d}" for d in days]], scale=3600)
    lines = [s for s in card.chart.series() if isinstance(s, QLineSeries) and not isinstance(s, QScatterSeries)]
    assert [[(p.x(), p.y()) for p in s.points()] for s in lines] == [[(0, 1)], [(2, 2), (3, 1)], [(5, 0.5)]]
    assert [s.name() for s in card.chart.series() if s.name()] == ["median"]  # one legend entry
    with qtbot.waitSignal(card.drilled) as clicked:
        card.click(0, 3)
    assert clicked.args == ["r:2026-03-04"]


def test_tiles_say_how_shares_and_nps_moved_in_points_that_add_up(qtbot):
    from deskapp.domain.durations import duration_text
    from deskapp.kpi.formatting import fmt_nps, fmt_rate
    from deskapp.ui.charts_tiles import KpiTile

    csat = KpiTile("CSAT", "share of 4-5", fmt_rate)
    qtbot.addWidget(csat)
    csat.set_value(0.78449, 0.65651, "csat")  # shown as 78.4 % and 65.7 %: the change shown is their difference
    assert csat.value_label.text() == "78.4 %"
    assert csat.change_label.text() == "▲ 12.7 pts vs previous (65.7 %)"
    nps = KpiTile("NPS", "promoters - detractors", fmt_nps)
    qtbot.addWidget(nps)
    nps.set_value(0.12, 0.2, "nps")
    assert nps.change_label.text() == "▼ 8 pts vs previous (+20)"
    same = KpiTile("FCR", "one reply", fmt_rate)
    qtbot.addWidget(same)
    same.set_value(0.50004, 0.49996, "fcr")  # equal as shown
    assert same.change_label.text() == "= previous period"
    frt = KpiTile("FRT", "median", duration_text, lower_is_better=True)
    qtbot.addWidget(frt)
    frt.set_value(600, 900, "frt")
    assert frt.change_label.text().startswith("▼ 5") and "vs previous" in frt.change_label.text()
