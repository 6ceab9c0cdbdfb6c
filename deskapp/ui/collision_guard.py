"""Collision for the inbox page: the line above the composer saying who else is typing in the open
conversation, the agent's own typing status sent to the hub, and the check before a reply goes out.

``before_send(conversation_id, proceed)`` asks the collision service (on a worker: the cache, and the hub
when it is reachable) whether someone else replied since the agent opened the conversation; if so a dialog
says who and what, with "Send anyway" and "Review" (the default, and Escape): review keeps the text in the
composer and counts what is on screen now as seen.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QBoxLayout, QLabel, QMessageBox, QWidget

from deskapp.services.collision import CollisionService, OtherReply, SeenMark
from deskapp.services.presence import PresenceBoard
from deskapp.services.typing_status import TypingSender
from deskapp.ui.inbox_page import InboxPage
from deskapp.ui.tasks import TaskRunner

TYPING_EVERY_MS = 1000  # the typing line is read again this often (typing expires after a few seconds)


def typing_text(names: list[str]) -> str:
    if not names:
        return ""
    if len(names) == 1:
        return f"{names[0]} is typing…"
    return f"{', '.join(names[:-1])} and {names[-1]} are typing…"


def warning_text(replies: list[OtherReply]) -> str:
    lines = []
    for r in replies[-3:]:
        when = datetime.fromtimestamp(r.sent_at).strftime("%H:%M")
        snippet = r.text if len(r.text) <= 140 else r.text[:139] + "…"
        lines.append(f"<p><b>{html.escape(r.author)}</b> at {when}: {html.escape(snippet)}</p>")
    more = f"<p>…and {len(replies) - 3} more.</p>" if len(replies) > 3 else ""
    return "".join(lines) + more


class CollisionGuard(QObject):
    def __init__(self, page: InboxPage, tasks: TaskRunner, collision: CollisionService | None,
                 typing: TypingSender | None, board: PresenceBoard | None, parent: QWidget) -> None:
        super().__init__(parent)
        self.page, self.tasks, self.collision, self.typing, self.board = page, tasks, collision, typing, board
        self.window = parent
        self.marks: dict[int, SeenMark] = {}
        self.dialog: QMessageBox | None = None
        self.line = QLabel()
        self.line.setAccessibleName("Others in this conversation")
        self.line.setStyleSheet("color: palette(mid); font-style: italic;")
        self.line.hide()
        # the line sits right above the composer, in the composer's own column
        column = page.composer.parentWidget()
        column_layout = column.layout() if column is not None else None
        if isinstance(column_layout, QBoxLayout):
            column_layout.insertWidget(column_layout.indexOf(page.composer), self.line)
        page.conversation_shown.connect(self._opened)
        page.composer.editor.textChanged.connect(self._typed)
        self._timer = QTimer(self)
        self._timer.setInterval(TYPING_EVERY_MS)
        self._timer.timeout.connect(self.show_typing)
        if board is not None:
            self._timer.start()

    # --- who else is here ---------------------------------------------------------------------------

    def show_typing(self) -> None:
        head = self.page.opened.thread.header if self.page.opened else None
        if self.board is None or head is None or head.id != self.page.current_id:
            self.line.hide()
            return
        # Chatwoot does not send typists their own typing, so whoever is listed is someone else
        names = [t.name for t in self.board.typing(head.account_id, head.external_id)]
        text = typing_text(names)
        self.line.setText(text)
        self.line.setVisible(bool(text))

    def _typed(self) -> None:
        cid = self.page.current_id
        composer = self.page.composer
        if self.typing is None or cid is None:
            return
        if composer.text().strip() and composer.editor.hasFocus():
            self.typing.typed(cid, composer.is_note)
        else:
            self.typing.stopped()

    # --- before a reply goes out --------------------------------------------------------------------

    def _opened(self, conversation_id: int) -> None:
        if self.typing is not None:
            self.typing.stopped()  # whatever was typed elsewhere is over
        self.show_typing()
        if self.collision is not None:
            self.tasks.submit(self.collision.mark, conversation_id,
                              on_done=lambda mark: self.marks.__setitem__(conversation_id, mark))

    def before_send(self, conversation_id: int, proceed: Callable[[], None]) -> None:
        """Call ``proceed`` now, or once the agent chose "Send anyway"; never when they chose to review."""
        if self.typing is not None:
            self.typing.stopped()
        mark = self.marks.get(conversation_id)
        if self.collision is None or mark is None:
            proceed()
            return
        started = time.monotonic()

        def checked(replies: list[OtherReply]) -> None:
            if self.page.current_id != conversation_id:  # moved on meanwhile: the text stayed as that draft
                self.page.composer.show_status("Not sent: you left the conversation before it went out")
                return
            if not replies:
                proceed()
                return
            self.warn(conversation_id, replies, proceed)

        def failed(message: str) -> None:  # the check is a help, not a gate: the reply still goes out
            self.page.composer.show_status(f"Could not check for other replies ({message})")
            proceed()

        self.page.composer.show_status("Checking for other replies…")
        self.tasks.submit(self.collision.replies_since, mark, on_done=checked, on_error=failed,
                          key=f"collision-{id(self)}-{started}")

    def warn(self, conversation_id: int, replies: list[OtherReply], proceed: Callable[[], None]) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Someone else replied",
                          f"<p>{len(replies)} repl{'y' if len(replies) == 1 else 'ies'} went to the customer after "
                          "you opened this conversation:</p>" + warning_text(replies), parent=self.window)
        box.setAccessibleName("Someone else replied")
        send = box.addButton("&Send anyway", QMessageBox.ButtonRole.AcceptRole)
        review = box.addButton("&Review", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(review)  # Enter does the safe thing; Escape too
        box.setEscapeButton(review)
        self.dialog = box

        def decided() -> None:
            self.dialog = None
            if box.clickedButton() is send:
                proceed()
                return
            self.page.composer.show_status("Not sent: read the new replies first")
            self.page.reload_conversation()  # what the others wrote, on screen; the text stays in the composer
            if self.collision is not None:
                self.tasks.submit(self.collision.mark, conversation_id,
                                  on_done=lambda mark: self.marks.__setitem__(conversation_id, mark))

        box.finished.connect(lambda _r: decided())
        box.open()
