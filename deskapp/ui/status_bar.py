"""The main window's status bar: sync state per account with the last good sync, the outbox count, progress."""

from __future__ import annotations

import html as html_lib
from datetime import datetime
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QSizePolicy, QStatusBar, QWidget

from deskapp.services.gui_services import FEED_LIVE, FEED_POLLING

STATE_COLOURS = {"online": "#1e8e3e", "degraded": "#e37400", "offline": "#d93025", "auth_needed": "#d93025",
                 "unknown": "#9aa0a6", "syncing": "#2f6fde"}
STATE_TEXT = {"auth_needed": "sign-in needed"}


def _time(value: object) -> str:
    if value is None:
        return "never"
    if isinstance(value, datetime):
        return value.astimezone().strftime("%H:%M")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value).strftime("%H:%M")
    return str(value)


class SyncStatusBar(QStatusBar):
    """``outbox_clicked()`` when the agent clicks the outbox count (the window shows the outbox)."""

    outbox_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Status bar")
        self.accounts_label = QLabel("No account")
        self.accounts_label.setAccessibleName("Sync state")
        # A long progress message is clipped, never allowed to widen the whole window.
        self.accounts_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Sync progress")
        self.progress.setMaximumWidth(160)
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.outbox = QPushButton("Outbox: 0")
        self.outbox.setFlat(True)
        self.outbox.setAccessibleName("Outbox count")
        self.outbox.clicked.connect(self.outbox_clicked.emit)
        self.addWidget(self.accounts_label, 1)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.outbox)
        self.states: dict[int, dict[str, Any]] = {}
        self.live: dict[int, tuple[int, int, str]] = {}  # account -> (done, total, message)

    def set_accounts(self, accounts: list[dict[str, Any]]) -> None:
        """Rows of the account table (id, name, kind, state, last_sync, last_error)."""
        for acc in accounts:
            merged = self.states.setdefault(acc["id"], {})
            last = merged.get("last_sync")
            merged.update(acc)
            if merged.get("last_sync") is None and last is not None:
                merged["last_sync"] = last  # an event told us before the table did
        known = {a["id"] for a in accounts}
        for gone in set(self.states) - known:
            self.states.pop(gone, None)
        self._render()

    def on_event(self, account_id: int, state: str, done: int, total: int, message: str,
                 last_sync: datetime | None) -> None:
        entry = self.states.setdefault(account_id, {"id": account_id, "name": f"account {account_id}"})
        entry["state"] = state
        if last_sync is not None:
            entry["last_sync"] = last_sync
        if message:
            entry["message"] = message
        if message in (FEED_LIVE, FEED_POLLING):
            entry["feed"] = "live" if message == FEED_LIVE else "polling"
        if total and done < total:
            self.live[account_id] = (done, total, message)
        else:
            self.live.pop(account_id, None)
        self._render()

    def set_outbox(self, pending: int, problems: int = 0) -> None:
        text = f"Outbox: {pending}"
        if problems:
            text += f" · {problems} need you"
        self.outbox.setText(text)
        self.outbox.setStyleSheet("color: #d93025;" if problems else "")

    def _render(self) -> None:
        parts = []
        for acc in sorted(self.states.values(), key=lambda a: a["id"]):
            state = "syncing" if acc["id"] in self.live else str(acc.get("state") or "unknown")
            colour = STATE_COLOURS.get(state, "#9aa0a6")
            label = STATE_TEXT.get(state, state)
            live_message = self.live.get(acc["id"], (0, 0, ""))[2]
            if live_message:  # "newest 1,000 conversations ready, backfilling 12,400 of 98,000"
                label = f"{label} — {html_lib.escape(live_message)}"
            name = html_lib.escape(str(acc.get("name", "")))
            tip = f" — {html_lib.escape(str(acc['last_error']))[:80]}" if state != "online" and acc.get(
                "last_error") else ""
            if acc.get("feed"):  # a hub with a push channel: whether changes arrive at once or by polling
                label = f"{label} · {acc['feed']}"
            parts.append(f"<span style='color:{colour}'>●</span> {name}: {label} · last sync "
                         f"{_time(acc.get('last_sync'))}{tip}")
        self.accounts_label.setText("&nbsp;&nbsp;&nbsp;".join(parts) or "No account — add one in Settings")
        if self.live:
            done = sum(d for d, _t, _m in self.live.values())
            total = sum(t for _d, t, _m in self.live.values())
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(done)
            self.progress.setToolTip(next(iter(self.live.values()))[2])
            self.progress.show()
        else:
            self.progress.hide()
