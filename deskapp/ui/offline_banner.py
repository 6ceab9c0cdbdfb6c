"""The banner over the main window when an account is offline or the agent works offline.

The window feeds it account states (from SyncEvents or the account table), the work-offline switch
and the number of queued actions; it shows itself only when there is something to say.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

_PROBLEM_STATES = ("offline", "auth_needed", "degraded")


class OfflineBanner(QWidget):
    """``work_offline_toggled(bool)`` when the agent flips the switch; ``sign_in_requested(int)`` for auth."""

    work_offline_toggled = Signal(bool)
    sign_in_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("OfflineBanner")
        self.setAccessibleName("Offline banner")
        self.setStyleSheet("#OfflineBanner { background: #fdecea; border-bottom: 1px solid #d93025; }"
                           " QLabel { color: #5f2120; }")
        self.setAutoFillBackground(True)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setAccessibleName("Offline message")
        self.switch = QPushButton("Work offline")
        self.switch.setCheckable(True)
        self.switch.setAccessibleName("Work offline switch")
        self.switch.toggled.connect(self._on_switch)
        self.sign_in = QPushButton("Sign in again…")
        self.sign_in.setAccessibleName("Sign in again")
        self.sign_in.clicked.connect(self._on_sign_in)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.sign_in)
        layout.addWidget(self.switch)
        self.accounts: dict[int, tuple[str, str]] = {}  # id -> (name, state)
        self.work_offline = False
        self.queued = 0
        self._render()

    # --- inputs ------------------------------------------------------------------------------------

    def set_account_state(self, account_id: int, state: str, name: str = "") -> None:
        old_name = self.accounts.get(account_id, ("", ""))[0]
        self.accounts[account_id] = (name or old_name or f"account {account_id}", str(state))
        self._render()

    def set_accounts(self, rows: list[dict]) -> None:
        """Rows of the account table (id, name, state)."""
        self.accounts = {int(r["id"]): (str(r.get("name") or f"account {r['id']}"), str(r.get("state", "unknown")))
                         for r in rows}
        self._render()

    def on_sync_event(self, event) -> None:
        """A deskapp.sync.hooks.SyncEvent (already on the GUI thread)."""
        self.set_account_state(event.account_id, str(event.state))

    def set_work_offline(self, on: bool) -> None:
        self.work_offline = bool(on)
        self.switch.blockSignals(True)
        self.switch.setChecked(self.work_offline)
        self.switch.blockSignals(False)
        self._render()

    def set_queued(self, count: int) -> None:
        self.queued = max(0, int(count))
        self._render()

    # --- output ------------------------------------------------------------------------------------

    def message(self) -> str:
        queued = (f" {self.queued} action{'s' if self.queued != 1 else ''} queued; they are sent when"
                  " the connection returns." if self.queued else " Your work is kept and sent later.")
        if self.work_offline:
            return "Working offline: nothing is sent or fetched until you switch back." + (
                f" {self.queued} action{'s' if self.queued != 1 else ''} queued." if self.queued else "")
        auth = [name for name, state in self.accounts.values() if state == "auth_needed"]
        offline = [name for name, state in self.accounts.values() if state == "offline"]
        degraded = [name for name, state in self.accounts.values() if state == "degraded"]
        parts = []
        if offline:
            parts.append(f"Offline: {', '.join(sorted(offline))}.")
        if auth:
            parts.append(f"Sign-in needed: {', '.join(sorted(auth))} (the token was rejected).")
        if degraded and not parts:
            parts.append(f"Connection problems: {', '.join(sorted(degraded))}.")
        return (" ".join(parts) + queued) if parts else ""

    def should_show(self) -> bool:
        return self.work_offline or any(state in ("offline", "auth_needed") for _n, state in self.accounts.values())

    def _render(self) -> None:
        self.label.setText(self.message())
        self.switch.setText("Work online" if self.work_offline else "Work offline")
        self.sign_in.setVisible(any(state == "auth_needed" for _n, state in self.accounts.values()))
        self.setVisible(self.should_show())

    def _on_switch(self, checked: bool) -> None:
        self.work_offline = checked
        self._render()
        self.work_offline_toggled.emit(checked)

    def _on_sign_in(self) -> None:
        for account_id, (_name, state) in sorted(self.accounts.items()):
            if state == "auth_needed":
                self.sign_in_requested.emit(account_id)
                return
