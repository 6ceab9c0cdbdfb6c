"""The composer under the thread: reply/note toggle, template shortcuts, Ctrl+Enter to send, an undo bar."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from deskapp.services.inbox import channel_title
from deskapp.ui import icons

_SLASH = re.compile(r"(?:^|\s)/([\w-]*)$")


class _Editor(QPlainTextEdit):
    send_pressed = Signal()
    escape_pressed = Signal()
    slash_typed = Signal(str)  # "/word" then Tab: expand the template with that shortcut

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and mods & Qt.KeyboardModifier.ControlModifier:
            self.send_pressed.emit()
            return
        if key == Qt.Key.Key_Escape:
            self.escape_pressed.emit()
            return
        if key == Qt.Key.Key_Tab and not mods:
            before = self.textCursor().block().text()[: self.textCursor().positionInBlock()]
            match = _SLASH.search(before)
            if match:
                self.slash_typed.emit(match.group(1))
                return
        super().keyPressEvent(event)

    def take_slash_word(self) -> None:
        """Remove the '/word' just before the cursor (it is being replaced by a template)."""
        cursor = self.textCursor()
        before = cursor.block().text()[: cursor.positionInBlock()]
        match = _SLASH.search(before)
        if match:
            length = len(match.group(1)) + 1
            for _ in range(length):
                cursor.deletePreviousChar()
            self.setTextCursor(cursor)


class Composer(QWidget):
    """``send_requested(text, is_note)``, ``undo_requested()``, ``draft_changed(text, is_note)``,
    ``template_requested(filter)`` (the window opens the picker and calls ``insert_text``)."""

    send_requested = Signal(str, bool)
    undo_requested = Signal()
    draft_changed = Signal(str, bool)
    template_requested = Signal(str)
    escape_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Composer")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        bar = QHBoxLayout()
        self.reply_button = QPushButton(icons.icon("reply"), "Reply")
        self.reply_button.setAccessibleName("Reply mode")
        self.note_button = QPushButton(icons.icon("note"), "Internal note")
        self.note_button.setAccessibleName("Internal note mode")
        for b in (self.reply_button, self.note_button):
            b.setCheckable(True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.reply_button.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.reply_button)
        group.addButton(self.note_button)
        group.setExclusive(True)
        group.buttonToggled.connect(lambda *_: self._mode_changed())
        self.channel_label = QLabel()
        # clipped rather than widening the thread pane: the buttons beside it matter more
        self.channel_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.template_button = QToolButton()
        self.template_button.setIcon(icons.icon("templates"))
        self.template_button.setText("Templates")
        self.template_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.template_button.setAccessibleName("Insert a template")
        self.template_button.setToolTip("Insert a template (Ctrl+T, or type /shortcut then Tab)")
        self.template_button.clicked.connect(lambda: self.template_requested.emit(""))
        bar.addWidget(self.reply_button)
        bar.addWidget(self.note_button)
        bar.addWidget(self.channel_label, 1)
        bar.addWidget(self.template_button)
        self.editor = _Editor()
        self.editor.setAccessibleName("Message text")
        self.editor.setPlaceholderText("Write a reply… (Ctrl+Enter sends)")
        self.editor.setTabChangesFocus(False)
        self.editor.setMaximumHeight(160)
        self.editor.setMinimumHeight(70)
        self.editor.send_pressed.connect(self.send)
        self.editor.escape_pressed.connect(self.escape_pressed.emit)
        self.editor.slash_typed.connect(self._slash)
        self.editor.textChanged.connect(self._text_changed)
        bottom = QHBoxLayout()
        self.undo_label = QLabel()
        self.undo_label.setAccessibleName("Send status")
        self.undo_button = QPushButton("Undo")
        self.undo_button.setAccessibleName("Undo send")
        self.undo_button.clicked.connect(self.undo_requested.emit)
        self.undo_button.hide()
        self.send_button = QPushButton(icons.icon("send"), "Send")
        self.send_button.setAccessibleName("Send")
        self.send_button.setDefault(False)
        self.send_button.clicked.connect(self.send)
        bottom.addWidget(self.undo_label, 1)
        bottom.addWidget(self.undo_button)
        bottom.addWidget(self.send_button)
        layout.addLayout(bar)
        layout.addWidget(self.editor)
        layout.addLayout(bottom)
        self._channel = ""
        self._loading = False
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(700)
        self._draft_timer.timeout.connect(self._emit_draft)

    # --- state -------------------------------------------------------------------------------------

    @property
    def is_note(self) -> bool:
        return self.note_button.isChecked()

    def text(self) -> str:
        return self.editor.toPlainText()

    def set_channel(self, channel: str) -> None:
        self._channel = channel
        self._mode_changed()

    def load(self, body: str, is_note: bool) -> None:
        """Show a conversation's draft (without reporting it back as a change)."""
        self._loading = True
        self._draft_timer.stop()
        (self.note_button if is_note else self.reply_button).setChecked(True)
        self.editor.setPlainText(body)
        self.editor.moveCursor(self.editor.textCursor().MoveOperation.End)
        self._loading = False

    def set_mode(self, note: bool) -> None:
        (self.note_button if note else self.reply_button).setChecked(True)
        self.editor.setFocus()

    def insert_text(self, text: str) -> None:
        self.editor.take_slash_word()
        self.editor.insertPlainText(text)
        self.editor.setFocus()

    def flush_draft(self) -> None:
        if self._draft_timer.isActive():
            self._draft_timer.stop()
            self._emit_draft()

    def show_pending(self, seconds_left: int) -> None:
        self.undo_label.setText(f"Sending in {seconds_left} s…")
        self.undo_button.show()

    def show_status(self, text: str) -> None:
        self.undo_label.setText(text)
        self.undo_button.hide()

    # --- internals ---------------------------------------------------------------------------------

    def _mode_changed(self) -> None:
        if self.is_note:
            self.channel_label.setText("Visible to your team only")
            self.editor.setPlaceholderText("Write an internal note… (Ctrl+Enter adds it)")
            self.editor.setStyleSheet("QPlainTextEdit { background: palette(alternate-base); }")
        else:
            where = channel_title(self._channel) if self._channel else "the conversation's channel"
            self.channel_label.setText(f"Replies via {where}")
            self.editor.setPlaceholderText("Write a reply… (Ctrl+Enter sends)")
            self.editor.setStyleSheet("")
        if not self._loading:
            self._text_changed()

    def _text_changed(self) -> None:
        if not self._loading:
            self._draft_timer.start()

    def _emit_draft(self) -> None:
        self.draft_changed.emit(self.text(), self.is_note)

    def _slash(self, word: str) -> None:
        self.template_requested.emit("/" + word)

    def send(self) -> None:
        body = self.text().strip()
        if not body:
            return
        self._draft_timer.stop()
        self.send_requested.emit(body, self.is_note)
