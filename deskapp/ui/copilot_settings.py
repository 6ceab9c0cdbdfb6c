"""Settings for AI drafts (URL, model, timeout, on/off; the API key only in the keyring), for Settings and the panel."""

from __future__ import annotations

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

from deskapp.services.suggestions import SuggestionService


class LLMSettingsBox(QWidget):
    saved = Signal()

    def __init__(self, service: SuggestionService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        cfg = service.llm_config()
        self.enabled = QCheckBox("Offer AI drafts (an OpenAI-compatible endpoint: Ollama, llama.cpp, vLLM, hosted)")
        self.enabled.setChecked(cfg.enabled)
        self.url = QLineEdit(cfg.url)
        self.model = QLineEdit(cfg.model)
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(5, 600)
        self.timeout.setSuffix(" s")
        self.timeout.setValue(cfg.timeout_s)
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("stored in the OS keyring" if cfg.has_key else "none (local endpoints need none)")
        self.status = QLabel("Customer text is sent to this endpoint when you ask for a draft; nothing else is.")
        self.status.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(self.enabled)
        form.addRow("Endpoint URL", self.url)
        form.addRow("Model", self.model)
        form.addRow("Timeout", self.timeout)
        form.addRow("API key", self.key)
        form.addRow(self.status)

    def save(self) -> bool:
        key = self.key.text()
        try:
            self.service.save_llm_config(url=self.url.text(), model=self.model.text(), enabled=self.enabled.isChecked(),
                                         timeout_s=self.timeout.value(), api_key=key or None)
        except Exception as exc:  # a bad URL or a locked keyring: say so, keep the dialog open
            self.status.setText(f"Not saved: {exc}")
            return False
        self.key.clear()
        self.status.setText("Saved.")
        self.saved.emit()
        return True


class LLMSettingsDialog(QDialog):
    def __init__(self, service: SuggestionService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("AI drafts")
        self.box = LLMSettingsBox(service, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(lambda: self.accept() if self.box.save() else None)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.box)
        layout.addWidget(buttons)
