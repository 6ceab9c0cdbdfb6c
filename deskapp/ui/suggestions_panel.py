"""The suggestions panel beside the composer: replies and help articles with their source, Tab inserts one,
a streamed AI draft with the articles it used listed under it.

``accepted(str)`` carries text for the composer (a whole suggestion, an article's excerpt and link, or each
streamed piece of an AI draft); nothing here ever sends a message.
"""

from __future__ import annotations

import logging
from functools import partial

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from deskapp.copilot.model import HEADS
from deskapp.services import triage as triage_service
from deskapp.services.suggestions import DraftStream, GroundedDraft, LLMError, Suggestion, SuggestionService
from deskapp.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


class _List(QListWidget):
    current_accepted = Signal()

    def event(self, event: QEvent) -> bool:
        # Qt turns Tab into focus navigation before keyPressEvent sees it; here Tab means "insert".
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() == Qt.Key.Key_Tab and not event.modifiers():
            self.current_accepted.emit()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.current_accepted.emit()
            return
        super().keyPressEvent(event)


class SuggestionsPanel(QWidget):
    accepted = Signal(str)
    draft_delta_received = Signal(str)  # each streamed piece of an AI draft (also sent through ``accepted``)
    draft_finished = Signal(str)
    draft_failed = Signal(str)
    suggestions_shown = Signal(int)  # suggestions for the open conversation arrived
    triage_corrected = Signal(int)  # the agent changed a label of this conversation (views may refresh)

    def __init__(self, service: SuggestionService, parent: QWidget | None = None, *,
                 runner: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = runner or TaskRunner(self)  # its own by default: a streamed draft holds a thread for long
        self.conversation_id: int | None = None
        self.suggestions: list[Suggestion] = []
        self._draft: DraftStream | None = None
        self.setAccessibleName("Reply suggestions")

        self.title = QLabel("<b>Suggestions</b>")
        self.list = _List()
        self.list.setWordWrap(True)
        self.list.setAccessibleName("Suggested replies: Tab or Enter inserts the selected one")
        self.list.setMaximumHeight(170)
        self.list.current_accepted.connect(self.accept_current)
        self.list.itemActivated.connect(lambda _item: self.accept_current())
        self.insert_button = QPushButton("Insert")
        self.insert_button.setToolTip("Insert the selected suggestion into the composer (Tab)")
        self.insert_button.clicked.connect(self.accept_current)
        self.draft_button = QPushButton("Draft with AI")
        self.draft_button.setToolTip("Stream a draft from the LLM set in Settings into the composer")
        self.draft_button.clicked.connect(self.toggle_draft)
        self.settings_button = QPushButton("AI settings…")
        self.settings_button.clicked.connect(self.open_llm_settings)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        # The help articles the last AI draft relied on (linked in its text), so the agent can check them.
        self.sources = QLabel("")
        self.sources.setWordWrap(True)
        self.sources.setTextFormat(Qt.TextFormat.PlainText)
        self.sources.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sources.setAccessibleName("Articles the AI draft used")
        self.sources.hide()
        # The triage labels of the open conversation; changing one is a correction the model learns from.
        self.label_boxes: dict[str, QComboBox] = {}
        labels = QHBoxLayout()
        for head in HEADS:
            box = QComboBox()
            box.addItem("–", None)
            for value in HEADS[head]:
                box.addItem(value.replace("_", " "), value)
            box.setToolTip(f"Correct the {head} label (kept, and used by `deskapp triage retrain`)")
            box.setAccessibleName(f"{head} label")
            box.activated.connect(lambda _i, h=head: self._correct(h))
            labels.addWidget(box)
            self.label_boxes[head] = box

        buttons = QHBoxLayout()
        buttons.addWidget(self.insert_button)
        buttons.addWidget(self.draft_button)
        buttons.addWidget(self.settings_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(labels)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.sources)
        self.draft_delta_received.connect(self._on_delta)
        self._update_buttons()

    # --- suggestions -----------------------------------------------------------------------------------

    def set_conversation(self, conversation_id: int | None) -> None:
        """Load suggestions for the conversation now open (off the GUI thread; the latest request wins)."""
        self.cancel_draft()
        self.conversation_id = conversation_id
        self.show_sources(())
        self.show_suggestions([])
        self.show_labels({})
        if conversation_id is None:
            return
        self.status.setText("Finding suggestions…")
        self.runner.submit(self._load, conversation_id, key="suggestions",
                           on_done=lambda result: self._loaded(conversation_id, *result),
                           on_error=self._failed)

    def _load(self, conversation_id: int) -> tuple[list[Suggestion], dict[str, str | None]]:
        labels = triage_service.labels(self.service.db, conversation_id)
        return self.service.suggest(conversation_id), labels

    def _loaded(self, conversation_id: int, suggestions: list[Suggestion], labels: dict[str, str | None]) -> None:
        if conversation_id != self.conversation_id:
            return
        self.show_labels(labels)
        self.show_suggestions(suggestions)
        self.suggestions_shown.emit(len(self.suggestions))

    def _failed(self, message: str) -> None:
        self.status.setText(f"Suggestions unavailable: {message}")

    def show_suggestions(self, suggestions: list[Suggestion]) -> None:
        self.suggestions = list(suggestions)
        self.list.clear()
        for n, s in enumerate(self.suggestions, 1):
            first_lines = " ".join(s.text.split())[:160]
            item = QListWidgetItem(f"{n}. [{s.source_label}] {s.title}\n{first_lines}")
            tip = s.text if not s.missing else s.text + "\n\nMissing data: " + ", ".join(s.missing)
            if s.url:
                tip = f"{s.title}\n{s.url}\n\nInserting puts this excerpt and the link into the composer."
            item.setToolTip(tip)
            item.setData(Qt.ItemDataRole.UserRole, n - 1)
            self.list.addItem(item)
        if self.suggestions:
            self.list.setCurrentRow(0)
            self.status.setText("Tab inserts the selected reply; nothing is sent until you send it.")
        elif self.conversation_id is not None:
            self.status.setText("No suggestions for this conversation.")
        else:
            self.status.setText("")
        self._update_buttons()

    def showEvent(self, event) -> None:
        # Beside the main window's composer, Tab there should work without extra wiring.
        if getattr(self, "_composer", None) is None:
            page = getattr(self.window(), "page", None)
            editor = getattr(getattr(page, "composer", None), "editor", None)
            if isinstance(editor, QWidget):
                self.attach_composer(editor)
        super().showEvent(event)

    def attach_composer(self, editor: QWidget) -> None:
        """Tab in an empty composer inserts the selected suggestion (with text in it, Tab stays the composer's)."""
        self._composer = editor
        editor.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is getattr(self, "_composer", None) and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Tab and not event.modifiers():
            text = watched.toPlainText() if hasattr(watched, "toPlainText") else ""
            if not text.strip() and self.suggestions:
                return self.accept_current()
        return super().eventFilter(watched, event)

    def show_labels(self, labels: dict[str, str | None]) -> None:
        for head, box in self.label_boxes.items():
            index = box.findData(labels.get(head))
            box.setCurrentIndex(max(0, index))

    def _correct(self, head: str) -> None:
        value = self.label_boxes[head].currentData()
        cid = self.conversation_id
        if cid is None or value is None:
            return
        # A write waits for the sync's write lock: never on the GUI thread.
        self.runner.submit(triage_service.correct_label, self.service.db, self.service.profile, cid, head, value,
                           on_done=lambda _r: self._corrected(cid, head, value),
                           on_error=lambda message: self.status.setText(f"Label not changed: {message}"))

    def _corrected(self, conversation_id: int, head: str, value: str) -> None:
        self.status.setText(f"{head.capitalize()} set to {value.replace('_', ' ')}; sync will keep your label.")
        self.triage_corrected.emit(conversation_id)
        if head == "intent" and conversation_id == self.conversation_id:
            self.set_conversation(conversation_id)  # suggestions follow the corrected intent

    def open_llm_settings(self) -> None:
        from deskapp.ui.copilot_settings import LLMSettingsDialog

        self.settings_dialog = LLMSettingsDialog(self.service, self.runner, self)
        self.settings_dialog.open()

    def accept_current(self) -> bool:
        row = self.list.currentRow()
        return self.accept(row if row >= 0 else 0)

    def accept(self, index: int) -> bool:
        if not 0 <= index < len(self.suggestions):
            return False
        self.accepted.emit(self.suggestions[index].text)
        return True

    # --- AI draft ----------------------------------------------------------------------------------------

    def toggle_draft(self) -> None:
        if self._draft is not None:
            self.cancel_draft()
        else:
            self.start_draft()

    def start_draft(self) -> bool:
        if self.conversation_id is None or self._draft is not None:
            return False
        cfg = self.service.llm_config()
        if not cfg.enabled:
            self.status.setText("Set up an LLM endpoint (AI settings…) to get AI drafts.")
            return False
        handle = DraftStream()
        self._draft = handle
        self.show_sources(())
        self.status.setText(f"Drafting with {cfg.model}… (click Stop to cancel)")
        self._update_buttons()
        self.runner.submit(self._run_draft, self.conversation_id, handle,
                           on_done=partial(self._draft_done, handle), on_error=partial(self._draft_error, handle))
        return True

    def _run_draft(self, conversation_id: int, handle: DraftStream) -> GroundedDraft | None:
        try:
            return self.service.grounded_draft(conversation_id, on_delta=self.draft_delta_received.emit,
                                               handle=handle)
        except LLMError as exc:
            if handle.cancelled:
                return None
            raise RuntimeError(str(exc)) from exc

    def _on_delta(self, piece: str) -> None:
        if self._draft is not None and not self._draft.cancelled:
            self.accepted.emit(piece)

    def _draft_done(self, handle: DraftStream, draft: GroundedDraft | None) -> None:
        if handle is not self._draft:
            return
        self._draft = None
        self._update_buttons()
        if draft is None:
            self.status.setText("Draft cancelled.")
            return
        self.status.setText("AI draft inserted: review and edit it before sending.")
        self.show_sources(draft.used)
        self.draft_finished.emit(draft.text)

    def show_sources(self, used) -> None:
        """List under the draft the help articles it used (title and link), or hide the list."""
        if not used:
            self.sources.hide()
            self.sources.setText("")
            return
        self.sources.setText("Articles used in this draft:\n" + "\n".join(f"• {a.title} – {a.url}" for a in used))
        self.sources.show()

    def _draft_error(self, handle: DraftStream, message: str) -> None:
        if handle is not self._draft:
            return
        self._draft = None
        self._update_buttons()
        self.status.setText(f"AI draft failed: {message.removeprefix('RuntimeError: ')}")
        self.draft_failed.emit(message)

    def cancel_draft(self) -> None:
        if self._draft is not None:
            self._draft.cancel()
            self._draft = None
            self.status.setText("Draft cancelled.")
            self._update_buttons()

    def _update_buttons(self) -> None:
        self.insert_button.setEnabled(bool(self.suggestions))
        self.draft_button.setText("Stop" if self._draft is not None else "Draft with AI")
        self.draft_button.setEnabled(self.conversation_id is not None)
        for box in self.label_boxes.values():
            box.setEnabled(self.conversation_id is not None)
