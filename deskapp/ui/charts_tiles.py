"""KPI tiles and the sortable agent table of the performance tabs, each explaining itself on hover.

A tile shows a figure and its change against the previous period, and on click asks for the
conversations behind it with its drill-down key (``drill(str)``); the table exports as CSV.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from deskapp.domain.durations import duration_text
from deskapp.kpi.formatting import fmt_nps, fmt_rate
from deskapp.ui import theme
from deskapp.ui.csv_file import write_csv

CHANGE_COLOURS = {False: ("#2e7d32", "#c62828"), True: ("#81c784", "#ef9a9a")}  # dark?: (better, worse)


def fmt_number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if isinstance(value, float) and not value.is_integer() else f"{value:.0f}"


class KpiTile(QFrame):
    """One figure: value, change vs the previous period (green when better, red when worse, plain when
    ``lower_is_better`` is None), formula on hover, conversations on click."""

    drilled = Signal(str)

    def __init__(self, title: str, formula: str, fmt: Callable[[Any], str], *, lower_is_better: bool | None = False,
                 compare: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fmt, self.lower_is_better, self.compare, self.key = fmt, lower_is_better, compare, ""
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setToolTip(f"<b>{title}</b><br>{formula}")
        self.title_label = QLabel(title)
        self.value_label = QLabel("…")
        font = self.value_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.value_label.setFont(font)
        self.change_label = QLabel("")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        for label in (self.title_label, self.value_label, self.change_label):
            layout.addWidget(label)

    def clear(self) -> None:
        """No figure (none computed yet): a dash, nothing to open."""
        self._set_key("")
        self.value_label.setText("–")
        self.change_label.setText("")
        self.change_label.setStyleSheet("")

    def _set_key(self, key: str) -> None:
        self.key = key
        if key:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.unsetCursor()

    def set_value(self, value: float | None, previous: float | None, key: str) -> None:
        """``key``: what a click opens (deskapp.kpi.drilldown), "" for nothing."""
        self._set_key(key)
        self.value_label.setText(self.fmt(value))
        self.change_label.setStyleSheet("")
        if value is None:  # e.g. NPS without any survey answer: say why there is no figure
            self.change_label.setText("no data in this period")
            return
        if not self.compare or previous is None:
            self.change_label.setText("" if not self.compare else "no figure for the previous period")
            return
        delta, size = self._change(value, previous)
        if delta == 0:
            self.change_label.setText("= previous period")
            return
        arrow = "▲" if delta > 0 else "▼"
        self.change_label.setText(f"{arrow} {size} vs previous ({self.fmt(previous)})")
        if self.lower_is_better is None:  # more or fewer conversations is neither good nor bad news
            return
        better = (delta < 0) == self.lower_is_better
        colours = CHANGE_COLOURS[theme.is_dark()]  # readable on the light and on the dark palette
        self.change_label.setStyleSheet(f"color: {colours[0] if better else colours[1]}")

    def _change(self, value: float, previous: float) -> tuple[float, str]:
        """The change and how to say its size. Shares and NPS move by percentage points ("pts"), taken
        from the figures as shown, so the arithmetic on the tile adds up."""
        if self.fmt in (fmt_rate, fmt_nps):
            digits = 1 if self.fmt is fmt_rate else 0
            delta = round(round(float(value) * 100, digits) - round(float(previous) * 100, digits), digits)
            return delta, f"{abs(delta):.{digits}f} pts"
        delta = float(value) - float(previous)
        return delta, self.fmt(abs(delta)).lstrip("+")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.key:
            self.drilled.emit(self.key)
        super().mousePressEvent(event)


class _SortItem(QTableWidgetItem):
    """Sorts by the raw number (None last), shows the formatted text."""

    def __init__(self, text: str, key: float | str | None) -> None:
        super().__init__(text)
        self.key = key
        self.setFlags(self.flags() & ~Qt.ItemFlag.ItemIsEditable)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine, theirs = self.key, getattr(other, "key", None)
        if mine is None or theirs is None:
            return theirs is not None and mine is None
        return mine < theirs


AGENT_COLUMNS: list[tuple[str, str, Callable[[Any], str], str]] = [
    ("name", "Agent", str, "The agent (name, or email when the name is unknown)."),
    ("assigned", "Assigned", fmt_number, "assigned"),
    ("replies", "Replies", fmt_number, "replies"),
    ("frt_median_s", "Median FRT", duration_text, "frt"),
    ("resolutions", "Resolutions", fmt_number, "resolutions"),
    ("fcr", "FCR", fmt_rate, "fcr"),
    ("csat", "CSAT", fmt_rate, "csat"),
]


MAX_ROWS = 15


class AgentTable(QWidget):
    """Sortable agent table; a double-click asks for the agent's conversations (``drill``); exports as CSV."""

    drilled = Signal(str)

    def __init__(self, formulas: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []
        self.table = QTableWidget(0, len(AGENT_COLUMNS))
        self.table.setHorizontalHeaderLabels([c[1] for c in AGENT_COLUMNS])
        for i, (_, _, _, key) in enumerate(AGENT_COLUMNS):
            header = self.table.horizontalHeaderItem(i)
            assert header is not None  # set by setHorizontalHeaderLabels above
            header.setToolTip(formulas.get(key, key))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)  # by name until clicked
        self.table.setSortingEnabled(True)
        self.table.cellDoubleClicked.connect(self._open_row)
        export = QToolButton()
        export.setText("CSV")
        export.setToolTip("Export the agent table as CSV")
        export.clicked.connect(self._ask_csv)
        head = QHBoxLayout()
        head.addWidget(QLabel("<b>Agents</b>"), 1)
        head.addWidget(export)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addWidget(self.table)
        self._fit_rows()

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, (key, _, fmt, _) in enumerate(AGENT_COLUMNS):
                value = row.get(key) if key != "name" else (row.get("name") or row.get("email"))
                item = _SortItem(fmt(value) if key != "name" else str(value), value)
                item.setData(Qt.ItemDataRole.UserRole, row["agent_id"])
                self.table.setItem(r, c, item)
        self.table.setSortingEnabled(True)
        self._fit_rows()

    def _fit_rows(self) -> None:
        """Tall enough for every row up to MAX_ROWS (then it scrolls): no empty box, no scrolling for a team."""
        table = self.table
        shown = min(max(table.rowCount(), 2), MAX_ROWS)
        row = table.verticalHeader().defaultSectionSize()
        table.setFixedHeight(table.horizontalHeader().sizeHint().height() + shown * row + 2 * table.frameWidth() + 2)

    def _open_row(self, row: int, _column: int) -> None:
        item = self.table.item(row, 0)
        agent_id = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        self.drilled.emit(f"agent:{agent_id}:all")

    def export_csv(self, path: str | Path) -> None:
        """The rows as currently sorted, raw numbers (seconds, fractions) for spreadsheets."""
        write_csv(path, [c[0] for c in AGENT_COLUMNS],
                  ([getattr(self.table.item(r, c), "key", None) for c in range(len(AGENT_COLUMNS))]
                   for r in range(self.table.rowCount())))

    def _ask_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export agent table", "agents.csv", "CSV (*.csv)")
        if path:
            self.export_csv(path)
