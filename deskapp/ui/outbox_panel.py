"""The outbox panel: queued actions, errors and conflicts, with retry / keep as draft / discard.

It reads the outbox through services.actions.ActionService (a small local table: milliseconds) and
hands the agent's decisions back to it. The window calls ``refresh()`` when the replayer reports
progress (queued signal) or on a timer.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from deskapp.services.actions import ActionService, StorageError

COLUMNS = ("State", "Action", "Conversation", "Queued at", "Tries", "Problem")
_SHOWN = ("pending", "sending", "failed", "conflict")
_STATE_TEXT = {"pending": "queued", "sending": "sending", "failed": "failed", "conflict": "conflict"}
_KIND_TEXT = {"reply": "Reply", "note": "Note", "status": "Status", "assign": "Assign", "label": "Labels",
              "priority": "Priority", "snooze": "Snooze", "merge": "Merge"}


def describe(row) -> str:
    """A short human line for an outbox row's action."""
    p = row.payload
    kind = str(row.kind)
    if kind in ("reply", "note"):
        body = str(p.get("text", "")).replace("\n", " ")
        return f"{_KIND_TEXT[kind]}: {body[:60]}{'…' if len(body) > 60 else ''}"
    if kind == "status":
        return f"Status → {p.get('status')}"
    if kind == "snooze":
        return f"Snooze until {p.get('until')}"
    if kind == "assign":
        return f"Assign → {p.get('assignee_external_id') or 'nobody'}"
    if kind == "label":
        return "Labels → " + (", ".join(p.get("labels", [])) or "none")
    if kind == "priority":
        return f"Priority → {p.get('priority')}"
    if kind == "merge":
        return f"Merge contact {p.get('mergee_contact_id')} into {p.get('base_contact_id')}"
    if kind.startswith("order_") and p.get("summary"):  # an order action says what it does itself
        return str(p["summary"])
    return _KIND_TEXT.get(kind, kind)


def _details(row) -> str:
    """The short reason and, when the server or the connector said more, the rest of it."""
    reason, more = row.conflict or "", row.last_error or ""
    text = f"{reason}. {more}" if reason and more and more != reason else (reason or more)
    return text[:1].upper() + text[1:]


class OutboxPanel(QWidget):
    """``count_changed(int)`` (items not yet sent) after each refresh; ``decided(str, str)`` per decision."""

    count_changed = Signal(int)
    decided = Signal(str, str)  # client_id, retry | keep_as_draft | discard
    conversation_opened = Signal(str)  # the conversation's external id

    def __init__(self, actions: ActionService | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.action_service = actions
        self.setAccessibleName("Outbox")
        self.summary = QLabel("Nothing queued.")
        self.summary.setAccessibleName("Outbox summary")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setAccessibleName("Outbox items")
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.cellDoubleClicked.connect(self._open_row)
        self.retry_button = QPushButton("Retry")
        self.draft_button = QPushButton("Keep as draft")
        self.discard_button = QPushButton("Discard")
        for button, decision in ((self.retry_button, "retry"), (self.draft_button, "keep_as_draft"),
                                 (self.discard_button, "discard")):
            button.setAccessibleName(button.text())
            button.clicked.connect(lambda _=False, d=decision: self.decide_selected(d))
        # The whole story of the selected problem (the Problem column has its short reason).
        self.detail = QLabel()
        self.detail.setAccessibleName("Problem details")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.hide()
        self.error = QLabel()
        self.error.setStyleSheet("color: #d93025")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.draft_button)
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.rows: list = []
        self._update_buttons()

    # --- data ----------------------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.action_service is None:
            return
        try:
            self.set_rows(self.action_service.items(_SHOWN))
        except StorageError as exc:
            self._show_error(str(exc))

    def set_rows(self, rows: list) -> None:
        """Outbox rows (deskapp.store.outbox.OutboxRow) to show, in queue order."""
        selected = self.selected_client_ids()
        self.rows = [r for r in rows if str(r.state) in _SHOWN]
        self.table.setRowCount(len(self.rows))
        for i, row in enumerate(self.rows):
            problem = row.conflict or row.last_error or ""
            cells = (_STATE_TEXT.get(str(row.state), str(row.state)), describe(row),
                     str(row.conversation_external_id or ""),
                     datetime.fromtimestamp(row.created_at).strftime("%H:%M:%S"), str(row.attempts), problem)
            for j, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, row.client_id)
                if problem:
                    item.setToolTip(_details(row))
                if str(row.state) in ("failed", "conflict"):
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(i, j, item)
            if row.client_id in selected:
                self.table.selectRow(i)
        problems = sum(1 for r in self.rows if str(r.state) in ("failed", "conflict"))
        waiting = len(self.rows) - problems
        self.summary.setText("Nothing queued." if not self.rows else
                             f"{waiting} waiting to be sent, {problems} need your decision.")
        self._update_buttons()
        self.count_changed.emit(len(self.rows))

    def selected_client_ids(self) -> list[str]:
        rows = sorted({index.row() for index in self.table.selectedIndexes()})
        return [self.rows[r].client_id for r in rows if r < len(self.rows)]

    # --- decisions ------------------------------------------------------------------------------------

    def decide_selected(self, decision: str) -> int:
        """Apply retry / keep_as_draft / discard to the selected problem items; returns how many took."""
        if self.action_service is None:
            return 0
        done = 0
        self.error.hide()
        for client_id in self.selected_client_ids():
            try:
                if getattr(self.action_service, decision)(client_id):
                    done += 1
                    self.decided.emit(client_id, decision)
            except StorageError as exc:
                self._show_error(str(exc))
                break
        self.refresh()
        return done

    def _update_buttons(self) -> None:
        chosen = set(self.selected_client_ids())
        picked = [r for r in self.rows if r.client_id in chosen]
        shown = _details(picked[0]) if len(picked) == 1 and (picked[0].conflict or picked[0].last_error) else ""
        self.detail.setText(shown)
        self.detail.setVisible(bool(shown))
        problem = any(str(r.state) in ("failed", "conflict") for r in self.rows if r.client_id in chosen)
        messages = any(str(r.kind) in ("reply", "note") for r in self.rows if r.client_id in chosen)
        self.retry_button.setEnabled(problem)
        self.discard_button.setEnabled(problem)
        self.draft_button.setEnabled(problem and messages)

    def _open_row(self, row: int, _column: int) -> None:
        if 0 <= row < len(self.rows) and self.rows[row].conversation_external_id:
            self.conversation_opened.emit(self.rows[row].conversation_external_id)

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
