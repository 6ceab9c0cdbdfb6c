"""The GUI entry point for bootstrap.run_gui: QApplication, theme, demo workspace or first run, the main window
over the services bootstrap built, the sync engine started (plus --smoke and --screenshot runs).

Options (cli.py's flags): demo, demo_role ("agent" | "supervisor"), tab (a main screen: inbox, me, team,
templates, settings), window_size ((width, height)), screenshot (a PNG path), smoke, headless.
"""

from __future__ import annotations

import gc
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict, Unpack

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from deskapp.services import accounts as account_service
from deskapp.services import demo_workspace
from deskapp.services.demo_workspace import DemoWorkspace
from deskapp.services.gui_services import GuiServices, SyncEngine
from deskapp.services.hub_live import HubLive
from deskapp.services.mail_push import MailPush
from deskapp.services.workspace import AppWorkspace
from deskapp.ui import icons, theme
from deskapp.ui.accounts_dialog import FirstRunDialog
from deskapp.ui.main_window import MainWindow
from deskapp.ui.screenshot import screenshot

if TYPE_CHECKING:
    from deskapp.ui.crash import CrashHandler

log = logging.getLogger(__name__)


def application() -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("deskapp")
    app.setOrganizationName("deskapp")
    app.setDesktopFileName("deskapp")
    theme.apply(app)
    app.setWindowIcon(icons.icon("deskapp"))
    return app


def start_engine(services: GuiServices, window: MainWindow, apply_hooks: tuple = ()) -> SyncEngine | None:
    try:
        return services.start_sync(on_event=window.bridge, apply_hooks=apply_hooks)
    except Exception:
        log.exception("the sync engine could not start")
        window.show_error("Sync could not start; the cache is shown as it is (see the log)")
        return None


def start_mail_push(ws: AppWorkspace, engine: SyncEngine | None) -> MailPush | None:
    """IMAP IDLE watchers: a mailbox's new mail syncs at once rather than at the next poll."""
    if engine is None:
        return None
    try:
        from deskapp.services.mail_push import start_mail_push as start_watchers

        return start_watchers(ws, engine)
    except Exception:  # push is a speed-up; the sync loop's polling still brings the mail
        log.exception("IMAP push could not start; mailboxes are polled")
        return None


def start_hub_live(ws: AppWorkspace, engine: SyncEngine | None) -> HubLive | None:
    """The hubs' ActionCable sockets: their changes sync at once, and polling slows down while they are up."""
    if engine is None:
        return None
    try:
        from deskapp.services.hub_live import start_hub_live as start_sockets

        return start_sockets(ws, engine)
    except Exception:  # push is a speed-up; the sync loop's polling still brings everything
        log.exception("the hubs' live channel could not start; they are polled")
        return None


@dataclass
class Session:
    """A running GUI: the window and what must be stopped when it closes (engine, demo backend, outbox)."""

    app: QApplication
    window: MainWindow
    workspace: AppWorkspace
    services: GuiServices
    engine: SyncEngine | None = None
    demo: DemoWorkspace | None = None
    outbox: object | None = None
    crash: CrashHandler | None = None
    mail_push: MailPush | None = None
    hub_live: HubLive | None = None
    offer_first_run: bool = False  # no account yet: offer the demo or an account once, over the window
    closed: bool = False

    def close(self) -> None:
        self.closed = True
        self.window.close()
        if self.mail_push is not None:
            self.mail_push.stop()
        if self.hub_live is not None:
            self.hub_live.stop()
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
        """At start and whenever an account was added, edited or removed in the running app: whether there
        is any is read on a worker; the first one starts the sync engine, and the mailboxes' IDLE push
        follows the new list."""
        self.window.tasks.submit(account_service.has_accounts, self.workspace, key="has-accounts",
                                 on_done=self._accounts_known, on_error=self.window.show_error)

    def _accounts_known(self, any_account: bool) -> None:
        if self.closed:
            return
        if not any_account:
            if self.offer_first_run:
                self.offer_first_run = False
                self._first_run()
            return
        if self.engine is None:
            hooks = (demo_workspace.survey_import_hooks(self.demo, self.workspace.paths.data_dir)
                     if self.demo is not None else ())
            self.engine = self.window.engine = start_engine(self.services, self.window, hooks)
        if self.mail_push is not None:
            self.mail_push.stop()
        self.mail_push = start_mail_push(self.workspace, self.engine)
        if self.hub_live is not None:
            self.hub_live.stop()
        self.hub_live = start_hub_live(self.workspace, self.engine)

    def _first_run(self) -> None:
        first = FirstRunDialog(self.window)
        first.setWindowIcon(icons.icon("deskapp"))
        if first.exec() != QDialog.DialogCode.Accepted:
            return
        if first.choice == FirstRunDialog.ADD:
            self.window.open_accounts()  # an account added there calls accounts_changed
        elif first.choice == FirstRunDialog.DEMO:
            try:
                self.demo = demo_workspace.start_demo(self.workspace, role="agent")
            except Exception as exc:
                log.exception("the demo workspace could not start")
                QMessageBox.critical(self.window, "Demo workspace", f"The demo workspace could not start:\n{exc}")
                return
            enable_demo_roles(self.window, self.workspace, self.demo)
            self.window.schedule_refresh()
            self.accounts_changed()


