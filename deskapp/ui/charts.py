"""Chart cards for the performance tabs (QtCharts): stacked bars, bars and trend lines that explain themselves.

Each card shows its formula on hover, reports the drill-down key of a clicked bar or point through
``drill(str)`` (the tab turns it into conversation ids off the GUI thread: deskapp.kpi.drilldown),
and exports its chart as PNG and its data as CSV. Value axes use round ticks (deskapp.ui.charts_ticks);
a chart with nothing to draw says so in the middle of the card instead of drawing empty axes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QScatterSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QPainter, QPalette
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from deskapp.ui import theme
from deskapp.ui.charts_ticks import Ticks, nice_ticks
from deskapp.ui.csv_file import write_csv

Keys = Sequence[Sequence[str]]  # [series][category] -> drill-down key of the figure drawn there
MIN_HEIGHT = 240
LINE_COLOURS = {False: ("#209fdf", "#f6a625", "#99ca53", "#6d5fd5"),  # from Qt's light and dark chart themes
                True: ("#38ad6b", "#eb8817", "#3c84a7", "#bf593e")}
ROW_HEIGHT = 22  # per category of a horizontal bar chart: every name gets its own readable line


def short_day(iso: str, granularity: str = "day") -> str:
    """Axis label of a trend bucket: MM-DD for days and weeks, YYYY-MM for months."""
    if len(iso) != 10:
        return iso
    return iso[:7] if granularity == "month" else iso[5:]


class ChartCard(QWidget):
    """A titled chart with PNG/CSV export; subclasses fill it with ``show_*``."""

    drilled = Signal(str)

    def __init__(self, title: str, formula: str, parent: QWidget | None = None, *,
                 empty_text: str = "No data in this period") -> None:
        super().__init__(parent)
        self.title, self.formula, self.empty_text = title, formula, empty_text
        self.empty = True
        self.value_ticks: Ticks | None = None  # the value axis' Ticks once drawn
        self.csv_header: list[str] = []
        self.csv_rows: list[list] = []
        self._keys: list[list[str]] = []
        self._tips: list[list[str]] = []
        self.chart = QChart()  # untitled on screen (the caption above says it); titled in exported PNGs
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(MIN_HEIGHT)
        self.view.setToolTip(formula)
        self.empty_label = QLabel(empty_text)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setMinimumHeight(MIN_HEIGHT)
        self.empty_label.setToolTip(formula)
        self.empty_label.setAccessibleName(f"{title}: {empty_text}")
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # muted, light or dark
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty_label)
        self.stack.setCurrentWidget(self.empty_label)
        head = QHBoxLayout()
        self.caption = QLabel(f"<b>{title}</b>")
        self.caption.setToolTip(formula)
        head.addWidget(self.caption, 1)
        for text, slot in (("PNG", self._ask_png), ("CSV", self._ask_csv)):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(f"Export this chart as {text}")
            button.clicked.connect(slot)
            head.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addWidget(self.stack)

    # --- exports -----------------------------------------------------------------------------------

    def set_title(self, title: str) -> None:
        self.title = title
        self.caption.setText(f"<b>{title}</b>")

    def export_png(self, path: str | Path) -> bool:
        self.chart.setTitle(self.title)  # the file stands alone: it carries its title
        try:
            return self.stack.currentWidget().grab().save(str(path), "PNG")
        finally:
            self.chart.setTitle("")

    def export_csv(self, path: str | Path) -> None:
        write_csv(path, self.csv_header, self.csv_rows)

    def _ask_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export chart", f"{self.title}.png", "PNG image (*.png)")
        if path:
            self.export_png(path)

    def _ask_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export data", f"{self.title}.csv", "CSV (*.csv)")
        if path:
            self.export_csv(path)

    # --- drawing -----------------------------------------------------------------------------------

    def _reset(self) -> None:
        dark = theme.is_dark()  # charts draw with their own theme: follow the app's, redrawn each time
        self.chart.setTheme(QChart.ChartTheme.ChartThemeDark if dark else QChart.ChartTheme.ChartThemeLight)
        self.chart.setBackgroundBrush(self.palette().color(QPalette.ColorRole.Base))
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        self._keys, self._tips = [], []

    def _hover(self, series_index: int, index: int) -> None:
        tip = self._tips[series_index][index] if index < len(self._tips[series_index]) else ""
        QToolTip.showText(QCursor.pos(), f"{tip}\n\n{self.formula}", self.view)

    def click(self, series_index: int, index: int) -> None:
        """What a click on a bar or point does: ask for the conversations behind it (tests call it too)."""
        keys = self._keys[series_index] if series_index < len(self._keys) else []
        if 0 <= index < len(keys) and keys[index]:
            self.drilled.emit(keys[index])

    def clear(self) -> None:
        """Nothing to show (no figures computed): the "no data" message, an empty CSV."""
        self._reset()
        self.csv_rows = []
        self._set_empty(True)

    def _set_empty(self, empty: bool) -> None:
        self.empty = empty
        self.stack.setCurrentWidget(self.empty_label if empty else self.view)

    def _axes(self, categories: list[str], horizontal: bool, series, max_value: float,
              min_value: float = 0.0, *, integer: bool = False) -> None:
        cat_axis = QBarCategoryAxis()
        cat_axis.append(categories)
        cat_axis.setTruncateLabels(False)  # intent names must stay readable beside horizontal bars
        if len(categories) > 14 and not horizontal:
            cat_axis.setLabelsAngle(-90)
        ticks = nice_ticks(min(0.0, min_value), max(0.0, max_value), integer=integer)
        value_axis = QValueAxis()
        value_axis.setRange(ticks.low, ticks.high)
        value_axis.setTickCount(ticks.count)
        value_axis.setMinorTickCount(0)
        value_axis.setLabelFormat(ticks.label_format)
        self.value_ticks = ticks
        self.chart.addAxis(cat_axis, Qt.AlignmentFlag.AlignLeft if horizontal else Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(value_axis, Qt.AlignmentFlag.AlignBottom if horizontal else Qt.AlignmentFlag.AlignLeft)
        for s in series:
            s.attachAxis(cat_axis)
            s.attachAxis(value_axis)

    def show_bars(self, categories: list[str], series: dict[str, list[float]], keys: Keys, *,
                  stacked: bool = False, horizontal: bool = False, unit: str = "", integer: bool = True) -> None:
        """One bar set per entry of ``series`` over ``categories``; ``keys[s][c]`` behind each bar;
        ``integer`` (counts, the default) keeps the value axis on whole numbers. Horizontal bars list the
        first category at the top, one readable row each (the card grows with them)."""
        self._reset()
        self.csv_header = ["category", *series]
        self.csv_rows = [[c, *(series[n][i] for n in series)] for i, c in enumerate(categories)]
        horizontal = horizontal and not stacked
        self.view.setMinimumHeight(max(MIN_HEIGHT, 60 + ROW_HEIGHT * len(categories)) if horizontal else MIN_HEIGHT)
        if horizontal:  # Qt draws the first category at the bottom
            categories = categories[::-1]
            series = {name: list(values)[::-1] for name, values in series.items()}
            keys = [list(k)[::-1] for k in keys]
        kind = QStackedBarSeries if stacked else QHorizontalBarSeries if horizontal else QBarSeries
        bars = kind()
        totals = [0.0] * len(categories)
        for s_index, (name, values) in enumerate(series.items()):
            bar_set = QBarSet(name)
            bar_set.append([float(v or 0) for v in values])
            bar_set.hovered.connect(lambda on, i, s=s_index: self._hover(s, i) if on else None)
            bar_set.clicked.connect(lambda i, s=s_index: self.click(s, i))
            bars.append(bar_set)
            self._keys.append(list(keys[s_index]))
            self._tips.append([f"{name} · {c}: {v:g}{unit}" for c, v in zip(categories, values, strict=True)])
            for i, v in enumerate(values):
                totals[i] = totals[i] + float(v or 0) if stacked else max(totals[i], float(v or 0))
        self.chart.addSeries(bars)
        self._axes(categories, horizontal, [bars], max(totals, default=0), integer=integer)
        self._set_empty(not any(totals))
        self.chart.legend().setVisible(len(series) > 1)

    def show_lines(self, categories: list[str], series: dict[str, list[float | None]], keys: Keys, *,
                   scale: float = 1.0, unit: str = "", granularity: str = "day") -> None:
        """Trend lines, broken where a day has no value (a line across it would invent one); values are
        divided by ``scale`` for display."""
        self._reset()
        drawn, top, bottom, points = [], 0.0, 0.0, 0
        for s_index, (name, values) in enumerate(series.items()):
            shown = [None if v is None else float(v) / scale for v in values]
            self._keys.append(list(keys[s_index]))
            self._tips.append([f"{name} · {c}: " + ("no data" if v is None else f"{v:.2f}{unit}")
                               for c, v in zip(categories, shown, strict=True)])
            found = [(i, v) for i, v in enumerate(shown) if v is not None]
            if not found:  # a series without any value (no NPS answers) stays out of the legend
                continue
            points += len(found)
            top, bottom = max(top, *(v for _, v in found)), min(bottom, *(v for _, v in found))
            dots = QScatterSeries()
            dots.setMarkerSize(7)
            for i, v in found:
                dots.append(QPointF(i, v))
            parts = [*self._segments(found), dots]
            colours = LINE_COLOURS[theme.is_dark()]  # fixed per series: median and p90 look alike everywhere
            for item in parts:
                item.hovered.connect(lambda p, on, s=s_index: self._hover(s, round(p.x())) if on else None)
                item.clicked.connect(lambda p, s=s_index: self.click(s, round(p.x())))
                self.chart.addSeries(item)
                item.setColor(QColor(colours[s_index % len(colours)]))
                drawn.append(item)
            parts[0].setName(name)
            for item in parts[1:]:
                self.chart.legend().markers(item)[0].setVisible(False)
        self._axes([short_day(c, granularity) for c in categories], False, drawn, top, bottom)
        self._set_empty(points == 0)
        self.chart.legend().setVisible(True)
        self.csv_header = ["day", *series]
        self.csv_rows = [[c, *(series[n][i] for n in series)] for i, c in enumerate(categories)]

    @staticmethod
    def _segments(found: list[tuple[int, float]]) -> list[QLineSeries]:
        """One line per run of consecutive days with a value (a lone day makes a one-point line: its dot
        is all that shows)."""
        segments: list[QLineSeries] = []
        previous = None
        for i, v in found:
            if previous is None or i != previous + 1:
                segments.append(QLineSeries())
            segments[-1].append(QPointF(i, v))
            previous = i
        return segments
