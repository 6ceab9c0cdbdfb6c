"""The main window for ui.app: tabs (Inbox, My/Team performance, Templates, Settings), keyboard shortcuts,
command palette, search, status bar, tray notifications, the sync engine's events marshalled to Qt, and
in the demo workspace a Demo menu that signs in as the demo's agent or its supervisor.
"""

from __future__ import annotations

import contextlib
import html as html_lib
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSystemTrayIcon,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from deskapp.domain.changes import NOTHING, Changes
from deskapp.services import inbox, live_events, stats
from deskapp.services.bot_switch import KillSwitch
from deskapp.services.gui_services import GuiServices, SyncEngine, SyncEvent
from deskapp.services.hub_reports import HubReportService
from deskapp.services.order_actions import OrderActionService
from deskapp.services.workspace import AppWorkspace, Database
from deskapp.ui import automation_entry, icons
from deskapp.ui.accounts_dialog import AccountsDialog, AccountsWidget
from deskapp.ui.bot_kill_switch import BotKillSwitch
from deskapp.ui.collision_guard import CollisionGuard
from deskapp.ui.conversation_actions import ConversationActions
from deskapp.ui.demo_roles import DemoRoles
from deskapp.ui.floor_view import FloorView
from deskapp.ui.hub_figures import install as install_hub_figures
from deskapp.ui.inbox_page import InboxPage
from deskapp.ui.offline_banner import OfflineBanner
from deskapp.ui.outbox_panel import OutboxPanel
from deskapp.ui.performance_tab import PerformanceTab
from deskapp.ui.pickers import ChoiceDialog, HelpDialog
from deskapp.ui.return_policy_settings import ReturnPolicyBox
from deskapp.ui.search_popup import SearchPopup
from deskapp.ui.status_bar import SyncStatusBar
from deskapp.ui.suggestions_panel import SuggestionsPanel
from deskapp.ui.tasks import TaskRunner
from deskapp.ui.templates_tab import TemplatesTab
from deskapp.ui.window_links import ThreadLinksMixin

if TYPE_CHECKING:
    from deskapp.ui.view_dialog import SavedViewDialog

log = logging.getLogger(__name__)
REFRESH_EVERY_MS = 600  # the views re-read the cache at most this often while changes keep coming
REFRESH_GATHER_MS = 100  # and never sooner than this after a change: a pass's batch and its end come together
POLL_EVERY_MS = 15_000  # how soon a commit by another process (`deskapp sync`, `deskapp act`) shows
TAB_NAMES = ("inbox", "me", "team", "hub", "floor", "templates", "settings")  # what --tab and select_tab accept


class SyncBridge(QObject):
    """Carries the engine's events from its threads to the GUI thread (a queued signal of plain data)."""

    sync_reported = Signal(int, str, int, int, str, object, object)  # ..., last sync, Changes

    def __call__(self, ev: SyncEvent) -> None:  # called on sync threads
        with contextlib.suppress(RuntimeError):  # the window is gone while the engine winds down
            self.sync_reported.emit(int(ev.account_id), str(ev.state), int(ev.done or 0), int(ev.total or 0),
                            str(ev.message or ""), ev.last_sync, ev.changes)


def assigned_news(db: Database, ids: list[int], since: int) -> tuple[list[int], dict[int, Any]]:
    """Of these conversations just assigned to me, those changed since ``since`` (the first sync brings old
    assignments too: only changes made while we run are news), with the rows of the first few."""
    ids = inbox.updated_since(db, ids, since)
    return ids, inbox.rows_for(db, ids[:5]) if ids else {}


def home_relative(path: Path) -> str:
    """``path`` with the home folder written as ~, the way people read and type it."""
    try:
        return os.path.join("~", str(Path(path).relative_to(Path.home())))
    except ValueError:
        return str(path)


