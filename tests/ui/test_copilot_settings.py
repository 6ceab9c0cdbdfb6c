"""ui.copilot_settings: the AI-draft settings box shows what is saved, saves URL, model and timeout to the
profile and the API key only to the keyring, and keeps the box open with the reason when saving fails."""

from __future__ import annotations

import pytest

from deskapp.services.suggestions import SuggestionService
from deskapp.ui.copilot_settings import LLMSettingsBox, LLMSettingsDialog


@pytest.fixture
def service(ws):
    return SuggestionService(ws.db, ws.profile, ws.secrets)


@pytest.fixture
def box(qtbot, service):
    widget = LLMSettingsBox(service)
    qtbot.addWidget(widget)
    return widget


def test_what_is_saved_comes_back_and_the_key_goes_only_to_the_keyring(qtbot, box, service, ws):
    assert not box.enabled.isChecked() and "none" in box.key.placeholderText()
    box.enabled.setChecked(True)
    box.url.setText("http://127.0.0.1:11434/v1")
    box.model.setText("  llama3.2 ")
    box.timeout.setValue(90)
    box.key.setText("sk-local-123")
    with qtbot.waitSignal(box.saved, timeout=1_000):
        assert box.save()
    assert box.status.text() == "Saved." and box.key.text() == ""
    config = service.llm_config()
    assert (config.url, config.model, config.enabled, config.timeout_s, config.has_key) == (
        "http://127.0.0.1:11434/v1", "llama3.2", True, 90.0, True)
    dump = ws.profile.path.read_bytes() + ws.db.path.read_bytes()
    assert b"sk-local-123" not in dump  # neither the profile nor the cache holds it
    again = LLMSettingsBox(service)
    qtbot.addWidget(again)
    assert again.enabled.isChecked() and again.url.text() == "http://127.0.0.1:11434/v1"
    assert again.key.placeholderText() == "stored in the OS keyring"


@pytest.mark.parametrize("url", ["ftp://models.example", "127.0.0.1:8080", "", "javascript:alert(1)"])
def test_a_url_that_is_not_http_is_refused_and_nothing_saved(qtbot, box, service, url):
    told = []
    box.saved.connect(lambda: told.append(True))
    box.url.setText(url)
    box.key.setText("sk-kept-in-the-box")
    assert not box.save()
    assert box.status.text().startswith("Not saved: the LLM URL must start with http")
    assert told == [] and box.key.text() == "sk-kept-in-the-box"
    assert not service.llm_config().has_key


def test_the_dialog_closes_only_once_saved(qtbot, service):
    from PySide6.QtWidgets import QDialogButtonBox

    dialog = LLMSettingsDialog(service)
    qtbot.addWidget(dialog)
    save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
    dialog.box.url.setText("not a url")
    save.click()
    assert dialog.result() == 0 and dialog.box.status.text().startswith("Not saved")
    dialog.box.url.setText("https://llm.example/v1")
    save.click()
    assert dialog.result() == LLMSettingsDialog.DialogCode.Accepted
