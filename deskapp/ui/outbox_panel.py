"""The outbox panel: queued actions, errors and conflicts, with retry / keep as draft / discard.

It reads the outbox through services.actions.ActionService and hands the agent's decisions back to it,
both on a worker of the window's TaskRunner (the outbox file may wait on another process's write lock,
and a decision rolls the cache back). The window calls ``refresh()`` when the status bar's counts move.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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

from deskapp.services.actions import ActionService, OutboxRow, StorageError
from deskapp.ui.tasks import TaskRunner

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


@dataclass(frozen=True)
class OutboxRead:
    """What a worker hands back: the rows to show (None: they could not be read), the client ids a
    decision took for, and the storage problem to show the agent."""

    rows: list[OutboxRow] | None
    done: list[str]
    error: str | None


def read_outbox(actions: ActionService, decision: str | None = None,
                client_ids: Sequence[str] = ()) -> OutboxRead:
    """Apply ``decision`` (retry | keep_as_draft | discard) to each item, then read the shown rows; on a
    worker. A storage failure stops the decisions there and is reported, not raised."""
    done: list[str] = []
    error = None
    try:
        if decision is not None:
            apply = getattr(actions, decision)
            for client_id in client_ids:
                if apply(client_id):
                    done.append(client_id)
    except StorageError as exc:
        error = str(exc)
    try:
        return OutboxRead(actions.items(_SHOWN), done, error)
    except StorageError as exc:
        return OutboxRead(None, done, error or str(exc))


class OutboxPanel(QWidget):
    """``count_changed(int)`` (items not yet sent) after each refresh; ``decided(str, str)`` per decision that
    took; ``settled(int)`` once a batch of decisions is done, with how many took."""

    count_changed = Signal(int)
    decided = Signal(str, str)  # client_id, retry | keep_as_draft | discard
    settled = Signal(int)
    conversation_opened = Signal(str)  # the conversation's external id

    def __init__(self, actions: ActionService | None = None, parent: QWidget | None = None, *,
                 runner: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self.action_service = actions
        self.runner = runner or TaskRunner(self)
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
        self._decisions = 0  # decisions handed to a worker so far: older reads are dropped
        self._update_buttons()

    # --- data ----------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the outbox again on a worker; the table follows when the rows come back."""
        if self.action_service is None:
            return
        asked_after = self._decisions

        def read(result: OutboxRead) -> None:
            if self._decisions == asked_after:  # else a decision's own read is newer than this one
                self._read(result)

        self.runner.submit(read_outbox, self.action_service, key=f"outbox-{id(self)}", on_done=read,
                           on_error=self._show_error)

    def _read(self, result: OutboxRead) -> None:
        if result.rows is not None:
            self.set_rows(result.rows)
        if result.error:
            self._show_error(result.error)

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

    def decide_selected(self, decision: str) -> None:
        """Apply retry / keep_as_draft / discard to the selected problem items on a worker; ``decided`` and
        ``settled`` tell what took, and the table shows the outbox as it is afterwards."""
        if decision not in ("retry", "keep_as_draft", "discard"):
            raise ValueError(f"unknown outbox decision {decision!r}")
        if self.action_service is None:
            return
        self.error.hide()

        def applied(result: OutboxRead) -> None:
            self._read(result)
            for client_id in result.done:
                self.decided.emit(client_id, decision)
            self.settled.emit(len(result.done))

        self._decisions += 1
        self.runner.submit(read_outbox, self.action_service, decision, self.selected_client_ids(), on_done=applied,
                           on_error=self._show_error)

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
