"""The "Team figures from the hub" inner tab of the performance tab, for supervisors: the team's figures as the
hub's reports give them, each saying where it comes from, beside what this computer's cache holds.

``install(performance_tab, service, runner)`` adds the tab beside "Team performance" while the signed-in agent
is a supervisor. Reading the hub runs on the task runner; when the hub cannot be read the last fetched figures
stay on screen under a line that says so and when they were fetched.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from deskapp.domain.durations import duration_text
from deskapp.services.hub_reports import HUB, PERIOD_DAYS, HubFigures, HubReading, HubReportService, LocalFigures
from deskapp.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from deskapp.ui.performance_tab import PerformanceTab

TAB_TITLE = "Team figures from the hub"
PERIOD_NAMES = {1: "Today", 7: "Last 7 days", 30: "Last 30 days", 90: "Last 90 days"}
REREAD_AFTER_S = 300  # shown again after this long: the hub's figures move as the team works
# (summary key, label, whether it is a duration, the cache's figure for the same thing and how it is measured)
ROWS: tuple[tuple[str, str, bool, str | None, str], ...] = (
    ("conversations_count", "Conversations", False, "conversations", ""),
    ("incoming_messages_count", "Incoming messages", False, None, ""),
    ("outgoing_messages_count", "Outgoing messages", False, None, ""),
    ("resolutions_count", "Resolutions", False, "resolutions", ""),
    ("avg_first_response_time", "First response (average)", True, "frt_median_s", "median"),
    ("avg_resolution_time", "Resolution time (average)", True, "resolution_median_s", "median"),
    ("reply_time", "Reply time (average)", True, None, ""),
)
GROUP_COLUMNS = (("conversations_count", "Conversations", False), ("resolved_conversations_count", "Resolved", False),
                 ("avg_first_response_time", "First response", True), ("avg_resolution_time", "Resolution", True),
                 ("avg_reply_time", "Reply time", True))


class _NumberItem(QTableWidgetItem):
    """A figure that sorts by its value, not by its text ("–" for none sorts first)."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine, theirs = self.data(Qt.ItemDataRole.UserRole), other.data(Qt.ItemDataRole.UserRole)
        if isinstance(mine, int | float) and isinstance(theirs, int | float):
            return mine < theirs
        return super().__lt__(other)


def _value(value: float | None, duration: bool) -> str:
    if value is None:
        return "–"
    return duration_text(value) if duration else f"{int(value):,}"


def _now_text(figures: HubFigures) -> str:
    """Open work and availability on the floor, as the hub counted them when the figures were fetched."""
    live = figures.live
    available = Counter(a.get("availability") or "unknown" for a in figures.agents)
    parts = [f"{available[k]} {k}" for k in ("online", "busy", "offline") if available[k]]
    work = (f"{live.get('open', 0):,} open conversations, {live.get('unattended', 0):,} unattended, "
            f"{live.get('unassigned', 0):,} unassigned; " if live else "")
    return f"<b>Now</b> (from the hub): {work}{len(figures.agents)} agents ({', '.join(parts)})"


def _clock_text(ts: int) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


