"""ui.copilot_settings: the AI-draft settings box shows what is saved, saves URL, model and timeout to the
profile and the API key only to the keyring, keeps the box open with the reason when saving fails, and reads
and saves on a worker (no SQL and no keyring call on the GUI thread)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import event

from deskapp.services.suggestions import SuggestionService
from deskapp.ui.copilot_settings import LLMSettingsBox, LLMSettingsDialog
from deskapp.ui.tasks import TaskRunner


@pytest.fixture
def service(ws):
    return SuggestionService(ws.db, ws.profile, ws.secrets)


@pytest.fixture
def tasks(qtbot) -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.wait(10_000)


def loaded_box(qtbot, service, tasks) -> LLMSettingsBox:
    widget = LLMSettingsBox(service, tasks)
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: widget.ready, timeout=10_000)
    return widget


@pytest.fixture
def box(qtbot, service, tasks):
    return loaded_box(qtbot, service, tasks)


def test_what_is_saved_comes_back_and_the_key_goes_only_to_the_keyring(qtbot, box, service, tasks, ws):
    assert not box.enabled.isChecked() and "none" in box.key.placeholderText()
    assert box.url.text() == "http://localhost:11434/v1" and box.isEnabled()
    box.enabled.setChecked(True)
    box.url.setText("http://127.0.0.1:11434/v1")
    box.model.setText("  llama3.2 ")
    box.timeout.setValue(90)
    box.key.setText("sk-local-123")
    with qtbot.waitSignal(box.saved, timeout=10_000):
        assert box.save()
    assert box.status.text() == "Saved." and box.key.text() == "" and box.isEnabled()
    config = service.llm_config()
    assert (config.url, config.model, config.enabled, config.timeout_s, config.has_key) == (
        "http://127.0.0.1:11434/v1", "llama3.2", True, 90.0, True)
    dump = ws.profile.path.read_bytes() + ws.db.path.read_bytes()
    assert b"sk-local-123" not in dump  # neither the profile nor the cache holds it
    again = loaded_box(qtbot, service, tasks)
    assert again.enabled.isChecked() and again.url.text() == "http://127.0.0.1:11434/v1"
    assert again.key.placeholderText() == "stored in the OS keyring"


def test_nothing_can_be_saved_before_the_kept_settings_arrive(qtbot, service, tasks):
    widget = LLMSettingsBox(service, tasks)
    qtbot.addWidget(widget)
    assert not widget.isEnabled() and not widget.save()  # blanks would overwrite what is kept
    qtbot.waitUntil(lambda: widget.ready, timeout=10_000)
    assert widget.isEnabled() and widget.status.text().startswith("Customer text is sent")


@pytest.mark.parametrize("url", ["ftp://models.example", "127.0.0.1:8080", "", "javascript:alert(1)"])
def test_a_url_that_is_not_http_is_refused_and_nothing_saved(qtbot, box, service, url):
    told = []
    box.saved.connect(lambda: told.append(True))
    box.url.setText(url)
    box.key.setText("sk-kept-in-the-box")
    with qtbot.waitSignal(box.failed, timeout=10_000):
        assert box.save()
    assert box.status.text().startswith("Not saved:") and "the LLM URL must start with http" in box.status.text()
    assert told == [] and box.key.text() == "sk-kept-in-the-box" and box.isEnabled()
    assert not service.llm_config().has_key


def test_the_dialog_closes_only_once_saved(qtbot, service, tasks):
    dialog = LLMSettingsDialog(service, tasks)
    qtbot.addWidget(dialog)
    save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
    qtbot.waitUntil(save.isEnabled, timeout=10_000)
    dialog.box.url.setText("not a url")
    with qtbot.waitSignal(dialog.box.failed, timeout=10_000):
        save.click()
    assert dialog.result() == 0 and dialog.box.status.text().startswith("Not saved")
    assert save.isEnabled()  # the agent can correct it and try again
    dialog.box.url.setText("https://llm.example/v1")
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        save.click()
        assert dialog.result() == 0  # not yet: the worker has not kept it
    assert dialog.result() == LLMSettingsDialog.DialogCode.Accepted
    assert service.llm_config().url == "https://llm.example/v1"


class GuiThreadCalls:
    """Statements on the cache and the profile, and keyring calls, made on the main (Qt) thread."""

    def __init__(self) -> None:
        self.main = threading.main_thread()
        self.seen: list[str] = []

    def record(self, what: str) -> None:
        if threading.current_thread() is self.main:
            self.seen.append(what.split()[0] if what.strip() else what)

    def on_cache(self, _conn, _cursor, statement, *_rest) -> None:
        self.record(statement)


def noting(found: GuiThreadCalls, name: str, real):
    def call(*args, **kwargs):
        found.record(f"keyring.{name}")
        return real(*args, **kwargs)
    return call


@pytest.fixture
def gui_calls(ws, monkeypatch) -> Iterator[GuiThreadCalls]:
    found = GuiThreadCalls()
    event.listen(ws.db.engine, "before_cursor_execute", found.on_cache)
    with ws.profile.read() as conn:
        conn.set_trace_callback(found.record)
    for name in ("get", "set", "delete"):  # the real keyring still answers; only the thread is noted
        monkeypatch.setattr(ws.secrets, name, noting(found, name, getattr(ws.secrets, name)))
    yield found
    event.remove(ws.db.engine, "before_cursor_execute", found.on_cache)
    with ws.profile.read() as conn:
        conn.set_trace_callback(None)


def test_opening_and_saving_run_no_sql_and_no_keyring_call_on_the_gui_thread(qtbot, service, tasks, gui_calls):
    dialog = LLMSettingsDialog(service, tasks)
    qtbot.addWidget(dialog)
    save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
    qtbot.waitUntil(save.isEnabled, timeout=10_000)
    dialog.box.url.setText("http://127.0.0.1:8080/v1")
    dialog.box.key.setText("sk-worker-only")
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        save.click()
    tasks.wait(10_000)
    on_gui_thread = list(gui_calls.seen)
    assert service.llm_config().has_key  # it was kept (this check's own read runs here, after the count)
    assert on_gui_thread == []
