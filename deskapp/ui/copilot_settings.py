"""Settings for AI drafts (URL, model, timeout, on/off; the API key only in the keyring), for Settings and the panel;
read and kept on a worker, since both the profile and the keyring can block (the GUI thread runs neither)."""

from __future__ import annotations

import functools

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from deskapp.services.suggestions import LLMConfig, SuggestionService
from deskapp.ui.tasks import TaskRunner

NOTICE = "Customer text is sent to this endpoint when you ask for a draft; nothing else is."


class LLMSettingsBox(QWidget):
    """Disabled until the kept settings arrive from a worker; Save stores them on a worker and says how it went."""

    loaded = Signal()
    saved = Signal()
    failed = Signal(str)  # why the settings were not saved

    def __init__(self, service: SuggestionService, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service, self.tasks = service, tasks
        self.ready = False
        self.saving = False
        self.enabled = QCheckBox("Offer AI drafts (an OpenAI-compatible endpoint: Ollama, llama.cpp, vLLM, hosted)")
        self.url = QLineEdit()
        self.model = QLineEdit()
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(5, 600)
        self.timeout.setSuffix(" s")
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.status = QLabel("Reading the settings…")
        self.status.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(self.enabled)
        form.addRow("Endpoint URL", self.url)
        form.addRow("Model", self.model)
        form.addRow("Timeout", self.timeout)
        form.addRow("API key", self.key)
        form.addRow(self.status)
        self.setEnabled(False)  # saving before the kept values arrive would overwrite them with blanks
        tasks.submit(service.llm_config, on_done=self.show_config, on_error=self._not_read, key="llm-settings")

    def show_config(self, cfg: LLMConfig) -> None:
        self.enabled.setChecked(cfg.enabled)
        self.url.setText(cfg.url)
        self.model.setText(cfg.model)
        self.timeout.setValue(cfg.timeout_s)
        self.key.setPlaceholderText("stored in the OS keyring" if cfg.has_key else "none (local endpoints need none)")
        self.status.setText(NOTICE)
        self.ready = True
        self.setEnabled(True)
        self.loaded.emit()

    def _not_read(self, message: str) -> None:
        self.status.setText(f"Could not read the settings: {message}")

    def save(self) -> bool:
        """Start saving on a worker; False when there is nothing to save yet (still reading, or saving)."""
        if not self.ready or self.saving:
            return False
        self.saving = True
        self.setEnabled(False)
        self.status.setText("Saving…")
        key = self.key.text()
        save = functools.partial(self.service.save_llm_config, url=self.url.text(), model=self.model.text(),
                                 enabled=self.enabled.isChecked(), timeout_s=self.timeout.value(),
                                 api_key=key or None)
        self.tasks.submit(save, on_done=self._saved, on_error=self._not_saved, key="llm-settings")
        return True

    def _saved(self, _result: object) -> None:
        self.saving = False
        self.setEnabled(True)
        self.key.clear()
        self.status.setText("Saved.")
        self.saved.emit()

    def _not_saved(self, message: str) -> None:  # a bad URL or a locked keyring: say so, keep what was typed
        self.saving = False
        self.setEnabled(True)
        self.status.setText(f"Not saved: {message}")
        self.failed.emit(message)


class LLMSettingsDialog(QDialog):
    """Save closes the dialog once the settings are kept; when they cannot be, it stays open with the reason."""

    def __init__(self, service: SuggestionService, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("AI drafts")
        self.box = LLMSettingsBox(service, tasks, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(False)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        self.box.loaded.connect(lambda: self.save_button.setEnabled(True))
        self.box.saved.connect(self.accept)
        self.box.failed.connect(lambda _message: self.save_button.setEnabled(True))
        layout = QVBoxLayout(self)
        layout.addWidget(self.box)
        layout.addWidget(buttons)

    def _save(self) -> None:
        if self.box.save():
            self.save_button.setEnabled(False)