class HubFiguresView(QWidget):
    """The figures of one period (and team) from the hub, with their sources written beside them."""

    def __init__(self, service: HubReportService, runner: TaskRunner, parent: QWidget | None = None, *,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self.service, self.runner, self.clock = service, runner, clock
        self.reading: HubReading | None = None
        self.read_at: float | None = None
        self.period = QComboBox()
        for days in PERIOD_DAYS:
            self.period.addItem(PERIOD_NAMES[days], days)
        self.period.setCurrentIndex(PERIOD_DAYS.index(7))
        self.team = QComboBox()
        self.team.addItem("Whole account", None)
        self.refresh_button = QPushButton("Refresh from the hub")
        self.status = QLabel("Not read from the hub yet.")
        self.status.setWordWrap(True)
        self.status.setObjectName("hubFiguresStatus")
        top = QHBoxLayout()
        for widget in (QLabel("Period"), self.period, QLabel("Team"), self.team, self.refresh_button):
            top.addWidget(widget)
        top.addStretch(1)
        self.grid = QGridLayout()
        for col, title in enumerate(("", "Figure", "Where it comes from", "Previous period",
                                     "This computer's cache")):
            self.grid.addWidget(QLabel(f"<b>{title}</b>"), 0, col)
        self.cells: dict[str, list[QLabel]] = {}
        for row, (key, label, _duration, _local, _how) in enumerate(ROWS, start=1):
            cells = [QLabel(label), QLabel("–"), QLabel(""), QLabel("–"), QLabel("")]
            for col, cell in enumerate(cells):
                cell.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self.grid.addWidget(cell, row, col)
            self.cells[key] = cells
        self.teams_table = self._table(("Team",))
        self.agents_table = self._table(("Agent", "Availability"))
        self.agents_table.sortByColumn(2, Qt.SortOrder.DescendingOrder)  # the busiest first
        self.now_line = QLabel("")  # the floor now: open work and who is available
        self.now_line.setObjectName("hubFiguresNow")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addLayout(self.grid)
        layout.addWidget(self.now_line)
        tables = QHBoxLayout()
        tables.addWidget(self.teams_table, 5)
        tables.addWidget(self.agents_table, 6)
        layout.addLayout(tables, 1)
        self.period.currentIndexChanged.connect(lambda _i: self.refresh())
        self.team.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh_button.clicked.connect(self.refresh)

    @staticmethod
    def _table(first: tuple[str, ...]) -> QTableWidget:
        table = QTableWidget(0, len(first) + len(GROUP_COLUMNS))
        table.setHorizontalHeaderLabels([*first, *(title for _k, title, _d in GROUP_COLUMNS)])
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setStretchLastSection(True)
        table.setSortingEnabled(True)
        table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        return table

    # --- reading -------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the hub again for the chosen period and team (on the task runner)."""
        self.status.setText("Reading the team's figures from the hub…")
        self.refresh_button.setEnabled(False)
        self.runner.submit(self.service.read, self.period.currentData(), self.team.currentData(),
                           on_done=self.show_reading, on_error=self._failed, key=f"hub-figures-{id(self)}")

    def refresh_if_old(self) -> None:
        if self.read_at is None or self.clock() - self.read_at > REREAD_AFTER_S:
            self.refresh()

    def _failed(self, message: str) -> None:
        self.refresh_button.setEnabled(True)
        self.status.setText(f"The hub's figures could not be read: {message}")

    def show_reading(self, reading: HubReading) -> None:
        self.refresh_button.setEnabled(True)
        self.reading, self.read_at = reading, self.clock()
        self._offer_teams(reading.teams)
        figures = reading.figures
        if reading.state == HUB:
            self.status.setText(f"From the hub ({reading.hub_name}), read at {_clock_text(figures.fetched_at)}."
                                if figures else "From the hub.")
        elif figures is not None:
            self.status.setText(f"{reading.message.capitalize()}: last fetched at {_clock_text(figures.fetched_at)};"
                                " the figures below are from then.")
        else:
            self.status.setText(f"{reading.message.capitalize()}; no figures fetched earlier for this period.")
        self._fill_summary(figures, reading)
        self.now_line.setText(_now_text(figures) if figures else "")
        self._fill_table(self.teams_table, [[t["name"]] for t in figures.teams] if figures else [],
                         figures.teams if figures else [])
        self._fill_table(self.agents_table,
                         [[a["name"], a.get("availability", "")] for a in figures.agents] if figures else [],
                         figures.agents if figures else [])

    def _offer_teams(self, teams: dict[int, str]) -> None:
        known = {self.team.itemData(i) for i in range(1, self.team.count())}
        if not teams or known == set(teams):
            return
        chosen = self.team.currentData()
        self.team.blockSignals(True)
        self.team.clear()
        self.team.addItem("Whole account", None)
        for team_id, name in sorted(teams.items(), key=lambda t: t[1]):
            self.team.addItem(name, team_id)
        self.team.setCurrentIndex(max(0, self.team.findData(chosen)))
        self.team.blockSignals(False)

    def _fill_summary(self, figures: HubFigures | None, reading: HubReading) -> None:
        source = ("from the hub" if reading.state == HUB
                  else f"from the hub, fetched at {_clock_text(figures.fetched_at)}" if figures else "")
        local: LocalFigures | None = reading.local
        for key, _label, duration, local_key, how in ROWS:
            cells = self.cells[key]
            cells[1].setText(_value(figures.summary.get(key), duration) if figures else "–")
            cells[2].setText(source)
            cells[3].setText(_value(figures.previous.get(key), duration) if figures else "–")
            if local is None:
                cells[4].setText("not in this computer's cache" if local_key else "")
            elif local_key:
                found = getattr(local, local_key)
                value = _value(found, duration) + (f" {how}" if how and found is not None else "")
                cells[4].setText(f"{value} — from this computer's cache ({local.conversations:,} conversations)")
            else:
                cells[4].setText("")

    @staticmethod
    def _fill_table(table: QTableWidget, firsts: list[list[str]], lines: list[dict[str, Any]]) -> None:
        table.setSortingEnabled(False)
        table.setRowCount(len(lines))
        for row, (first, line) in enumerate(zip(firsts, lines, strict=True)):
            for col, text in enumerate(first):
                table.setItem(row, col, QTableWidgetItem(text))
            for offset, (key, _title, duration) in enumerate(GROUP_COLUMNS):
                item = _NumberItem()
                value = line.get(key)
                item.setData(Qt.ItemDataRole.DisplayRole, _value(value, duration))
                item.setData(Qt.ItemDataRole.UserRole, value if value is not None else -1)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(row, len(first) + offset, item)
        table.setSortingEnabled(True)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh_if_old()


def install(tab: PerformanceTab, service: HubReportService, runner: TaskRunner, *,
            clock: Callable[[], float] = time.time) -> HubFiguresView:
    """Put the view in ``tab`` (a PerformanceTab) beside "Team performance" whenever it shows that."""
    view = HubFiguresView(service, runner, tab, clock=clock)
    view.hide()  # until it is a tab: a loose child would sit over the tab's top-left corner

    def follow(supervisor: bool) -> None:
        index = tab.tabs.indexOf(view)
        if supervisor and index < 0:
            after = tab.tabs.indexOf(tab.team) if tab.team is not None else tab.tabs.count() - 1
            tab.tabs.insertTab(after + 1, view, TAB_TITLE)
        elif not supervisor and index >= 0:
            tab.tabs.removeTab(index)

    tab.supervisor_changed.connect(follow)
    follow(tab.team is not None)
    return view
