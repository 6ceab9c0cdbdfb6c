"""The Templates tab: team or personal templates, Chatwoot import, JSON files, live preview, bulk answer."""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from deskapp.copilot.model import HEADS
from deskapp.copilot.templating import check, render
from deskapp.services import templates as template_service
from deskapp.services.actions import ActionService
from deskapp.services.workspace import AppWorkspace, Database, ProfileStore
from deskapp.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


def read_templates(db: Database, profile: ProfileStore) -> list[template_service.TemplateRow]:
    """Every template, the shipped set seeded first on a new profile (run on a worker)."""
    template_service.ensure_default_templates(profile)
    return template_service.list_templates(db, profile)


# What the tab's buttons do, run on a worker: each returns what to tell the agent (and what changed).


def save_template(profile: ProfileStore, fields: dict[str, Any]) -> tuple[int | None, str]:
    try:
        return template_service.save_template(profile, **fields), "Saved."
    except template_service.TemplateError as exc:
        return None, f"Not saved: {exc}"


def import_canned(db: Database, profile: ProfileStore) -> tuple[int, str]:
    count = template_service.import_chatwoot_canned(db, profile)
    return count, (f"Imported {count} canned responses from Chatwoot." if count
                   else "No Chatwoot canned responses synced yet.")


def import_file(profile: ProfileStore, path: Path) -> tuple[int, str]:
    try:
        count = template_service.import_json(profile, path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, template_service.TemplateError) as exc:
        return 0, f"Nothing imported: {exc}"
    return count, f"Imported {count} templates."


def export_file(profile: ProfileStore, path: Path) -> str:
    path.write_text(template_service.export_json(profile), encoding="utf-8")
    return f"Exported to {path}."


