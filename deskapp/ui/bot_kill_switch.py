"""The Bot menu of the main window: switch the hub's agent bot off at once (disconnected from every inbox,
services.bot_switch.KillSwitch) and back on. The hub is called on a worker; the menu says what it did."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from deskapp.services.bot_switch import BotSwitchError, KillSwitch

if TYPE_CHECKING:
    from deskapp.ui.main_window import MainWindow


class BotKillSwitch(QObject):
    """``off_action`` disconnects the bot from every inbox; ``on_action`` reconnects what was disconnected."""

    def __init__(self, window: MainWindow, switch: KillSwitch) -> None:
        super().__init__(window)
        self.window, self.switch = window, switch
        self.menu = QMenu("&Bot", window)
        self.off_action = QAction("Switch the agent bot off now", window)
        self.off_action.setToolTip("Disconnect the hub's agent bot from every inbox: it stops answering at once")
        self.off_action.triggered.connect(self.switch_off)
        self.on_action = QAction("Switch the agent bot back on", window)
        self.on_action.setEnabled(False)
        self.on_action.triggered.connect(self.switch_on)
        self.menu.addAction(self.off_action)
        self.menu.addAction(self.on_action)

    def switch_off(self) -> None:
        self.off_action.setEnabled(False)
        self.window.tasks.submit(self.switch.off, on_done=self._off_done, on_error=self._failed)

    def switch_on(self) -> None:
        self.on_action.setEnabled(False)
        self.window.tasks.submit(self.switch.on, on_done=self._on_done, on_error=self._failed)

    def _off_done(self, count: int) -> None:
        self.window.show_message(f"Agent bot switched off in {count} inbox{'es' if count != 1 else ''}"
                                 if count else "No inbox had an agent bot")
        self._sync()

    def _on_done(self, count: int) -> None:
        self.window.show_message(f"Agent bot switched back on in {count} inbox{'es' if count != 1 else ''}")
        self._sync()

    def _failed(self, message: str) -> None:
        self.window.show_error(f"The agent bot could not be switched: {message}")
        self._sync()

    def _sync(self) -> None:
        self.off_action.setEnabled(True)
        self.on_action.setEnabled(bool(self.switch.disconnected))


__all__ = ["BotKillSwitch", "BotSwitchError"]
