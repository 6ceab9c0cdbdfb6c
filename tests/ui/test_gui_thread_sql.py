"""The GUI thread runs no SQL: every statement on the cache and the profile while the main window opens,
the agent moves through the list, opens conversations, switches tabs and a sync pass lands, runs on a
worker or a sync thread."""

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
def statements(filled) -> Iterator[MainThreadStatements]:
    found = MainThreadStatements()
    event.listen(filled.db.engine, "before_cursor_execute", found.on_cache)
    with filled.profile.read() as conn:
        conn.set_trace_callback(found.record)
    yield found
    event.remove(filled.db.engine, "before_cursor_execute", found.on_cache)
    with filled.profile.read() as conn:
        conn.set_trace_callback(None)


def test_opening_browsing_and_switching_tabs_run_no_sql_on_the_gui_thread(qtbot, filled, services, statements):
    from deskapp.ui.main_window import MainWindow

    settings = QSettings(str(filled.paths.data_dir / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(filled, services, settings=settings, extras=True)
    qtbot.addWidget(window)
    window.show()
    try:
        page = window.page
        qtbot.waitUntil(lambda: page.opened is not None and not page.thread_view.rendering, timeout=10_000)
        for step in (1, 1, 1, -1, 1):  # j j j k j: each opens the next conversation
            page.move(step)
            qtbot.waitUntil(lambda: page.opened is not None and page.opened.thread.header.id == page.current_id,
                            timeout=10_000)
        page.open_conversation_anywhere(page.model.id_at(page.model.rowCount() - 1))
        for tab in ("me", "templates", "settings", "inbox"):
            window.select_tab(tab)
            qtbot.wait(50)
        page.set_timeline(True)
        qtbot.waitUntil(lambda: page.opened.thread.timeline, timeout=10_000)
        sync_pass(window, qtbot, [inbound(page.current_id, "Still waiting")])
        qtbot.waitUntil(lambda: not window.tasks.busy(), timeout=10_000)
    finally:
        window.close()
        window.tasks.wait(10_000)
    assert statements.total > 100  # the listener saw the window's reads (on its workers)
    assert statements.seen == []