class TemplatesTab(QWidget):
    changed = Signal()  # templates were added, edited, deleted or imported
    done = Signal(str)  # a save, delete, import or export finished: what the status line says
    listed = Signal(int)  # the list was read again: how many templates it shows

    def __init__(self, ws: AppWorkspace, parent: QWidget | None = None, *, actions: ActionService | None = None,
                 runner: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.db, self.profile = ws.db, ws.profile
        self._actions = actions
        self.runner = runner or TaskRunner(self)
        self.conversation_id: int | None = None
        self.context: dict[str, Any] = {}
        self.current_id: int | None = None
        self.setAccessibleName("Templates")

        self.list = QListWidget()
        self.list.setAccessibleName("Templates")
        self.list.currentItemChanged.connect(lambda cur, _prev: self._load(cur))
        new = QPushButton("New")
        new.clicked.connect(self.new_template)
        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(self.delete_current)
        chatwoot = QPushButton("Import Chatwoot canned responses")
        chatwoot.clicked.connect(self.import_chatwoot)
        export = QPushButton("Export JSON…")
        export.clicked.connect(self._export_dialog)
        import_ = QPushButton("Import JSON…")
        import_.clicked.connect(self._import_dialog)
        self.bulk_button = QPushButton("Bulk answer…")
        self.bulk_button.clicked.connect(self.open_bulk_answer)
        self.bulk_button.setEnabled(actions is not None)  # answers are queued through the action service

        self.name = QLineEdit()
        self.shortcut = QLineEdit()
        self.shortcut.setPlaceholderText("/status")
        self.scope = QComboBox()
        self.scope.addItems(list(template_service.SCOPES))
        self.intents = QListWidget()
        self.intents.setMaximumHeight(120)
        for intent in HEADS["intent"]:
            item = QListWidgetItem(intent)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.intents.addItem(item)
        self.body = QPlainTextEdit()
        self.body.setAccessibleName("Template body (Jinja2)")
        self.body.setPlaceholderText("Hi {{ customer.first_name }}, order {{ order.number }} is {{ order.status }}…")
        self.problems = QLabel("")
        self.problems.setWordWrap(True)
        self.problems.setAccessibleName("Template problems")
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setAccessibleName("Preview on the open conversation")
        self.save_button = QPushButton("Save")
        self.save_button.clicked.connect(self.save)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(120)
        self._preview_timer.timeout.connect(self.refresh_preview)
        self.body.textChanged.connect(self._preview_timer.start)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.list, 1)
        for row in ((new, self.delete_button), (chatwoot,), (import_, export), (self.bulk_button,)):
            line = QHBoxLayout()
            for button in row:
                line.addWidget(button)
            left_layout.addLayout(line)
        right = QWidget()
        form = QFormLayout(right)
        form.addRow("Name", self.name)
        form.addRow("Shortcut", self.shortcut)
        form.addRow("Scope", self.scope)
        form.addRow("Answers intents", self.intents)
        form.addRow("Body", self.body)
        form.addRow("", self.problems)
        self.preview_label = QLabel("Preview (no conversation open)")
        form.addRow(self.preview_label, self.preview)
        form.addRow("", self.save_button)
        form.addRow("", self.status)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.reload()

    # --- list ------------------------------------------------------------------------------------------

    def reload(self, select: int | None = None) -> None:
        """Read the list again off the GUI thread, then select ``select`` (or the template shown)."""
        select = select if select is not None else self.current_id
        self.runner.submit(read_templates, self.db, self.profile, key=f"templates-{id(self)}",
                           on_done=lambda rows: self._show_list(rows, select))

    def _show_list(self, templates: list[template_service.TemplateRow], select: int | None) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        chosen = None
        for t in templates:
            tag = " (Chatwoot, read-only)" if t.synced else (" (personal)" if t.scope == "personal" else "")
            item = QListWidgetItem(f"{t.name}{tag}")
            item.setData(Qt.ItemDataRole.UserRole, t)
            self.list.addItem(item)
            if t.id == select:
                chosen = item
        self.list.blockSignals(False)
        if chosen is not None:
            self.list.setCurrentItem(chosen)
        elif self.list.count():
            self.list.setCurrentRow(0)
        self.listed.emit(self.list.count())

    def _load(self, item: QListWidgetItem | None) -> None:
        template = item.data(Qt.ItemDataRole.UserRole) if item else None
        self.current_id = template.id if template else None
        self.name.setText(template.name if template else "")
        self.shortcut.setText(template.shortcut if template else "")
        self.scope.setCurrentText(template.scope if template else "team")
        wanted = set(template.intents) if template else set()
        for row in range(self.intents.count()):
            it = self.intents.item(row)
            it.setCheckState(Qt.CheckState.Checked if it.text() in wanted else Qt.CheckState.Unchecked)
        # the list shows a few intents at a time: bring the first ticked one into view, so what a template
        # answers is seen without scrolling
        ticked = [self.intents.item(r) for r in range(self.intents.count()) if self.intents.item(r).text() in wanted]
        self.intents.scrollToItem(ticked[0] if ticked else self.intents.item(0),
                                  QAbstractItemView.ScrollHint.PositionAtTop)
        self.body.setPlainText(template.body if template else "")
        editable = template is None or not template.synced
        for widget in (self.name, self.shortcut, self.scope, self.intents, self.save_button, self.delete_button):
            widget.setEnabled(editable)
        self.body.setReadOnly(not editable)
        self.refresh_preview()

    def new_template(self) -> None:
        self.list.clearSelection()
        self._load(None)
        self.name.setFocus()

    def selected_intents(self) -> list[str]:
        return [self.intents.item(r).text() for r in range(self.intents.count())
                if self.intents.item(r).checkState() == Qt.CheckState.Checked]

    def save(self) -> None:
        """Save the form (a new template or the one shown) on a worker; ``done`` says how it went."""
        fields = {"name": self.name.text(), "body": self.body.toPlainText(), "shortcut": self.shortcut.text(),
                  "scope": self.scope.currentText(), "intents": self.selected_intents(),
                  "template_id": self.current_id}

        def saved(result: tuple[int | None, str]) -> None:
            tid, message = result
            if tid is not None:
                self.current_id = tid
            self._finished(message, changed=tid is not None, select=tid)

        self.runner.submit(save_template, self.profile, fields, on_done=saved, on_error=self._failed)

    def delete_current(self) -> None:
        if self.current_id is None:
            return

        def deleted(gone: bool) -> None:
            if gone:
                self.current_id = None
            self._finished("Deleted." if gone else "Not deleted: synced templates go away on their server.",
                           changed=gone)

        self.runner.submit(template_service.delete_template, self.profile, self.current_id, on_done=deleted,
                           on_error=self._failed)

    def _finished(self, message: str, *, changed: bool, select: int | None = None) -> None:
        self.status.setText(message)
        if changed:
            self.reload(select=select)
            self.changed.emit()
        self.done.emit(message)

    def _failed(self, message: str) -> None:
        self._finished(f"Failed: {message}", changed=False)

    # --- preview ---------------------------------------------------------------------------------------

    def showEvent(self, event) -> None:
        # Opened from the main window: preview on whatever conversation the inbox has open.
        current = getattr(getattr(self.window(), "page", None), "current_id", None)
        if isinstance(current, int) and current != self.conversation_id:
            self.set_conversation(current)
        super().showEvent(event)

    def set_conversation(self, conversation_id: int | None) -> None:
        """Preview templates on this conversation (its context is read off the GUI thread)."""
        self.conversation_id = conversation_id
        if conversation_id is None:
            self.context = {}
            self.preview_label.setText("Preview (no conversation open)")
            self.refresh_preview()
            return
        self.runner.submit(self._read_context, conversation_id, key="template-context",
                           on_done=partial(self._context_ready, conversation_id))

    def _read_context(self, conversation_id: int) -> dict[str, Any]:
        return template_service.conversation_context(self.db, conversation_id)

    def _context_ready(self, conversation_id: int, context: dict[str, Any]) -> None:
        if conversation_id != self.conversation_id:
            return
        self.context = context
        who = (context.get("customer") or {}).get("name") or f"conversation {conversation_id}"
        self.preview_label.setText(f"Preview for {who}")
        self.refresh_preview()

    def refresh_preview(self) -> None:
        body = self.body.toPlainText()
        result = render(body, self.context)  # pure Python on cached data: no SQL on the GUI thread
        notes = [p for p in check(body)]
        if result.error:
            notes.insert(0, f"Error: {result.error}")
        for name in result.missing:
            note = f"no value for {name} in this conversation"
            if f"unknown variable {name}" not in notes:
                notes.append(note)
        self.problems.setText("\n".join(f"⚠ {n}" for n in notes))
        self.preview.setPlainText(result.text)

    # --- import / export / bulk ------------------------------------------------------------------------

    def import_chatwoot(self) -> None:
        self.runner.submit(import_canned, self.db, self.profile, on_error=self._failed,
                           on_done=lambda result: self._finished(result[1], changed=bool(result[0])))

    def export_to(self, path: str | Path) -> None:
        self.runner.submit(export_file, self.profile, Path(path), on_error=self._failed,
                           on_done=lambda message: self._finished(message, changed=False))

    def import_from(self, path: str | Path) -> None:
        self.runner.submit(import_file, self.profile, Path(path), on_error=self._failed,
                           on_done=lambda result: self._finished(result[1], changed=bool(result[0])))

    def _export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export templates", "templates.json", "JSON (*.json)")
        if path:
            self.export_to(path)

    def _import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import templates", "", "JSON (*.json)")
        if path:
            self.import_from(path)

    def open_bulk_answer(self, *, show: bool = True):
        from deskapp.ui.bulk_answer import BulkAnswerDialog

        intents = self.selected_intents()
        dialog = BulkAnswerDialog(self.db, self.profile, self._actions,
                                  intent=intents[0] if intents else "order_status", template_id=self.current_id,
                                  runner=self.runner, parent=self)
        if show:
            dialog.open()
        return dialog
