"""Chart cards: what a card shows with nothing to draw, its bars and trend lines, and the conversations a click
opens."""

from deskapp.ui.charts import ChartCard


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
