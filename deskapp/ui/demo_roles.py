"""The demo workspace's Demo menu for the main window: sign in as the demo's agent or as its supervisor,
and switch an outage of the demo hub or shop on and off to see deskapp work offline.

``DemoRoles(window, switch, role, outage)`` runs ``switch(role)`` (services.demo_workspace.switch_demo_role
with the session's engine) and ``outage(scope)`` (services.demo_workspace.set_demo_outage) off the GUI
thread; the performance tab then follows the profile the sync pulls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu

if TYPE_CHECKING:
    from deskapp.ui.main_window import MainWindow

ROLE_TEXT = {"agent": "Sign in as agent", "supervisor": "Sign in as supervisor"}
OUTAGE_TEXT = {None: "Everything up", "chatwoot": "Outage of the hub (chat, email, social)",
               "shopify": "Outage of the shop (orders)"}


class DemoRoles(QObject):
    """Two exclusive role actions and, given ``outage``, three exclusive outage ones (all also in the command
    palette); ``role`` is the one signed in."""

    def __init__(self, window: MainWindow, switch: Callable[[str], Any], role: str,
                 outage: Callable[[str | None], Any] | None = None) -> None:
        super().__init__(window)
        self.window, self.switch, self.role = window, switch, role
        self.outage = outage
        self.down: str | None = None  # the service whose outage is simulated
        self.menu = QMenu("&Demo", window)
        group = QActionGroup(self)
        group.setExclusive(True)
        self.actions: dict[str, QAction] = {}
        for key, text in ROLE_TEXT.items():
            action = QAction(text, window, checkable=True)
            action.setChecked(key == role)
            action.setToolTip(f"Sign the demo workspace in as its {key}; the Team performance tab is for supervisors")
            action.triggered.connect(lambda _checked=False, r=key: self.sign_in_as(r))
            group.addAction(action)
            self.menu.addAction(action)
            self.actions[key] = action
        self.outage_actions: dict[str | None, QAction] = {}
        if outage is not None:
            self.menu.addSeparator()
            outages = QActionGroup(self)
            outages.setExclusive(True)
            for scope, text in OUTAGE_TEXT.items():
                action = QAction(text, window, checkable=True)
                action.setChecked(scope is None)
                action.setToolTip("The demo server answers 503 to this service until everything is up again;"
                                  " deskapp keeps working offline and sends what was queued afterwards")
                action.triggered.connect(lambda _checked=False, s=scope: self.set_outage(s))
                outages.addAction(action)
                self.menu.addAction(action)
                self.outage_actions[scope] = action

    def set_outage(self, scope: str | None) -> None:
        if self.outage is None:
            return
        for action in self.outage_actions.values():
            action.setEnabled(False)

        def done(_result: object) -> None:
            self.down = scope
            self._settle_outage()
            self.window.show_message(f"Demo: {OUTAGE_TEXT[scope].lower()}")
            self.window.refresh_status()

        def failed(message: str) -> None:
            self._settle_outage()
            self.window.show_error(f"Could not switch the demo outage: {message}")

        self.window.tasks.submit(self.outage, scope, on_done=done, on_error=failed)

    def _settle_outage(self) -> None:
        for scope, action in self.outage_actions.items():
            action.setEnabled(True)
            action.setChecked(scope == self.down)

    def sign_in_as(self, role: str) -> None:
        for action in self.actions.values():
            action.setEnabled(False)
        self.window.show_message(f"Signing in to the demo as {role}…")
        self.window.tasks.submit(self.switch, role, on_done=lambda _r: self._switched(role), on_error=self._failed)

    def _settle(self) -> None:
        for key, action in self.actions.items():
            action.setEnabled(True)
            action.setChecked(key == self.role)

    def _switched(self, role: str) -> None:
        self.role = role
        self._settle()
        self.window.show_message(f"Signed in to the demo as {role}")
        self.window.refresh_status()
        self.window.schedule_refresh()  # the performance tab re-reads who is signed in

    def _failed(self, message: str) -> None:
        self._settle()
        self.window.show_error(f"Could not sign in to the demo as another role: {message}")
