"""The thread pane's reading widget: a QTextBrowser that loads nothing remote, filled in small chunks.

Rendering happens in a worker (see thread_html); here the blocks are appended a few at a time from
the event loop, so even a 5,000-message thread never blocks the GUI thread for long.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtGui import QImage, QTextCursor, QTextDocument
from PySide6.QtWidgets import QTextBrowser, QWidget

from deskapp.ui.thread_html import RenderedMessage

CHUNK_BUDGET_S = 0.010  # time spent inserting blocks per event-loop turn
CHUNK_CHARS = 12_000
CHUNK_MESSAGES = 8


class SafeBrowser(QTextBrowser):
    """Never fetches: http(s), file and every other scheme answer nothing; only data: images and
    resources we added ourselves (images the agent chose to load) are shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.blocked: list[str] = []  # addresses refused, for tests and diagnostics

    def loadResource(self, kind: int, url: QUrl | str):
        url = QUrl(url) if isinstance(url, str) else url
        if url.scheme().lower() == "data":
            return super().loadResource(kind, url)
        self.blocked.append(url.toString())
        return None


class ThreadView(SafeBrowser):
    """Shows a list of rendered messages; ``link_activated(str)`` carries deskapp:/http(s) links."""

    link_activated = Signal(str)
    render_finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Conversation thread")
        self.setObjectName("threadView")
        self.anchorClicked.connect(lambda url: self.link_activated.emit(url.toString()))
        self._queue: list[str] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._pump)
        self._finish_timer = QTimer(self)  # owned: never fires into a deleted view
        self._finish_timer.setSingleShot(True)
        self._finish_timer.setInterval(0)
        self._finish_timer.timeout.connect(self._finish)
        self._generation = 0
        self.blocks: list[RenderedMessage] = []
        self.rendering = False

    def show_placeholder(self, text: str) -> None:
        self._queue.clear()
        self.rendering = False
        self.blocks = []
        self.setHtml(f'<p align="center" style="color:gray;"><br><br>{text}</p>')

    def show_messages(self, blocks: list[RenderedMessage], *, preface: str = "", footer: str = "") -> None:
        """Replace the content; the newest messages stay in view (scrolled to the bottom at the end)."""
        self._generation += 1
        self.blocks = list(blocks)
        self.clear()
        self.document().setDefaultStyleSheet("a { text-decoration: none; }")
        self._queue = ([preface] if preface else []) + [part for b in blocks for part in b.parts] + (
            [footer] if footer else [])
        self.rendering = True
        self._pump(first=True)

    def add_image(self, url: str, data: bytes) -> bool:
        image = QImage.fromData(data)
        if image.isNull():
            return False
        self.document().addResource(QTextDocument.ResourceType.ImageResource, QUrl(url), image)
        return True

    def _pump(self, first: bool = False) -> None:
        start = time.perf_counter()
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        batch: list[str] = []
        size = 0
        while self._queue:
            html = self._queue.pop(0)
            batch.append(html)
            size += len(html)
            if size > CHUNK_CHARS or len(batch) >= CHUNK_MESSAGES:
                cursor.insertHtml("".join(batch))
                batch, size = [], 0
                if time.perf_counter() - start > CHUNK_BUDGET_S:
                    break
        if batch:
            cursor.insertHtml("".join(batch))
        # Lay out what was just added now, a chunk at a time: left for later, the whole document would be
        # laid out in one go when we scroll to the newest message (hundreds of ms for thousands of them).
        self.document().documentLayout().documentSize()
        if self._queue:
            self._timer.start()
        else:
            self.rendering = False
            self._finish_timer.start()

    def _finish(self) -> None:
        bar = self.verticalScrollBar()  # the newest message in view, once: asking earlier lays out every chunk
        bar.setValue(bar.maximum())
        self.render_finished.emit()
