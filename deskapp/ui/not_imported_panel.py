"""The accounts list's panel of mailbox messages the sync could not import: what each is and why, and its
raw source saved to a folder the agent picks (or opened in the system's mail program). Hidden while
every message imported; reads and writes run on the TaskRunner."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from deskapp.services import mail_problems
from deskapp.ui.tasks import TaskRunner


def describe(failure: mail_problems.ImportFailure, account_names: dict[int, str]) -> str:
    since = datetime.fromtimestamp(failure.first_failed_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    account = account_names.get(failure.account_id, f"account {failure.account_id}")
    return (f"{account} · {failure.folder} · message {failure.uid} — {failure.reason}"
            f" (tried {failure.attempts}×, since {since})")


class NotImportedPanel(QWidget):
    """``reload(account_names)`` after each sync or account change; empty -> hidden."""

    def __init__(self, db, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.tasks = db, tasks
        self.failures: list[mail_problems.ImportFailure] = []
        self.setAccessibleName("Messages not imported")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAccessibleName("Messages not imported")
        self.list.setWordWrap(True)
        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open source")
        self.save_button = QPushButton("Save source…")
        for button in (self.open_button, self.save_button):
            button.setAccessibleName(button.text().rstrip("…"))
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.result = QLabel()
        self.result.setAccessibleName("Source result")
        self.result.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        self.open_button.clicked.connect(self.open_source)
        self.save_button.clicked.connect(self.save_source)
        self.setVisible(False)

    def reload(self, account_names: dict[int, str]) -> None:
        self.tasks.submit(mail_problems.import_failures, self.db,
                          on_done=lambda found: self._show(found, account_names), on_error=self.result.setText)

    def _show(self, failures: list, account_names: dict[int, str]) -> None:
        self.failures = failures
        self.list.clear()
        for failure in failures:
            item = QListWidgetItem(describe(failure, account_names))
            item.setData(Qt.ItemDataRole.UserRole, failure.id)
            self.list.addItem(item)
        self.title.setText(f"⚠ {len(failures)} message(s) could not be imported. The sync tries them again on "
                           "every pass; meanwhile their source can be opened or saved.")
        if failures:
            self.list.setCurrentRow(0)
        self.setVisible(bool(failures))

    def _selected(self) -> mail_problems.ImportFailure | None:
        row = self.list.currentRow()
        return self.failures[row] if 0 <= row < len(self.failures) else None

    def save_source(self, folder: str | None = None) -> None:
        failure = self._selected()
        if failure is None:
            return
        folder = folder or QFileDialog.getExistingDirectory(self, "Save the message's source in")
        if folder:
            self._write(failure, Path(folder), opened=False)

    def open_source(self) -> None:
        failure = self._selected()
        if failure is not None:
            self._write(failure, Path(tempfile.mkdtemp(prefix="deskapp-source-")), opened=True)

    def _write(self, failure, folder: Path, *, opened: bool) -> None:
        def done(path: Path) -> None:
            self.result.setText(f"Saved {path}")
            if opened:
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        self.tasks.submit(mail_problems.save_raw_source, self.db, failure, folder, on_done=done,
                          on_error=lambda message: self.result.setText(f"✘ {message}"))
