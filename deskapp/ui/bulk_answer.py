"""The bulk-answer dialog: one template for many conversations of an intent, each reply reviewed, all queued."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
)

from deskapp.copilot.model import HEADS
from deskapp.services import templates as template_service
from deskapp.services.actions import ActionService
from deskapp.services.templates import BulkItem
from deskapp.services.workspace import Database, ProfileStore
from deskapp.ui.tasks import TaskRunner


def prepare_replies(db: Database, profile: ProfileStore, template_id: int | None, intent: str,
                    agent_name: str | None) -> list[BulkItem] | None:
    """The chosen template rendered for every waiting conversation of the intent (None: no such template)."""
    template = template_service.get_template(db, profile, template_id) if template_id is not None else None
    if template is None:
        return None
    ids = template_service.bulk_candidates(db, intent)
    return template_service.bulk_preview(db, template.body, ids, agent_name=agent_name)


class BulkAnswerDialog(QDialog):
    """``sent(list_of_client_ids)`` after the agent confirmed; replies go through ``actions.reply`` (the outbox).
    Reading, rendering and queueing run on ``runner``'s workers: ``listed``, ``loaded`` and ``sent`` say when
    each is done."""

    sent = Signal(list)
    listed = Signal(int)  # the intent's templates are in the box: how many
    loaded = Signal(int)  # the replies are rendered and listed: how many

    def __init__(self, db: Database, profile: ProfileStore, actions: ActionService | None, *,
                 intent: str = "order_status", template_id: int | None = None, agent_name: str | None = None,
                 confirm: bool = True, runner: TaskRunner | None = None, parent=None) -> None:
        super().__init__(parent)
        self.db, self.profile, self.action_service, self.agent_name = db, profile, actions, agent_name
        self.confirm = confirm
        self.runner = runner or TaskRunner(self)
        self.items: list[BulkItem] = []
        self.setWindowTitle("Bulk answer")
        self.resize(900, 560)
        self.intent_box = QComboBox()
        self.intent_box.addItems(list(HEADS["intent"]))
        self.intent_box.setCurrentText(intent)
        self.template_box = QComboBox()
        self.load_button = QPushButton("Preview replies")
        self.list = QListWidget()
        self.list.setAccessibleName("Conversations to answer; uncheck to skip one")
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.summary = QLabel("")
        self.send_button = QPushButton("Send")
        self.send_button.setEnabled(False)
        cancel = QPushButton("Close")

        top = QHBoxLayout()
        top.addWidget(QLabel("Intent"))
        top.addWidget(self.intent_box)
        top.addWidget(QLabel("Template"))
        top.addWidget(self.template_box, 1)
        top.addWidget(self.load_button)
        split = QSplitter()
        split.addWidget(self.list)
        split.addWidget(self.preview)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(cancel)
        bottom.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)

        self.intent_box.currentTextChanged.connect(self._fill_templates)
        self.load_button.clicked.connect(self.load)
        self.list.currentRowChanged.connect(self._show)
        self.list.itemChanged.connect(lambda _i: self._count())
        self.send_button.clicked.connect(self.send)
        cancel.clicked.connect(self.reject)
        self._fill_templates(intent, select=template_id)

    def _fill_templates(self, intent: str, select: int | None = None) -> None:
        def listed(templates: list) -> None:
            self.template_box.clear()
            for t in templates:
                self.template_box.addItem(t.name, t.id)
                if t.id == select:
                    self.template_box.setCurrentIndex(self.template_box.count() - 1)
            self.listed.emit(len(templates))

        self.runner.submit(template_service.list_templates, self.db, self.profile, intent=intent, on_done=listed,
                           key=f"bulk-templates-{id(self)}")

    def load(self) -> None:
        """Render the chosen template for every waiting conversation of the intent (``loaded`` says how many)."""
        self.summary.setText("Preparing the replies…")
        self.runner.submit(prepare_replies, self.db, self.profile, self.template_box.currentData(),
                           self.intent_box.currentText(), self.agent_name, on_done=self._loaded,
                           on_error=self.summary.setText, key=f"bulk-replies-{id(self)}")

    def _loaded(self, items: list[BulkItem] | None) -> None:
        self.list.clear()
        if items is None:
            self.items = []
            self.summary.setText("Choose a template that answers this intent.")
            self._count()
            self.loaded.emit(0)
            return
        self.items = items
        self.list.blockSignals(True)
        for n, item in enumerate(self.items):
            flag = "" if item.result.ok else "  ⚠ " + (item.result.error or "missing " + ", ".join(item.result.missing))
            row = QListWidgetItem(f"{item.customer or 'Unknown customer'} — {item.subject}{flag}")
            row.setFlags(row.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            row.setCheckState(Qt.CheckState.Checked if item.selected else Qt.CheckState.Unchecked)
            row.setData(Qt.ItemDataRole.UserRole, n)
            self.list.addItem(row)
        self.list.blockSignals(False)
        if self.items:
            self.list.setCurrentRow(0)
        self._count()
        self.loaded.emit(len(self.items))

    def _show(self, row: int) -> None:
        if 0 <= row < len(self.items):
            item = self.items[row]
            notes = []
            if item.result.error:
                notes.append(f"Template error: {item.result.error}")
            if item.result.missing:
                notes.append("Missing data: " + ", ".join(item.result.missing))
            self.preview.setPlainText(item.text + ("\n\n— " + "\n— ".join(notes) if notes else ""))

    def _count(self) -> int:
        for row in range(self.list.count()):
            self.items[row].selected = self.list.item(row).checkState() == Qt.CheckState.Checked
        chosen = sum(1 for i in self.items if i.selected and i.result.error is None and i.text.strip())
        self.summary.setText(f"{chosen} of {len(self.items)} replies selected. Review them, then send.")
        self.send_button.setText(f"Send {chosen} replies")
        self.send_button.setEnabled(chosen > 0)
        return chosen

    def send(self) -> None:
        """Queue the chosen replies on a worker, once the agent confirmed; ``sent`` carries their client ids."""
        chosen = self._count()
        if not chosen:
            return
        if self.confirm and QMessageBox.question(
                self, "Bulk answer", f"Queue {chosen} replies in the outbox? They are sent when you are online."
        ) != QMessageBox.StandardButton.Yes:
            return
        self.send_button.setEnabled(False)

        def queued(client_ids: list[str]) -> None:
            self.summary.setText(f"Queued {len(client_ids)} replies in the outbox.")
            self.sent.emit(client_ids)

        def failed(message: str) -> None:
            self.summary.setText(f"Not queued: {message}")
            self._count()

        self.runner.submit(template_service.bulk_send, self.action_service, self.items, on_done=queued, on_error=failed)
