"""`--screenshot FILE [--tab NAME]` for ui.app: wait until the chosen main screen shows its data, then save
the window as PNG (the docs' pictures are made this way).

Every screen waits for the first sync pass of every account (up to SYNC_WAIT_S), then for its own data:
the inbox for rows and the first conversation open, the performance tabs for figures computed after the
last change, templates for their list and a preview on the inbox's open conversation, settings for the
accounts' states.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from deskapp.ui.main_window import MainWindow
from deskapp.ui.performance_view import PerformanceView

TIMEOUT_S = 120
SETTLE_MS = 1200
SYNC_WAIT_S = 25


def _inbox_ready(window: MainWindow) -> bool:
    page = window.page
    opened = page.opened is not None and bool(page.opened.thread.messages)
    if page.model.rowCount() == 0 or not opened or page.thread_view.rendering:
        return False
    first = page.model.id_at(0)
    assert page.opened is not None  # checked above
    if page.opened.thread.header is None or page.opened.thread.header.id != first:
        page.table.set_current_row(0)  # the sync reordered the list: show its first conversation
        page.table.scroll_to_row(0)
        return False
    return True


def _performance_ready(window: MainWindow, scope: str) -> bool:
    performance = window.performance
    if performance is None or performance.signed_in is None:
        return False
    view = performance.show_view(scope) if window.select_tab(scope) is not None else None
    return isinstance(view, PerformanceView) and view.answered and not view.stale and not view.computing


def _floor_ready(window: MainWindow) -> bool:
    performance = window.performance
    if performance is None or performance.signed_in is None or window.select_tab("floor") is None:
        return False
    floor = performance.floor
    return floor is not None and floor.floor is not None and not floor.loading and not floor.stale


def _list_ready(window: MainWindow, tab: str, reloaded: set[str]) -> bool:
    widget = window.select_tab(tab)
    if widget is None:
        return True  # a placeholder ("not available in this build") is what this screen shows
    if tab in reloaded:
        return True
    if tab == "templates":
        opened = window.page.current_id  # the preview renders on the conversation the inbox opened
        if opened is None and window.page.model.rowCount():
            return False
        assert window.templates is not None  # the full window has the tab
        window.templates.reload()  # with the canned responses the sync brought
        window.templates.set_conversation(opened)
    else:
        window.accounts_widget.reload()  # with the states the sync reached
    reloaded.add(tab)
    return False


def screenshot(app: QApplication, window: MainWindow, target: Path, tab: str = "inbox") -> int:
    """Run the event loop until ``tab`` is ready, save the window as PNG; the exit code."""
    started = time.monotonic()
    state = {"done": False}
    reloaded: set[str] = set()

    def ready() -> bool:
        if window.tasks.busy() or window.refresh_pending():  # the views have not caught up yet
            return False
        accounts = set(window.status.states)  # every account, once the status bar has read them
        synced = window.engine is None or (bool(accounts) and accounts <= window.passes_done)
        if not (synced or time.monotonic() - started > SYNC_WAIT_S):
            return False
        if tab == "inbox":
            return window.select_tab(tab) is not None and _inbox_ready(window)
        if tab in ("me", "team"):
            return _performance_ready(window, tab)
        if tab == "hub":
            return window.select_tab(tab) is not None and window.hub_figures.reading is not None
        if tab == "floor":
            return _floor_ready(window)
        return _list_ready(window, tab, reloaded)

    def poll() -> None:
        if state["done"]:
            return
        if ready():
            state["done"] = True
            timer.stop()
            QTimer.singleShot(SETTLE_MS, save)
        elif time.monotonic() - started > TIMEOUT_S:
            timer.stop()
            why = {"inbox": f"no conversation to show (rows={window.page.model.rowCount()})",
                   "team": "no Team performance figures: the tab is for supervisors (try --demo --as supervisor)",
                   "hub": "no figures from the hub: the tab is for supervisors (try --demo --as supervisor)",
                   "floor": "no floor: the tab is for supervisors (try --demo --as supervisor)"}
            print(f"deskapp: {tab} not ready after {TIMEOUT_S} s: {why.get(tab, 'its data did not arrive')}",
                  file=sys.stderr)
            app.exit(1)

    def save() -> None:
        # Every way out ends the event loop: an exception raised in a Qt slot would leave it running forever.
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            ok = window.grab().save(str(target), "PNG")
            why = "" if ok else "the image could not be saved"
        except OSError as exc:
            ok, why = False, exc.strerror or str(exc)
        if not ok:
            print(f"deskapp: could not write {target}: {why}", file=sys.stderr)
        app.exit(0 if ok else 1)

    timer = QTimer(window)
    timer.setInterval(200)
    timer.timeout.connect(poll)
    timer.start()
    return app.exec()
