"""The "new saved view" dialog of the main window: a name and filters on status, channel, assignee, team,
label, intent and creation date."""

from __future__ import annotations

import time

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from deskapp.domain.enums import NOT_SURE_INTENT, Channel, Intent
from deskapp.services import inbox

STATUSES = [("Any status", ()), ("Open and pending", inbox.OPEN_STATUSES), ("Open", ("open",)),
            ("Pending", ("pending",)), ("Snoozed", ("snoozed",)), ("Resolved", ("resolved",))]


class SavedViewDialog(QDialog):
    def __init__(self, agents: list[dict], teams: list[dict], labels: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New saved view")
        self.setAccessibleName("New saved view")
        form = QFormLayout(self)
        self.name = QLineEdit()
        self.name.setAccessibleName("View name")
        self.status = QComboBox()
        for text, value in STATUSES:
            self.status.addItem(text, value)
        self.status.setCurrentIndex(1)
        self.channel = QComboBox()
        self.channel.addItem("Any channel", None)
        for ch in Channel:
            self.channel.addItem(inbox.channel_title(ch.value), ch.value)
        self.assignee = QComboBox()
        self.assignee.addItem("Anyone", None)
        self.assignee.addItem("Me", "me")
        self.assignee.addItem("Unassigned", "none")
        for a in agents:
            self.assignee.addItem(a["name"], str(a["id"]))
        self.team = QComboBox()
        self.team.addItem("Any team", None)
        for t in teams:
            self.team.addItem(t["name"], t["id"])
        self.label = QComboBox()
        self.label.setEditable(True)
        self.label.addItem("", None)
        for label in labels:
            self.label.addItem(label, label)
        self.intent = QComboBox()
        self.intent.addItem("Any intent", None)
        for intent in Intent:
            self.intent.addItem(intent.value.replace("_", " "), intent.value)
        self.intent.addItem("not sure (triage could not tell)", NOT_SURE_INTENT)
        self.days = QSpinBox()
        self.days.setRange(0, 3650)
        self.days.setSpecialValueText("any time")
        self.days.setSuffix(" days")
        for widget, name in ((self.status, "Status"), (self.channel, "Channel"), (self.assignee, "Assignee"),
                             (self.team, "Team"), (self.label, "Label"), (self.intent, "Intent"),
                             (self.days, "Created within")):
            widget.setAccessibleName(name)
        form.addRow("Name", self.name)
        form.addRow("Status", self.status)
        form.addRow("Channel", self.channel)
        form.addRow("Assignee", self.assignee)
        form.addRow("Team", self.team)
        form.addRow("Label", self.label)
        form.addRow("Intent", self.intent)
        form.addRow("Created within the last", self.days)
        self.error = QLabel()
        self.error.setStyleSheet("color: #d93025;")
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _check(self) -> None:
        if not self.name.text().strip():
            self.error.setText("A saved view needs a name")
            return
        self.accept()

    def view_filter(self, now: float | None = None) -> inbox.ViewFilter:
        label = self.label.currentText().strip() or None
        days = self.days.value()
        return inbox.ViewFilter(
            statuses=tuple(self.status.currentData() or ()), channel=self.channel.currentData(),
            assignee=self.assignee.currentData(), team_id=self.team.currentData(), label=label,
            intent=self.intent.currentData(),
            since=int((now or time.time()) - days * 86400) if days else None)
