"""The outage view: what is queued in the outbox and which SLA clocks run out while we are offline.

Reads through ``ReportService.outage_snapshot`` (the cache's rollups + the OutboxStore) on a
worker thread; double-clicking a clock opens its conversation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
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
from deskapp.kpi.definitions import FORMULAS
from deskapp.services.reports import ReportService
from deskapp.ui.csv_file import write_csv
from deskapp.ui.tasks import TaskRunner


def export_table_csv(table: QTableWidget, path: str | Path) -> None:
    """Write a table widget's header and cells (as shown) to a CSV file."""
    headers = [table.horizontalHeaderItem(c) for c in range(table.columnCount())]
    rows = ([cell.text() if cell is not None else "" for cell in (table.item(r, c) for c in range(table.columnCount()))]
            for r in range(table.rowCount()))
    write_csv(path, [h.text() if h is not None else "" for h in headers], rows)


def _titled(title: str, table: QTableWidget, parent: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(QLabel(f"<b>{title}</b>"), 1)
    button = QToolButton()
    button.setText("CSV")
    button.setToolTip("Export this table as CSV")

    def ask() -> None:
        path, _ = QFileDialog.getSaveFileName(parent, "Export table", f"{title}.csv", "CSV (*.csv)")
        if path:
            export_table_csv(table, path)

    button.clicked.connect(ask)
    row.addWidget(button)
    return row


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    return table


class OutageView(QWidget):
    conversations_opened = Signal(list)
    updated = Signal(dict)

    def __init__(self, reports: ReportService, runner: TaskRunner, parent: QWidget | None = None, *,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self.reports, self.runner, self.clock = reports, runner, clock
        self.snapshot: dict = {}
        self.summary = QLabel("…")
        self.summary.setToolTip(FORMULAS["sla_at_risk"] + "\n" + FORMULAS["sla_breaching"])
        self.clocks = _table(["Conversation", "Channel", "Assignee", "Due", "Time left", "State"])
        self.clocks.cellDoubleClicked.connect(self._open)
        self.queued = _table(["Queued", "Kind", "Conversation", "State", "Tries", "Last error"])
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(_titled("SLA clocks of unanswered conversations", self.clocks, self))
        layout.addWidget(self.clocks, 2)
        layout.addLayout(_titled("Waiting in the outbox", self.queued, self))
        layout.addWidget(self.queued, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(30_000)  # clocks tick while nothing syncs
        self.timer.timeout.connect(self.refresh)

    def showEvent(self, event) -> None:
        self.timer.start()
        super().showEvent(event)

    def hideEvent(self, event) -> None:
        self.timer.stop()
        super().hideEvent(event)

    def refresh(self) -> None:
        self.runner.submit(self.reports.outage_snapshot, now=int(self.clock()), on_done=self._show,
                           on_error=lambda e: self.summary.setText(f"could not read: {e}"), key=f"outage-{id(self)}")

    def _show(self, snap: dict) -> None:
        self.snapshot = snap
        self.summary.setText(f"{len(snap['queued'])} actions queued · {snap['breached']} conversations past their "
                             f"first-response target · {snap['at_risk']} at risk")
        self.clocks.setRowCount(len(snap["sla_clocks"]))
        for r, c in enumerate(snap["sla_clocks"]):
            due = datetime.fromtimestamp(c["due_at"], UTC).astimezone().strftime("%Y-%m-%d %H:%M")
            seconds = c["seconds_left"]
            left = duration_text(seconds) if seconds >= 0 else f"{duration_text(-seconds)} late"
            name = f"#{c['external_id']}" + (f" · {c['subject']}" if c["subject"] else "")
            for col, text in enumerate([name, c["channel"], c["assignee"] or "unassigned", due, left,
                                        c["state"].replace("_", " ")]):
                item = QTableWidgetItem(str(text))
                item.setData(Qt.ItemDataRole.UserRole, c["conversation_id"])
                self.clocks.setItem(r, col, item)
        self.queued.setRowCount(len(snap["queued"]))
        for r, q in enumerate(snap["queued"]):
            values = [q.get("created_at", ""), q.get("kind", ""), q.get("conversation", ""), q.get("state", ""),
                      q.get("attempts", ""), q.get("last_error") or q.get("conflict") or q.get("error") or ""]
            for col, value in enumerate(values):
                self.queued.setItem(r, col, QTableWidgetItem(str(value)))
        self.updated.emit(snap)

    def _open(self, row: int, _col: int) -> None:
        item = self.clocks.item(row, 0)
        if item is not None:
            self.conversations_opened.emit([item.data(Qt.ItemDataRole.UserRole)])
