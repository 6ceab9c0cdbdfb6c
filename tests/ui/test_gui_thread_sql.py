"""The GUI thread runs no SQL: every statement on the cache, the profile and the outbox while the main window
opens (from the app's start), the agent moves through the list, opens conversations, switches tabs, decides
on the outbox's problems and a sync pass lands, runs on a worker or a sync thread."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSettings
from sqlalchemy import event

from tests.ui.test_refresh_on_changes import inbound, sync_pass


class MainThreadStatements:
    """Records each statement run on the main (Qt) thread with where it came from."""

    def __init__(self) -> None:
        self.main = threading.main_thread()
        self.seen: list[str] = []
        self.total = 0

    def record(self, statement: str) -> None:
        self.total += 1
        if threading.current_thread() is self.main:
            caller = [f"{f.filename.rsplit('/deskapp/', 1)[-1]}:{f.lineno} {f.name}"
                      for f in traceback.extract_stack()[:-2] if "/deskapp/" in f.filename]
            self.seen.append(f"{statement.split()[0]} … from {' < '.join(reversed(caller[-4:]))}")

    def on_cache(self, _conn, _cursor, statement, *_rest) -> None:
        self.record(statement)


@pytest.fixture
def statements(filled, services) -> Iterator[MainThreadStatements]:
    found = MainThreadStatements()
    event.listen(filled.db.engine, "before_cursor_execute", found.on_cache)
    with filled.profile.read() as conn:
        conn.set_trace_callback(found.record)
    outbox = services.outbox._conn  # the outbox file has its own connection
    outbox.set_trace_callback(found.record)
    yield found
    event.remove(filled.db.engine, "before_cursor_execute", found.on_cache)
    with filled.profile.read() as conn:
        conn.set_trace_callback(None)
    outbox.set_trace_callback(None)


def off_the_gui_thread(fn, *args, **kwargs):
    """What another process or the replayer does meanwhile, kept out of the GUI thread's count."""
    result: list = []
    worker = threading.Thread(target=lambda: result.append(fn(*args, **kwargs)))
    worker.start()
    worker.join(30)
    return result[0]


@pytest.fixture
def window(qtbot, filled, services, statements) -> Iterator:
    """The full main window (every tab), opened while the statements are recorded."""
    from deskapp.ui.main_window import MainWindow

    settings = QSettings(str(filled.paths.data_dir / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(filled, services, settings=settings, extras=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.page.opened is not None, timeout=10_000)
    yield window
    window.close()
    window.tasks.wait(10_000)


def settle(window, qtbot) -> None:
    qtbot.waitUntil(lambda: not window.tasks.busy() and not window.refresh_pending(), timeout=10_000)


def test_opening_browsing_and_switching_tabs_run_no_sql_on_the_gui_thread(qtbot, window, statements):
    page = window.page
    qtbot.waitUntil(lambda: page.opened is not None and not page.thread_view.rendering, timeout=10_000)
    for step in (1, 1, 1, -1, 1):  # j j j k j: each opens the next conversation
        page.move_by(step)
        qtbot.waitUntil(lambda: page.opened is not None and page.opened.thread.header.id == page.current_id,
                        timeout=10_000)
    page.open_conversation_anywhere(page.model.id_at(page.model.rowCount() - 1))
    for tab in ("me", "templates", "settings", "inbox"):
        window.select_tab(tab)
        qtbot.wait(50)
    page.set_timeline(True)
    qtbot.waitUntil(lambda: page.opened.thread.timeline, timeout=10_000)
    sync_pass(window, qtbot, [inbound(page.current_id, "Still waiting")])
    settle(window, qtbot)
    assert statements.total > 100  # the listener saw the window's reads (on its workers)
    assert statements.seen == []


def test_actions_and_their_pickers_run_no_sql_on_the_gui_thread(qtbot, window, statements, monkeypatch):
    from deskapp.ui.pickers import ChoiceDialog, LabelDialog
    from deskapp.ui.view_dialog import SavedViewDialog

    opened: list[str] = []
    for dialog in (ChoiceDialog, LabelDialog, SavedViewDialog):  # each picker opens, and the agent cancels it
        monkeypatch.setattr(dialog, "exec", lambda self: opened.append(self.windowTitle()) or 0)
    settle(window, qtbot)
    ctl, page = window.actions_ctl, window.page
    ctl.assign()
    ctl.label()
    window.new_saved_view()
    window.pick_template("")
    qtbot.waitUntil(lambda: len(opened) == 4, timeout=10_000)
    ctl.assign_to_me()
    ctl.priority("high")
    ctl.label(["vip"])
    ctl.send("We are on it", False)
    settle(window, qtbot)
    templates = window.select_tab("templates")
    qtbot.waitUntil(lambda: templates.list.count() > 0, timeout=10_000)
    templates.new_template()
    templates.name.setText("Parcel on its way")
    templates.body.setPlainText("Hi {{ customer.first_name }}, it left today.")
    with qtbot.waitSignal(templates.listed, timeout=10_000):
        templates.save()
    assert templates.status.text() == "Saved."
    window.action_by_key["work_offline"].trigger()
    qtbot.waitUntil(lambda: window.banner.switch.isChecked(), timeout=10_000)  # as read back from the cache
    settle(window, qtbot)
    queued = off_the_gui_thread(window.actions_ctl.actions.items)
    assert len(queued) == 4  # assign, priority, label and the reply were queued
    assert page.opened is not None
    assert statements.seen == []


def test_the_outbox_panel_lists_retries_and_discards_off_the_gui_thread(qtbot, window, statements):
    from deskapp.domain import OutboxState

    settle(window, qtbot)
    actions, page = window.services.actions, window.page
    conversation = page.current_id
    failed = off_the_gui_thread(actions.set_priority, conversation, "urgent")
    conflict = off_the_gui_thread(actions.resolve, conversation)
    off_the_gui_thread(actions.outbox.mark_problem, failed, OutboxState.FAILED, reason="server error 502")
    off_the_gui_thread(actions.outbox.mark_problem, conflict, OutboxState.CONFLICT,
                       reason="resolved on the hub")
    panel = window.outbox_panel
    window.action_by_key["outbox"].trigger()
    try:
        qtbot.waitUntil(lambda: panel.table.rowCount() == 2, timeout=10_000)
        panel.table.selectRow(0)
        with qtbot.waitSignal(panel.settled, timeout=10_000) as retried:
            panel.retry_button.click()
        panel.table.selectRow(1)
        with qtbot.waitSignal(panel.settled, timeout=10_000) as discarded:
            panel.discard_button.click()
        settle(window, qtbot)
        assert retried.args == [1] and discarded.args == [1]
        assert [str(r.state) for r in panel.rows] == ["pending"]
    finally:
        panel.close()
    assert statements.seen == []


def test_starting_the_app_reads_the_accounts_off_the_gui_thread(qtbot, filled, services, statements):
    from deskapp.ui import app as ui_app

    session = ui_app.start(filled, services, {"headless": True})
    try:
        qtbot.waitUntil(lambda: session.window.page.opened is not None, timeout=10_000)
        settle(session.window, qtbot)
    finally:
        session.close()
    assert statements.seen == []
