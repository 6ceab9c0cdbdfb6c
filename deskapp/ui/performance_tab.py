"""The My performance / Team performance tabs for the main window, and the outage view beside them.

``PerformanceTab(reports, supervisor=False)`` holds "My performance" (deskapp.ui.performance_view),
"Team performance" while the signed-in agent is a supervisor, and the outage view. Who is signed in is
read again whenever the data changes (``data_changed()``, after sync passes): the first sync brings the
profile, a demo role switch changes it. The dashboard on screen is computed again when the data changed
(at most every REFRESH_EVERY_MS), and always on Refresh; ``conversations_opened(list)`` carries the ids
behind any clicked figure (the inbox connects to it).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from deskapp.services.reports import ReportService, SignedIn
from deskapp.ui.floor_view import FloorView
from deskapp.ui.outage_view import OutageView
from deskapp.ui.performance_view import PerformanceView
from deskapp.ui.tasks import TaskRunner

REFRESH_EVERY_MS = 3000  # while data keeps changing (a first sync), the view on screen recomputes this often


class PerformanceTab(QWidget):
    """My performance, Team performance (supervisors only) and the outage view, in one widget."""

    conversations_opened = Signal(list)
    supervisor_changed = Signal(bool)  # the Team performance tab appeared (True) or went away (False)

    def __init__(self, reports: ReportService, supervisor: bool = False, parent: QWidget | None = None, *,
                 runner: TaskRunner | None = None, clock: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self.reports, self.clock = reports, clock
        self.runner = runner or TaskRunner(self)
        self.signed_in: SignedIn | None = None  # as last read; None until the first answer
        self.tabs = QTabWidget()
        self.mine = PerformanceView(reports, "me", self.runner, clock=clock)
        self.mine.conversations_opened.connect(self.conversations_opened)
        self.tabs.addTab(self.mine, "My performance")
        self.team: PerformanceView | None = None  # on screen for supervisors only
        self.floor: FloorView | None = None  # the supervisor's floor, when the window has the service
        self._team_view: PerformanceView | None = None
        self.outage = OutageView(reports, self.runner, clock=clock)
        self.outage.conversations_opened.connect(self.conversations_opened)
        self.tabs.addTab(self.outage, "Outage view")
        self.set_supervisor(supervisor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.tabs.currentChanged.connect(lambda _index: self.refresh_shown(chosen=True))
        self._throttle = QTimer(self)  # recompute at most every REFRESH_EVERY_MS while data keeps changing
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(REFRESH_EVERY_MS)
        self._throttle.timeout.connect(self._throttle_done)
        self._again = False
        self.data_changed()

    def set_supervisor(self, supervisor: bool) -> None:
        """Show or take away the Team performance tab (between My performance and the outage view)."""
        if supervisor == (self.team is not None):
            return
        if supervisor:
            if self._team_view is None:  # kept when the tab goes away: a computation may still answer it
                self._team_view = PerformanceView(self.reports, "team", self.runner, clock=self.clock)
                self._team_view.conversations_opened.connect(self.conversations_opened)
            self.team = self._team_view
            self.team.stale = True
            self.tabs.insertTab(1, self.team, "Team performance")
            if self.floor is not None:
                self.tabs.insertTab(2, self.floor, "Floor")
        elif self.team is not None:
            self.tabs.removeTab(self.tabs.indexOf(self.team))
            self.team = None
            if self.floor is not None:
                self.tabs.removeTab(self.tabs.indexOf(self.floor))
        self.supervisor_changed.emit(supervisor)

    def add_floor(self, floor: FloorView) -> None:
        """The supervisor's floor, shown beside Team performance for supervisors."""
        self.floor = floor
        if self.team is not None:
            self.tabs.insertTab(self.tabs.indexOf(self.team) + 1, floor, "Floor")

    def views(self) -> list[PerformanceView]:
        return [v for v in (self.mine, self.team) if v is not None]

    def show_view(self, scope: str) -> QWidget | None:
        """Bring "me", "team" or "floor" to the front (None when this agent has no Team tab)."""
        view: QWidget | None = {"me": self.mine, "team": self.team,
                                "floor": self.floor if self.team is not None else None}.get(scope)
        if view is not None:
            self.tabs.setCurrentWidget(view)
        return view

    # --- following the cache ---------------------------------------------------------------------

    def data_changed(self) -> None:
        """The cache changed (a sync pass, an account switch): the figures are stale, and who is signed
        in is read again (off the GUI thread)."""
        for view in self.views():
            view.stale = True
        if self.floor is not None:
            self.floor.data_changed()
        self.runner.submit(self.reports.signed_in, on_done=self._apply_signed_in, key=f"signed-in-{id(self)}")

    def _apply_signed_in(self, signed_in: SignedIn) -> None:
        if self.signed_in is not None and signed_in.agent_ids != self.signed_in.agent_ids:
            self.mine.stale = True
        self.signed_in = signed_in
        self.set_supervisor(signed_in.supervisor)
        for view in self.views():
            view.reload_choices()
        self.refresh_shown()

    def refresh_shown(self, *, chosen: bool = False) -> None:
        """Recompute the dashboard on screen if its figures are stale (or there are none yet); while the
        data keeps changing, at most once every REFRESH_EVERY_MS. ``chosen``: the agent just picked this
        inner tab, so it is computed even when the whole tab is not on screen."""
        view = self.tabs.currentWidget()
        if not (chosen or self.isVisible()):
            return
        if view is self.outage:
            self.outage.refresh()
            return
        if not isinstance(view, PerformanceView):
            return
        if not (view.stale or (not view.figures and not view.computing)):
            return
        if self._throttle.isActive() and not chosen:
            self._again = True
            return
        view.refresh()
        self._throttle.start()

    def _throttle_done(self) -> None:
        if self._again:
            self._again = False
            self.refresh_shown()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh_shown()
