"""The GUI entry point for bootstrap.run_gui: QApplication, theme, demo workspace or first run, the action
service over the outbox, the sync engine, and the main window (plus --smoke and --screenshot runs).
"""

from __future__ import annotations

import gc
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from deskapp.services import demo_workspace
from deskapp.ui import icons, theme
from deskapp.ui.accounts_dialog import AccountsDialog, FirstRunDialog
from deskapp.ui.main_window import MainWindow
from deskapp.ui.tasks import TaskRunner

log = logging.getLogger(__name__)
SCREENSHOT_TIMEOUT_MS = 120_000
SETTLE_MS = 1200
SYNC_WAIT_S = 25


def application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setApplicationName("deskapp")
    app.setOrganizationName("deskapp")
    app.setDesktopFileName("deskapp")
    theme.apply(app)
    app.setWindowIcon(icons.icon("deskapp"))
    return app


def open_actions(ws: Any) -> tuple[Any | None, Any | None]:
    """E's ActionService over the durable outbox; (None, None) if it cannot open (the UI stays read-only)."""
    try:
        from deskapp.services.actions import ActionService, outbox_for

        outbox = outbox_for(ws)  # the same store the sync engine's replayer uses
        actions = ActionService(ws.db, outbox)
        try:
            actions.restore()
        except Exception:
            log.exception("restoring the outbox's optimistic state failed")
        return actions, outbox
    except Exception:
        log.exception("the action service could not start; actions are disabled")
        return None, None


def start_engine(ws: Any, window: MainWindow) -> Any | None:
    try:
        from deskapp.services.runtime import build_sync_engine

        engine = build_sync_engine(ws, on_event=window.bridge)
        engine.start()
        return engine
    except Exception:
        log.exception("the sync engine could not start")
        window.show_error("Sync could not start; the cache is shown as it is (see the log)")
        return None


def start_mail_push(ws: Any, engine: Any | None) -> Any | None:
    """IMAP IDLE watchers: a mailbox's new mail syncs at once rather than at the next poll."""
    if engine is None:
        return None
    try:
        from deskapp.services.mail_push import start_mail_push as start_watchers

        return start_watchers(ws, engine)
    except Exception:  # push is a speed-up; the sync loop's polling still brings the mail
        log.exception("IMAP push could not start; mailboxes are polled")
        return None


@dataclass
class Session:
    """A running GUI: the window and what must be stopped when it closes (engine, demo backend, outbox)."""

    app: QApplication
    window: MainWindow
    workspace: Any
    engine: Any | None = None
    demo: Any | None = None
    outbox: Any | None = None
    crash: Any | None = None
    mail_push: Any | None = None

    def close(self) -> None:
        self.window.close()
        if self.mail_push is not None:
            self.mail_push.stop()
        if self.engine is not None:
            self.engine.stop()
        if self.demo is not None:
            self.demo.stop()
        if self.outbox is not None:
            try:
                from deskapp.services.actions import close_outbox

                close_outbox(self.workspace)
            except Exception:
                log.exception("closing the outbox failed")
        if self.crash is not None:
            self.crash.uninstall()

    def accounts_changed(self) -> None:
        """An account was added, edited or removed in the running app: the first one starts the sync
        engine, and the mailboxes' IDLE push follows the new list."""
        if self.engine is None and demo_workspace.has_accounts(self.workspace):
            self.engine = self.window.engine = start_engine(self.workspace, self.window)
        if self.engine is not None:
            if self.mail_push is not None:
                self.mail_push.stop()
            self.mail_push = start_mail_push(self.workspace, self.engine)