class MainWindow(ThreadLinksMixin, QMainWindow):
    def __init__(self, ws: AppWorkspace, services: GuiServices, *, settings: QSettings | None = None,
                 engine: SyncEngine | None = None, extras: bool = True, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.clock = clock  # the dashboards' "now" (tests pin it)
        self.extras = extras  # the banner, KPI, templates, suggestions and outbox widgets: off in pane tests
        self.services = services
        self.ws, self.db, self.outbox, self.engine = ws, ws.db, services.outbox, engine
        actions = services.actions
        self.accounts_hook: Callable[[], None] | None = None
        self.rules_view: QWidget | None = None  # the Rules screen while it is open (automation_entry)
        self.settings = settings or QSettings(str(Path(ws.paths.data_dir) / "ui.ini"), QSettings.Format.IniFormat)
        self.setWindowTitle("deskapp")
        self.setWindowIcon(icons.icon("deskapp"))
        self.setAccessibleName("deskapp main window")
        self.tasks = TaskRunner(self)
        self.page = InboxPage(self.db, ws.profile, self.tasks, self)
        self.actions_ctl = ConversationActions(self.page, self.tasks, actions, self)
        self.page.merge_customers = actions.merge if actions is not None else None
        if actions is not None:
            self.page.order_actions = OrderActionService(self.db, actions.outbox)
        self.actions_ctl.status_reported.connect(self.show_message)
        floor_service = services.floor
        self.actions_ctl.guard = CollisionGuard(self.page, self.tasks, services.collision, services.typing,
                                                floor_service.board if floor_service else None, self)
        # this workspace's hub sockets tell the board who types and who is online (until the window closes)
        self._stop_presence = (live_events.subscribe(floor_service.board.on_event, source=self.db)
                               if floor_service else None)
        self.page.thread_view.link_activated.connect(self._link)
        self.page.composer.template_requested.connect(self.pick_template)
        self.bridge = SyncBridge()
        self.bridge.sync_reported.connect(self._sync_event)
        self.status = SyncStatusBar(self)
        self.setStatusBar(self.status)
        self.status.outbox_clicked.connect(self.show_outbox)
        self.commands: list[QAction] = []
        self.passes_done: set[int] = set()
        self._unrefreshed = NOTHING  # what changed since the views last refreshed
        self.started_at = time.time()
        self._build_tabs()
        self._build_actions()
        self._build_tray()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refreshed_at = 0.0  # when the views last re-read (monotonic): a lone change is shown soon
        self._refresh_timer.timeout.connect(self._data_changed)
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(3000)
        self._status_timer.timeout.connect(self.refresh_status)
        self._status_timer.start()
        # Writers this window hears nothing from (`deskapp sync` or `deskapp act` in another process).
        self._commits = stats.commit_watch(self.db)
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(POLL_EVERY_MS)
        self._poll_timer.timeout.connect(self.poll_other_writers)
        self._poll_timer.start()
        self.restore_state()
        self.page.refresh()
        self.refresh_status()

    # --- layout ------------------------------------------------------------------------------------

    def _build_tabs(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Main tabs")
        self.tabs.setDocumentMode(True)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        self.banner = OfflineBanner() if self.extras else None
        if self.banner is not None:
            layout.addWidget(self.banner)
            self.banner.work_offline_toggled.connect(self._work_offline)
            self.banner.sign_in_requested.connect(lambda _account_id: self.open_accounts())
        layout.addWidget(self.tabs)
        self.setCentralWidget(central)
        self.tabs.addTab(self.page, icons.icon("inbox"), "Inbox")
        # The performance tab holds "My performance" and, while the signed-in agent is a supervisor,
        # "Team performance" as inner tabs; it reads who is signed in itself, off the GUI thread.
        self.performance = (PerformanceTab(self.services.reports, False, runner=self.tasks, clock=self.clock)
                            if self.extras else None)
        if self.performance is not None:
            self.performance.conversations_opened.connect(self._open_kpi_conversations)
            self.performance.supervisor_changed.connect(self._supervisor_changed)
            # supervisors also read the team's figures from the hub's reports (ui/hub_figures.py)
            self.hub_figures = install_hub_figures(self.performance, HubReportService(self.ws, self.services.reports),
                                                   self.tasks, clock=self.clock)
            if self.services.floor is not None:
                floor = FloorView(self.services.floor, self.tasks, clock=self.clock)
                floor.conversations_opened.connect(self._open_kpi_conversations)
                floor.status_reported.connect(self.show_message)
                self.performance.add_floor(floor)
        self.tabs.addTab(self.performance or self._placeholder("KPIs are shown in the full window."),
                         icons.icon("performance"), "My performance")
        self.templates = (TemplatesTab(self.ws, actions=self.actions_ctl.actions, runner=self.tasks)
                          if self.extras else None)
        self.tabs.addTab(self.templates or self._placeholder("Templates are edited in the full window."),
                         icons.icon("templates"), "Templates")
        self.settings_tab = self._settings_tab()
        self.tabs.addTab(self.settings_tab, icons.icon("settings"), "Settings")
        self.suggestions = SuggestionsPanel(self.services.suggestions) if self.extras else None
        if self.suggestions is not None:
            self.page.suggestions_slot.addWidget(self.suggestions)
            self.suggestions.accepted.connect(self.page.composer.insert_text)
            self.page.conversation_shown.connect(self._suggest_for)
        self.outbox_panel = OutboxPanel(self.actions_ctl.actions, runner=self.tasks) if self.extras else None
        if self.outbox_panel is not None:
            self.outbox_panel.decided.connect(lambda *_: self.page.refresh())
            self.outbox_panel.decided.connect(lambda *_: self.refresh_status())
            self.outbox_panel.conversation_opened.connect(self._open_external)

    def _open_external(self, external_id: str) -> None:
        def found(conversation_id: int | None) -> None:
            if conversation_id is not None:
                self.tabs.setCurrentWidget(self.page)
                self.page.open_conversation_anywhere(conversation_id)

        self.tasks.submit(inbox.conversation_by_external_id, self.db, external_id, on_done=found)

    def _work_offline(self, on: bool) -> None:
        """Flip the switch on a worker (a sync may hold the cache's write lock for a moment); the single
        background thread keeps quick flips in order."""
        from deskapp.services.profile import set_work_offline

        def switched(_result: object) -> None:
            if not on and self.engine is not None:
                self.engine.request_sync()
            self.refresh_status()

        self.tasks.submit(set_work_offline, self.db, self.ws.profile, on, on_done=switched, on_error=self.show_error,
                          background=True)

    def toggle_work_offline(self) -> None:
        """File → Work offline: the same switch as the offline banner's, reachable while every account is online."""
        self._work_offline(self.action_by_key["work_offline"].isChecked())

    def _supervisor_changed(self, supervisor: bool) -> None:
        if self.performance is None:
            return
        index = self.tabs.indexOf(self.performance)
        self.tabs.setTabText(index, "My && team performance" if supervisor else "My performance")

    def select_tab(self, name: str) -> QWidget | None:
        """Bring a main screen to the front by its --tab name (TAB_NAMES); None when this build or this
        agent has no such screen (the Team tab is for supervisors)."""
        if name not in TAB_NAMES:
            raise ValueError(f"unknown tab {name!r} (expected one of {', '.join(TAB_NAMES)})")
        if name in ("me", "team", "hub", "floor"):
            if self.performance is None or self.performance.show_view("team" if name == "hub" else name) is None:
                return None
            if name == "hub":  # the team's figures from the hub, beside Team performance
                self.performance.tabs.setCurrentWidget(self.hub_figures)
            widget: QWidget | None = self.performance
        else:
            widget = {"inbox": self.page, "templates": self.templates, "settings": self.settings_tab}[name]
        if widget is not None:
            self.tabs.setCurrentWidget(widget)
        return widget

    def _open_kpi_conversations(self, ids: list) -> None:
        self.tabs.setCurrentWidget(self.page)
        self.page.show_id_list([int(i) for i in ids], "From the dashboard")

    def _suggest_for(self, conversation_id: int) -> None:
        if self.suggestions is not None:
            self.suggestions.set_conversation(conversation_id)

    def _placeholder(self, text: str) -> QWidget:
        label = QLabel(text)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return label

    def _settings_tab(self) -> QWidget:
        box = QWidget()
        box.setAccessibleName("Settings")
        layout = QVBoxLayout(box)
        layout.addWidget(QLabel("<h3>Accounts</h3>"))
        self.accounts_widget = AccountsWidget(self.ws, self.tasks, box)
        self.accounts_widget.changed.connect(self._accounts_changed)
        layout.addWidget(self.accounts_widget)
        layout.addWidget(QLabel("<h3>Returns</h3>"))
        self.return_policy = ReturnPolicyBox(self.ws, self.tasks, box)
        self.return_policy.saved.connect(lambda _policy: self.schedule_refresh())  # order panels re-judge
        layout.addWidget(self.return_policy)
        folder_url = QUrl.fromLocalFile(str(self.ws.paths.data_dir)).toString()
        folder = html_lib.escape(home_relative(self.ws.paths.data_dir))
        kept_in = html_lib.escape(Path(self.ws.paths.profile_db).name)
        data = QLabel(f"<h3>Data</h3><p>Data folder: <a href='{folder_url}'>{folder}</a><br>"
                      "What you wrote (accounts, templates, saved views, drafts, settings) is kept in "
                      f"{kept_in} there; the cache is rebuilt from the servers if it is ever damaged.<br>"
                      "Light and dark follow your operating system.</p>")
        data.setOpenExternalLinks(True)
        layout.addWidget(data)
        layout.addStretch(1)  # the list keeps its own height; spare room goes below, not into an empty list
        return box

    def _accounts_changed(self) -> None:
        if self.accounts_hook is not None:  # the app starts sync for a first account, and IDLE for mailboxes
            try:
                self.accounts_hook()
            except Exception:
                log.exception("applying the account change failed")
        if self.engine is not None:
            try:
                self.engine.request_sync()
            except Exception:
                log.exception("sync request failed")
        self.refresh_status()
        self.schedule_refresh()

    def _build_actions(self) -> None:
        a = self.actions_ctl
        page = self.page
        spec: list[tuple[str, str, str | None, Callable[[], Any], str | None]] = [
            ("next", "Next conversation", "J", lambda: page.move_by(1), None),
            ("previous", "Previous conversation", "K", lambda: page.move_by(-1), None),
            ("reply", "Reply", "R", lambda: page.composer.set_mode(False), "reply"),
            ("note", "Internal note", "N", lambda: page.composer.set_mode(True), "note"),
            ("resolve", "Resolve", "E", a.resolve, "resolve"),
            ("reopen", "Reopen", "Shift+O", a.reopen, "reopen"),
            ("snooze", "Snooze…", "S", lambda: a.snooze(), "snooze"),
            ("assign", "Assign…", "A", lambda: a.assign(), "assign"),
            ("assign_me", "Assign to me", "I", a.assign_to_me, "mine"),
            ("label", "Labels…", "L", lambda: a.label(), "label"),
            ("priority", "Priority…", "P", lambda: a.priority(), "priority"),
            ("search", "Search", "/", self.open_search, "search"),
            ("palette", "Command palette", "Ctrl+K", self.open_palette, "palette"),
            ("help", "Keyboard shortcuts", "?", self.show_help, "help"),
            ("timeline", "Toggle customer timeline", "T", lambda: page.set_timeline(not page.timeline), None),
            ("focus_list", "Go to the conversation list", "Esc", page.focus_list, None),
            ("template", "Insert a template", "Ctrl+T", lambda: self.pick_template(""), "templates"),
            ("undo_send", "Undo send", "U", a.undo_send, None),
            ("refresh", "Refresh / sync now", "F5", self.sync_now, "sync"),
            ("save_view", "New saved view…", "Ctrl+Shift+S", self.new_saved_view, "saved"),
            ("delete_view", "Delete this saved view", None, self.delete_saved_view, None),
            ("accounts", "Accounts…", "Ctrl+,", self.open_accounts, "account"),
            ("work_offline", "Work offline", None, self.toggle_work_offline, None),
            ("outbox", "Show the outbox", None, self.show_outbox, None),
            ("rules", "Automation rules and macros…", "Ctrl+Shift+R", lambda: automation_entry.open_rules(self), None),
            ("run_macro", "Run a macro…", "Ctrl+Shift+M", lambda: automation_entry.run_macro(self), None),
            ("order_refund", "Refund order…", None, lambda: page.open_order_action("refund"), None),
            ("order_return", "Return order items…", None, lambda: page.open_order_action("return"), None),
            ("order_cancel", "Cancel order…", None, lambda: page.open_order_action("cancel"), None),
            ("order_address", "Change shipping address…", None, lambda: page.open_order_action("address"), None),
            ("order_replace", "Send order items again at no charge…", None, lambda: page.open_order_action("replace"),
             None),
            ("order_discount", "Discount code for the customer…", None, lambda: page.open_order_action("discount"),
             None),
            ("logs", "Open log folder", None, self.open_log_folder, None),
            ("about", "About deskapp", None, self.show_about, None),
            ("quit", "Quit", "Ctrl+Q", self.close, None),
        ]
        self.action_by_key: dict[str, QAction] = {}
        for key, text, shortcut, slot, icon_name in spec:
            action = QAction(text, self)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            if icon_name:
                action.setIcon(icons.icon(icon_name))
            action.triggered.connect(lambda _checked=False, f=slot: f())
            self.addAction(action)
            self.commands.append(action)
            self.action_by_key[key] = action
        self.action_by_key["work_offline"].setCheckable(True)  # checked while nothing is sent or fetched
        for i in range(1, 10):  # Ctrl+1..9: the sidebar's views in order
            action = QAction(f"View {i}", self)
            action.setShortcut(QKeySequence(f"Ctrl+{i}"))
            action.triggered.connect(lambda _c=False, n=i - 1: self._view_by_number(n))
            self.addAction(action)
        for key in ("reply", "note", "resolve", "reopen", "snooze", "assign", "label", "priority"):
            page.add_tool_button(key, self.action_by_key[key])
        page.finish_toolbar()
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        for key in ("accounts", "refresh", "work_offline", "quit"):
            file_menu.addAction(self.action_by_key[key])
        conv_menu = menu.addMenu("&Conversation")
        for key in ("reply", "note", "template", "undo_send", "resolve", "reopen", "snooze", "assign", "assign_me",
                    "label", "priority", "timeline"):
            conv_menu.addAction(self.action_by_key[key])
        conv_menu.addSeparator()
        for key in ("order_refund", "order_return", "order_cancel", "order_address", "order_replace",
                    "order_discount"):
            conv_menu.addAction(self.action_by_key[key])
        go_menu = menu.addMenu("&Go")
        for key in ("next", "previous", "search", "palette", "focus_list", "outbox", "save_view", "delete_view",
                    "rules", "run_macro"):
            go_menu.addAction(self.action_by_key[key])
        self.help_menu = menu.addMenu("&Help")
        self.help_menu.addAction(self.action_by_key["help"])
        self.help_menu.addAction(self.action_by_key["logs"])
        self.help_menu.addAction(self.action_by_key["about"])
        self.demo_roles: DemoRoles | None = None  # the Demo menu, in the demo workspace (enable_demo_roles)
        self.bot_switch = BotKillSwitch(self, KillSwitch(self.ws))  # the Bot menu: the hub's agent bot off at once
        menu.insertMenu(self.help_menu.menuAction(), self.bot_switch.menu)
        self.commands.extend((self.bot_switch.off_action, self.bot_switch.on_action))

    def enable_demo_roles(self, switch: Callable[[str], Any], role: str,
                          outage: Callable[[str | None], Any] | None = None) -> None:
        """The Demo menu and palette entries that sign the demo in as its agent or its supervisor, and
        switch an outage of its hub or shop."""
        self.demo_roles = roles = DemoRoles(self, switch, role, outage)
        self.menuBar().insertMenu(self.help_menu.menuAction(), roles.menu)
        self.commands.extend(roles.actions.values())
        self.commands.extend(roles.outage_actions.values())

    def _view_by_number(self, n: int) -> None:
        views = self.page.sidebar.views()
        if 0 <= n < len(views):
            self.tabs.setCurrentWidget(self.page)
            self.page.select_view_key(views[n].key)

    def _build_tray(self) -> None:
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icons.icon("deskapp"), self)
            self.tray.setToolTip("deskapp")
            menu = QMenu(self)
            menu.addAction("Show deskapp", self._raise)
            menu.addAction(self.action_by_key["quit"])
            self.tray.setContextMenu(menu)
            self.tray.activated.connect(lambda _r: self._raise())
            self.tray.messageClicked.connect(self._notification_clicked)
            self.tray.show()
        self.notified: list[tuple[str, str]] = []
        self._last_notified: list[int] = []

    def _raise(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def notify_assigned(self, conversation_ids: list[int]) -> None:
        """A conversation was assigned to me by someone else (sync brought it): tray + desktop notification."""
        ids = [c for c in conversation_ids if c not in self.actions_ctl.just_assigned_to_me]
        self.actions_ctl.just_assigned_to_me.difference_update(conversation_ids)
        self.tasks.submit(assigned_news, self.db, ids, int(self.started_at) - 60, on_done=self._notify_news)

    def _notify_news(self, news: tuple[list[int], dict[int, Any]]) -> None:
        ids, rows = news
        if not ids:
            return
        first = rows.get(ids[0])
        title = "Conversation assigned to you" if len(ids) == 1 else f"{len(ids)} conversations assigned to you"
        body = f"{first.customer}: {first.subject or first.snippet}"[:200] if first else ""
        self.notified.append((title, body))
        self._last_notified = ids
        if self.tray is not None:
            self.tray.showMessage(title, body, icons.icon("deskapp"), 8000)
        else:
            self.show_message(f"{title} — {body}")

    def _notification_clicked(self) -> None:
        self._raise()
        if self._last_notified:
            self.tabs.setCurrentWidget(self.page)
            self.page.open_conversation_anywhere(self._last_notified[0])

    # --- commands ------------------------------------------------------------------------------------

    def new_saved_view(self, *, dialog: SavedViewDialog | None = None) -> None:
        from deskapp.ui.view_dialog import SavedViewDialog

        known = self.page.directory
        dialog = dialog or SavedViewDialog(list(known.agents), list(known.teams), list(known.labels), self)
        if dialog.exec() != SavedViewDialog.DialogCode.Accepted:
            return
        name = dialog.name.text().strip()

        def saved(_result: object) -> None:
            self.page.pending_view = f"saved:{name}"  # shown once the sidebar lists it
            self.page.refresh(Changes(counts=True))

        self.tasks.submit(inbox.save_view, self.ws.profile, name, dialog.view_filter(), on_done=saved,
                          on_error=self.show_error)

    def delete_saved_view(self) -> None:
        view = self.page.current_view
        if view is None or not view.saved:
            self.show_message("The current view is not a saved view")
            return
        def deleted(_result: object) -> None:
            if self.page.current_view is view:
                self.page.current_view = None  # the sidebar's reload picks the view to show instead
            self.page.refresh(Changes(counts=True))

        self.tasks.submit(inbox.delete_view, self.ws.profile, view.title, on_done=deleted, on_error=self.show_error)

    def open_search(self) -> None:
        self.tabs.setCurrentWidget(self.page)
        popup = SearchPopup(self.db, self.tasks, self)
        popup.conversation_opened.connect(lambda cid, _mid: self.page.open_conversation_anywhere(cid))
        self.search_popup = popup
        popup.start()
        popup.exec()

    def open_palette(self) -> None:
        items: list[tuple[str, QAction | tuple[str, str], str]] = [
            (action.text().replace("&", ""), action, action.shortcut().toString())
            for action in self.commands if action.isEnabled()]
        items += [(f"Go to view: {v.title}", ("view", v.key), "") for v in self.page.sidebar.views()]
        dialog = ChoiceDialog("Command palette", items, parent=self, placeholder="Type a command")
        self.command_palette = dialog
        if dialog.exec() == ChoiceDialog.DialogCode.Accepted and dialog.chosen is not None:
            chosen = dialog.chosen
            if isinstance(chosen, tuple):
                self.tabs.setCurrentWidget(self.page)
                self.page.select_view_key(chosen[1])
            else:
                QTimer.singleShot(0, chosen.trigger)

    def shortcut_rows(self) -> list[tuple[str, str]]:
        rows = [(a.shortcut().toString() or "—", a.text().replace("&", "")) for a in self.commands]
        rows += [("Enter", "Open the selected conversation"), ("Ctrl+Enter", "Send (in the composer)"),
                 ("/word then Tab", "Insert the template with that shortcut (in the composer)"),
                 ("Ctrl+1…9", "Switch to the sidebar's views")]
        return rows

    def show_help(self) -> None:
        self.help_dialog = HelpDialog(self.shortcut_rows(), self)
        self.help_dialog.exec()

    def open_log_folder(self) -> None:
        from deskapp.ui.about import open_folder

        if not open_folder(self.ws.paths.log_dir):
            self.show_message(f"No file manager opened; the logs are in {self.ws.paths.log_dir}")

    def show_about(self) -> None:
        from deskapp.ui.about import AboutDialog

        AboutDialog(self.ws.paths.data_dir, self.ws.paths.log_dir, self).exec()

    def open_accounts(self) -> None:
        dialog = AccountsDialog(self.ws, self.tasks, self)
        dialog.widget.changed.connect(self._accounts_changed)
        dialog.exec()
        self.accounts_widget.reload()

    def show_outbox(self) -> None:
        if self.outbox_panel is None:
            self.show_message("The outbox panel is not available in this build")
            return
        self.outbox_panel.setWindowFlag(Qt.WindowType.Window, True)
        self.outbox_panel.setWindowTitle("Outbox")
        self.outbox_panel.resize(640, 400)
        self.outbox_panel.refresh()
        self.outbox_panel.show()
        self.outbox_panel.raise_()

    def sync_now(self) -> None:
        if self.engine is not None:
            self.engine.request_sync()
        self.page.refresh()
        self.refresh_status()

    # --- sync and status ---------------------------------------------------------------------------

    def _sync_event(self, account_id: int, state: str, done: int, total: int, message: str, last_sync,
                    changes: Changes) -> None:
        pass_over = bool(total and done >= total)
        if pass_over and last_sync is not None:
            self.passes_done.add(account_id)  # one whole pass over this account finished
        self.status.on_event(account_id, state, done, total, message, last_sync)
        if self.banner is not None:
            self.banner.set_account_state(account_id, state)
        if changes or pass_over:  # a pass's end: the dashboards and who is signed in may have moved too
            self.schedule_refresh(changes)

    def _data_changed(self) -> None:
        """Tell the views what changed since the last time: the inbox reads again what concerns it; the
        performance tab re-reads who is signed in (the first sync or a role switch changes it)."""
        self._refreshed_at = time.monotonic()
        changes, self._unrefreshed = self._unrefreshed, NOTHING
        if changes:
            self.page.refresh(changes)
        if self.performance is not None:
            self.performance.data_changed()

    def refresh_pending(self) -> bool:
        """A change (sync event, live traffic) the views have not been told about yet."""
        return self._refresh_timer.isActive()

    def schedule_refresh(self, changes: Changes | None = None) -> None:
        """Refresh the views soon: after a quiet spell within REFRESH_GATHER_MS (a live event shows at once),
        else when REFRESH_EVERY_MS have passed since the last refresh (a sync's batches are told together);
        ``changes`` None: all. A closed window refreshes nothing: an answer or event still on its way when it
        closed would re-read files already closed."""
        if self.tasks.closed:
            return
        self._unrefreshed |= changes if changes is not None else Changes.everything()
        if not self._refresh_timer.isActive():
            quiet_ms = (time.monotonic() - self._refreshed_at) * 1000
            self._refresh_timer.start(max(REFRESH_GATHER_MS, int(REFRESH_EVERY_MS - quiet_ms)))

    def poll_other_writers(self) -> None:
        """Refresh the views if anyone committed to the cache since the last poll (nothing re-read otherwise)."""
        self.tasks.submit(self._commits.changed, key="poll",
                          on_done=lambda changed: self.schedule_refresh() if changed else None)

    def refresh_status(self) -> None:
        self.tasks.submit(stats.status_bar, self.db, self.outbox, on_done=self._status_loaded, key="status")

    def _status_loaded(self, result: tuple[list[dict[str, Any]], int, int, bool]) -> None:
        accounts, pending, problems, offline = result
        self.status.set_accounts(accounts)
        self.status.set_outbox(pending, problems)
        self.action_by_key["work_offline"].setChecked(offline)  # the banner or `deskapp outbox` may have flipped it
        if self.banner is not None:
            self.banner.set_accounts(accounts)
            self.banner.set_work_offline(offline)
            self.banner.set_queued(pending)
        if self.outbox_panel is not None and self.outbox_panel.isVisible():
            self.outbox_panel.refresh()

    def show_message(self, text: str) -> None:
        self.status.showMessage(text, 6000)

    def show_notice(self, text: str, *, dialog: bool = True) -> None:
        """Something start-up had to do that the agent should know (the cache was rebuilt): said once, not blocking."""
        self.status.showMessage(text, 60_000)
        if dialog:
            self.notice_box = QMessageBox(QMessageBox.Icon.Information, "deskapp", text, parent=self)
            self.notice_box.open()

    def show_error(self, text: str) -> None:
        self.show_message(text)
        log.warning("%s", text)

    def confirm(self, title: str, text: str) -> bool:
        return QMessageBox.question(self, title, text) == QMessageBox.StandardButton.Yes

    # --- persistence -------------------------------------------------------------------------------

    def restore_state(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1440, 860)
        self.page.restore_state(self.settings)

    def save_state(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.page.save_state(self.settings)
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.page.composer.flush_draft()
        if self.services.typing is not None:
            self.services.typing.stopped()  # the hub hears "off" rather than waiting for typing to expire
        if self._stop_presence is not None:
            self._stop_presence()
        self.save_state()
        for timer in (self._refresh_timer, self._status_timer, self._poll_timer):
            timer.stop()
        self.tasks.close(10_000)
        self._commits.close()
        if self.tray is not None:
            self.tray.hide()
        super().closeEvent(event)