def enable_demo_roles(window: MainWindow, workspace: AppWorkspace, demo: DemoWorkspace) -> None:
    window.enable_demo_roles(
        lambda role: demo_workspace.switch_demo_role(workspace, demo, role, engine=window.engine), demo.role,
        lambda scope: demo_workspace.set_demo_outage(demo, scope, engine=window.engine))


def start(workspace: AppWorkspace, services: GuiServices, options: dict, *, demo: DemoWorkspace | None = None,
          clock: Callable[[], float] = time.time) -> Session | None:
    """Everything up to a shown main window (demo backend, first-run dialog, sync engine) over ``services``.
    ``demo``: a demo workspace already started (demo_workspace.start_demo), used as --demo would be (the
    session stops it when it closes); ``clock``: the dashboards' "now" (tests pin it).

    Whether any account is set up is read on a worker once the window is shown: the first one starts the
    sync engine and the mailboxes' push; with none, the first-run dialog offers the demo or an account."""
    app = application()
    headless = bool(options.get("smoke") or options.get("screenshot") or options.get("headless"))
    crash = None
    try:
        from deskapp.ui.crash import CrashHandler

        crash = CrashHandler(workspace.paths.log_dir, show_dialog=not headless).install()
    except Exception:
        log.exception("crash handler unavailable")
    if options.get("demo") and demo is None:
        try:
            demo = demo_workspace.start_demo(workspace, role=options.get("demo_role") or "agent",
                                             bot=bool(options.get("bot")), **options.get("demo_options", {}))
        except Exception as exc:
            log.exception("the demo workspace could not start")
            if headless:
                print(f"deskapp: the demo workspace could not start: {exc}", file=sys.stderr)
                if crash is not None:
                    crash.uninstall()
                return None
            QMessageBox.critical(None, "Demo workspace", f"The demo workspace could not start:\n{exc}")
    settings = QSettings(str(Path(workspace.paths.data_dir) / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(workspace, services, settings=settings, clock=clock)
    if options.get("window_size"):
        window.resize(*options["window_size"])
    theme.follow_os(app, on_change=lambda: window.page.update_icons())
    if demo is not None:
        enable_demo_roles(window, workspace, demo)
    window.show()
    if options.get("tab"):
        open_tab(window, options["tab"])
    notice = getattr(workspace, "notice", None)
    if notice:  # the cache was damaged or missing: say what happened to it
        window.show_notice(notice, dialog=not headless)
    # Start-up objects live as long as the app: keep them out of the cyclic GC's full passes, which
    # otherwise walk them all (tens of ms) whenever a worker allocates a lot, stalling the GUI thread.
    gc.collect()
    gc.freeze()
    session = Session(app, window, workspace, services, demo=demo, outbox=services.outbox, crash=crash,
                      offer_first_run=not headless and not options.get("demo"))
    window.accounts_hook = session.accounts_changed
    session.accounts_changed()
    return session


def open_tab(window: MainWindow, name: str) -> None:
    """Show a main screen; the Team tab appears once the sync has told who is signed in."""
    performance = window.performance
    if window.select_tab(name) is None and name in ("team", "floor") and performance is not None:
        def appeared(supervisor: bool) -> None:
            if supervisor:
                performance.supervisor_changed.disconnect(appeared)
                window.select_tab(name)

        performance.supervisor_changed.connect(appeared)


class StartOptions(TypedDict, total=False):
    """What ``run`` passes on to ``start``."""

    demo: DemoWorkspace | None
    clock: Callable[[], float]


def run(workspace: AppWorkspace, services: GuiServices, options: dict, **start_kw: Unpack[StartOptions]) -> int:
    """Open the main window; returns the exit code. Options: see the module's docstring; ``start_kw``
    go to ``start`` (a demo already started, a pinned clock)."""
    session = start(workspace, services, options, **start_kw)
    if session is None:
        return 1
    app, window = session.app, session.window
    try:
        if options.get("smoke"):
            from deskapp.services.mail_accounts import mail_reading_starts

            if not mail_reading_starts():
                log.error("smoke: the process that reads a mailbox's backfill does not start")
                return 1
            QTimer.singleShot(300, lambda: app.exit(0))
            return app.exec()
        if options.get("screenshot"):
            return screenshot(app, window, Path(options["screenshot"]), options.get("tab") or "inbox")
        return app.exec()
    finally:
        session.close()
