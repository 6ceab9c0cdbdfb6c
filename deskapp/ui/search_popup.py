"""Search as you type (`/`) for the main window: messages, customers and order numbers; Enter opens the result."""

from __future__ import annotations

import html as html_lib
import re
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from deskapp.ui.tasks import TaskRunner

MIN_CHARS = 3  # searched as you type from the third letter (digits, as order numbers, at once)
_MARK = re.compile(r"\[(/?)(b|mark)\]|<(/?)(b|mark)>")


def run_search(db, query: str, limit: int = 50) -> tuple[str, list[Any], float]:
    """Worker side: C's FTS search; returns (query, hits, seconds)."""
    from deskapp.services.search import search

    start = time.perf_counter()
    hits = search(db, query, limit=limit)
    return query, list(hits), time.perf_counter() - start


class SearchPopup(QDialog):
    """``conversation_opened(conversation_id, message_id or 0)`` when a result is chosen."""

    conversation_opened = Signal(int, int)

    def __init__(self, db, tasks: TaskRunner, parent: QWidget | None = None, *,
                 searcher: Callable[..., tuple[str, list[Any], float]] = run_search) -> None:
        super().__init__(parent)
        self.db, self.tasks, self.searcher = db, tasks, searcher
        self.setWindowTitle("Search")
        self.setAccessibleName("Search")
        self.resize(640, 460)
        layout = QVBoxLayout(self)
        self.query = QLineEdit()
        self.query.setPlaceholderText("Search messages, customers, order numbers…")
        self.query.setAccessibleName("Search query")
        self.query.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setAccessibleName("Search results")
        self.results.setWordWrap(True)
        self.info = QLabel()
        self.info.setAccessibleName("Search status")
        layout.addWidget(self.query)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.info)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(60)
        self._timer.timeout.connect(self._run)
        self.query.textChanged.connect(lambda _t: self._timer.start())
        self.query.installEventFilter(self)
        self.results.itemActivated.connect(self._open)
        self.last_hits: list[Any] = []
        self._shown_query = ""

    def start(self, text: str = "") -> None:
        self.query.setText(text)
        self.query.setFocus()
        self.query.selectAll()

    def _run(self) -> None:
        text = self.query.text().strip()
        if not text:
            self.results.clear()
            self.info.clear()
            return
        if len(text) < MIN_CHARS and not text.lstrip("#").isdigit():
            # One or two letters match a large share of a million messages; nobody reads those results.
            self._shown_query = text
            self.info.setText("Keep typing…")
            return
        self.tasks.submit(self.searcher, self.db, text, on_done=self._show, on_error=self._failed, key="search")

    def _failed(self, message: str) -> None:
        self.info.setText(f"Search failed: {message}")

    def _show(self, result: tuple[str, list[Any], float]) -> None:
        query, hits, seconds = result
        if query != self.query.text().strip():
            return
        self.last_hits = hits
        self._shown_query = query
        self.results.clear()
        for hit in hits:
            snippet = _MARK.sub("", str(getattr(hit, "snippet", "") or ""))
            who = getattr(hit, "customer", "") or ""
            subject = getattr(hit, "subject", "") or ""
            kind = getattr(hit, "kind", "message")
            label = f"{who} — {subject}\n{' '.join(snippet.split())[:200]}"
            item = QListWidgetItem(label if kind == "message" else f"[{kind}] {label}")
            item.setData(Qt.ItemDataRole.UserRole, (int(hit.conversation_id or 0),
                                                    int(getattr(hit, "message_id", 0) or 0)))
            if not hit.conversation_id:  # a customer or order with no conversation yet: shown, not openable
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            item.setToolTip(html_lib.escape(snippet[:400]))
            self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)
        self.info.setText(f"{len(hits)} result(s) in {seconds * 1000:.0f} ms — Enter opens, Esc closes")

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.query and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                step = 1 if key == Qt.Key.Key_Down else -1
                self.results.setCurrentRow(max(0, min(self.results.count() - 1, self.results.currentRow() + step)))
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self._timer.isActive() or not self.results.count():
                    self._timer.stop()
                    self._run()
                    return True
                self._open(self.results.currentItem())
                return True
        return super().eventFilter(obj, event)

    def _open(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        conversation_id, message_id = item.data(Qt.ItemDataRole.UserRole)
        if not conversation_id:
            return
        self.conversation_opened.emit(conversation_id, message_id)
        self.accept()
