"""Drives the real app on the demo workspace by keyboard only (run by test_smoke_xvfb.py in a subprocess).

Usage: python -m tests.ui.xvfb_flow DATA_DIR SCREENSHOT.png — prints one JSON line with what happened.
Flow: wait for rows and an open conversation (the first sync is still running), Home + Enter on the first
conversation, r, Ctrl+T + Enter (a template; typed text when there is none), Ctrl+Enter, Esc, e; the
reply and the resolve must then be in the outbox (the replay to the backend is the offline feature's tests).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from deskapp.bootstrap import build_services, open_workspace
from deskapp.services.templates import list_templates
from deskapp.ui import app as ui_app

TYPED = "Thanks for your patience, I am checking this for you right now."


def main(data_dir: str, shot: str) -> int:
    ws = open_workspace(data_dir)
    session = ui_app.start(ws, build_services(ws), {"demo": True, "headless": True, "demo_options": {"live": False}})
    if session is None:
        print(json.dumps({"error": "no session"}))
        return 1
    window, page, qapp = session.window, session.window.page, session.app
    window.activateWindow()
    report: dict = {"steps": []}
    steps: list[tuple[str, Callable[[], bool], float]] = []

    def press(key, mods=Qt.KeyboardModifier.NoModifier, expected=None) -> None:
        """A key to the focused widget. Xvfb has no window manager to give focus back to the main window
        after a dialog closes, so ``expected`` (where focus should be) is the fallback."""
        if QApplication.activeModalWidget() is None and not window.isActiveWindow():
            window.activateWindow()
        target = QApplication.focusWidget() or expected or QApplication.activeModalWidget() or window
        QTest.keyClick(target, key, mods)

    def step(name: str, timeout: float = 60.0):
        def wrap(fn: Callable[[], bool]):
            steps.append((name, fn, timeout))
            return fn
        return wrap

    state = {"i": 0, "since": time.monotonic(), "cid": None, "text": None}

    @step("inbox synced and first conversation open", 120)
    def _ready() -> bool:
        ok = (page.model.rowCount() > 0 and page.opened is not None and bool(page.opened.thread.messages)
              and not page.thread_view.rendering)
        if ok:
            page.table.setFocus()
        return ok

    @step("Enter opens the first conversation")
    def _enter() -> bool:
        press(Qt.Key.Key_Home)  # the list's first row, as the sync keeps adding rows
        press(Qt.Key.Key_Return)
        state["cid"] = page.current_id
        return page.thread_view.hasFocus() and page.opened is not None and page.opened.thread.header.id == state["cid"]

    @step("r starts a reply")
    def _reply() -> bool:
        press(Qt.Key.Key_R)
        return page.composer.editor.hasFocus()

    @step("Ctrl+T inserts a template (or the reply is typed)")
    def _template() -> bool:
        if list_templates(ws.db, ws.profile):
            # Ctrl+T opens the picker, a modal dialog with its own event loop: press from timers.
            QTimer.singleShot(0, lambda: press(Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier))
            QTimer.singleShot(600, lambda: press(Qt.Key.Key_Return))
            report["template"] = True
        else:
            QTest.keyClicks(page.composer.editor, TYPED)
            report["template"] = False
        return True

    @step("the composer holds the reply")
    def _filled() -> bool:
        text = page.composer.text().strip()
        if text:
            state["text"] = text
        return bool(text)

    @step("Ctrl+Enter sends")
    def _send() -> bool:
        page.composer.editor.setFocus()
        press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier, expected=page.composer.editor)
        return True

    @step("the reply is queued")
    def _queued() -> bool:
        return any(r.kind == "reply" for r in session.window.actions_ctl.actions.items())

    @step("Esc then e resolves")
    def _resolve() -> bool:
        press(Qt.Key.Key_Escape, expected=page.composer.editor)
        press(Qt.Key.Key_E, expected=page.table)
        return True

    @step("the conversation is resolved")
    def _resolved() -> bool:
        with ws.db.read() as conn:
            status = conn.exec_driver_sql("SELECT status FROM conversation WHERE id = ?", (state["cid"],)).scalar()
        return status == "resolved"

    @step("the reply and the resolve are in the outbox, in order")
    def _outbox() -> bool:
        items = [r for r in window.actions_ctl.actions.items()]
        report["outbox"] = [str(r.kind) for r in items]
        return [str(r.kind) for r in items][-2:] == ["reply", "status"]

    def tick() -> None:
        i = state["i"]
        if i >= len(steps):
            timer.stop()
            window.grab().save(shot, "PNG")
            report["ok"] = True
            qapp.exit(0)
            return
        name, fn, timeout = steps[i]
        if QApplication.activeModalWidget() is not None:
            return  # a picker is open: its own timer presses Enter
        if fn():
            print(f"xvfb_flow: {time.monotonic() - t0:6.1f}s {name}", file=sys.stderr, flush=True)
            report["steps"].append(name)
            state["i"] += 1
            state["since"] = time.monotonic()
        elif time.monotonic() - state["since"] > timeout:
            timer.stop()
            report["failed"] = name
            window.grab().save(shot, "PNG")
            qapp.exit(1)

    t0 = time.monotonic()
    timer = QTimer()
    timer.setInterval(300)
    timer.timeout.connect(tick)
    timer.start()
    try:
        code = qapp.exec()
    finally:
        session.close()
        ws.close()
    print(json.dumps(report))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