def start(workspace: Any, options: dict) -> Session | None:
    """Everything up to a shown main window (first-run dialog, demo backend, actions, sync engine)."""
    app = application()
    headless = bool(options.get("smoke") or options.get("screenshot") or options.get("headless"))
    crash = None
    try:
        from deskapp.ui.crash import CrashHandler

        crash = CrashHandler(workspace.paths.log_dir, show_dialog=not headless).install()
    except Exception:
        log.exception("crash handler unavailable")
    demo = None
    want_demo = bool(options.get("demo"))
    if not want_demo and not headless and not demo_workspace.has_accounts(workspace):
        first = FirstRunDialog()
        first.setWindowIcon(icons.icon("deskapp"))
        if first.exec() == QDialog.DialogCode.Accepted:
            if first.choice == FirstRunDialog.DEMO:
                want_demo = True
            elif first.choice == FirstRunDialog.ADD:
                AccountsDialog(workspace, TaskRunner()).exec()
    if want_demo:
        try:
            demo = demo_workspace.start_demo(workspace, **options.get("demo_options", {}))
        except Exception as exc:
            log.exception("the demo workspace could not start")
            if headless:
                print(f"deskapp: the demo workspace could not start: {exc}", file=sys.stderr)
                if crash is not None:
                    crash.uninstall()
                return None
            QMessageBox.critical(None, "Demo workspace", f"The demo workspace could not start:\n{exc}")
    actions, outbox = open_actions(workspace)
    settings = QSettings(str(Path(workspace.paths.data_dir) / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(workspace, actions=actions, outbox=outbox, settings=settings)
    if options.get("window_size"):
        window.resize(*options["window_size"])
    theme.follow_os(app, on_change=lambda: window.page.update_icons())
    window.engine = engine = start_engine(workspace, window) if demo_workspace.has_accounts(workspace) else None
    mail_push = start_mail_push(workspace, engine)
    window.show()
    # Start-up objects live as long as the app: keep them out of the cyclic GC's full passes, which
    # otherwise walk them all (tens of ms) whenever a worker allocates a lot, stalling the GUI thread.
    gc.collect()
    gc.freeze()
    session = Session(app, window, workspace, engine, demo, outbox, crash, mail_push)
    window.accounts_hook = session.accounts_changed
    return session


def run(workspace: Any, options: dict) -> int:
    """Open the main window; returns the exit code. Options: demo, screenshot (path), smoke, window_size."""
    session = start(workspace, options)
    if session is None:
        return 1
    app, window = session.app, session.window
    try:
        if options.get("smoke"):
            QTimer.singleShot(300, lambda: app.exit(0))
            return app.exec()
        if options.get("screenshot"):
            return _screenshot(app, window, Path(options["screenshot"]))
        return app.exec()
    finally:
        session.close()


def _screenshot(app: QApplication, window: MainWindow, target: Path) -> int:
    """Wait for rows, the first conversation open with its messages and (up to a minute) the first sync
    pass of every account; let the panes settle; save the window as PNG."""
    started = time.monotonic()
    state = {"done": False}

    def ready() -> bool:
        page = window.page
        opened = page.opened is not None and bool(page.opened.thread.messages)
        if page.model.rowCount() == 0 or not opened or page.thread_view.rendering or window.tasks.busy():
            return False
        accounts = set(window.status.states)
        synced = window.engine is None or accounts <= window.passes_done
        if not (synced or time.monotonic() - started > SYNC_WAIT_S):
            return False
        first = page.model.id_at(0)
        if page.opened.thread.header is None or page.opened.thread.header.id != first:
            page.table.set_current_row(0)  # the sync reordered the list: show its first conversation
            page.table.scroll_to_row(0)
            return False
        return True

    def poll() -> None:
        if state["done"]:
            return
        if ready():
            state["done"] = True
            timer.stop()
            QTimer.singleShot(SETTLE_MS, save)
        elif time.monotonic() - started > SCREENSHOT_TIMEOUT_MS / 1000:
            timer.stop()
            print(f"deskapp: no conversation to show after {SCREENSHOT_TIMEOUT_MS // 1000} s "
                  f"(rows={window.page.model.rowCount()})", file=sys.stderr)
            app.exit(1)

    def save() -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        ok = window.grab().save(str(target), "PNG")
        if not ok:
            print(f"deskapp: could not write {target}", file=sys.stderr)
        app.exit(0 if ok else 1)

    timer = QTimer(window)
    timer.setInterval(200)
    timer.timeout.connect(poll)
    timer.start()
    return app.exec()
