"""Editable lists of a rule's conditions and of a rule's or macro's actions, for the Rules screen.

Each row is combo boxes filled from the hub's own vocabulary (domain.automation) and its pickers (inboxes,
teams, agents, labels): a value picked from the list carries the hub's id; anything typed is taken as written
(several values separated by commas).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from deskapp.domain.automation import CONDITION_OPERATORS, PRIORITIES, Action, Condition

ATTRIBUTE_TEXT = {
    "inbox_id": "Inbox (channel)", "labels": "Labels (intent, topic)", "content": "Message text",
    "conversation_language": "Conversation language", "browser_language": "Browser language",
    "message_type": "Message type", "status": "Status", "priority": "Priority", "team_id": "Team",
    "assignee_id": "Assignee", "mail_subject": "Email subject", "country_code": "Country code", "email": "Email",
    "phone_number": "Phone number", "city": "City", "company": "Company", "referer": "Referrer page",
}
ACTION_TEXT = {
    "assign_team": "Assign a team", "assign_agent": "Assign an agent", "add_label": "Add labels",
    "remove_label": "Remove labels", "change_priority": "Set priority", "send_message": "Send a message",
    "add_private_note": "Add a private note", "change_status": "Set status",
    "resolve_conversation": "Resolve", "open_conversation": "Open", "pending_conversation": "Mark pending",
    "snooze_conversation": "Snooze", "mute_conversation": "Mute", "send_email_to_team": "Email a team",
    "send_webhook_event": "Send a webhook", "send_attachment": "Send an attachment",
    "send_email_transcript": "Email the transcript",
}
STATUSES = ("open", "pending", "resolved", "snoozed")
Choices = list[tuple[str, str]]  # (shown, the hub's value)


def choices_for(key: str, pickers: dict[str, Any], templates: Choices | None = None) -> Choices:
    """What a condition's attribute or an action's parameter can be, by name."""
    if key == "inbox_id":
        return [(f"{i['name']} ({str(i.get('channel_type') or '').replace('Channel::', '')})", str(i["id"]))
                for i in pickers.get("inboxes", [])]
    if key in ("team_id", "assign_team"):
        return [(t["name"], str(t["id"])) for t in pickers.get("teams", [])]
    if key in ("assignee_id", "assign_agent"):
        return [(a["name"], str(a["id"])) for a in pickers.get("agents", [])]
    if key in ("labels", "add_label", "remove_label"):
        return [(label, label) for label in pickers.get("labels", [])]
    if key in ("priority", "change_priority"):
        return [(p, p) for p in PRIORITIES]
    if key in ("status", "change_status"):
        return [(s, s) for s in STATUSES]
    if key == "message_type":
        return [("incoming", "incoming"), ("outgoing", "outgoing")]
    if key == "send_message":
        return list(templates or [])
    return []


def _fill(combo: QComboBox, items: Sequence[tuple[str, Any]]) -> None:
    combo.blockSignals(True)
    combo.clear()
    for text, data in items:
        combo.addItem(text, data)
    combo.blockSignals(False)


def _value_combo(name: str) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(True)
    combo.setMinimumWidth(220)
    combo.setAccessibleName(name)
    return combo


def _values_of(combo: QComboBox) -> tuple[str, ...]:
    """The picked item's hub value, or the typed text split on commas, each piece that names an item read as
    that item's hub value (so "Alex Chen, 13" is two agent ids, as _show_values shows them)."""
    text = combo.currentText().strip()
    index = combo.findText(text)
    if index >= 0 and combo.itemData(index) is not None:
        return (str(combo.itemData(index)),)
    values = []
    for piece in (v.strip() for v in text.split(",")):
        found = combo.findText(piece) if piece else -1
        if found >= 0 and combo.itemData(found) is not None:
            values.append(str(combo.itemData(found)))
        elif piece:
            values.append(piece)
    return tuple(values)


def _show_values(combo: QComboBox, values: Sequence[Any]) -> None:
    shown = []
    for value in values:
        index = combo.findData(str(value))
        shown.append(combo.itemText(index) if index >= 0 else str(value))
    combo.setEditText(", ".join(shown))


def _select(combo: QComboBox, value: str) -> None:
    """Select ``value``; one the list does not offer (a newer hub's key, operator or action) is added and kept."""
    index = combo.findData(value)
    if index < 0:
        combo.addItem(value, value)
        index = combo.count() - 1
    combo.setCurrentIndex(index)


class ConditionRow(QWidget):
    def __init__(self, pickers: dict[str, Any], on_remove: Callable[[QWidget], None]) -> None:
        super().__init__()
        self.pickers = pickers
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.attribute = QComboBox()
        self.attribute.setAccessibleName("Condition attribute")
        _fill(self.attribute, [(ATTRIBUTE_TEXT.get(k, k), k) for k in CONDITION_OPERATORS])
        self.operator = QComboBox()
        self.operator.setAccessibleName("Condition operator")
        self.value = _value_combo("Condition value")
        self.joiner = QComboBox()
        self.joiner.setAccessibleName("Then")
        _fill(self.joiner, [("and", "AND"), ("or", "OR")])
        remove = QPushButton("Remove")
        remove.clicked.connect(lambda: on_remove(self))
        for w in (self.attribute, self.operator, self.value, self.joiner, remove):
            layout.addWidget(w)
        self.attribute.currentIndexChanged.connect(self._attribute_changed)
        self._attribute_changed()

    def _attribute_changed(self) -> None:
        key = self.attribute.currentData()
        # a key a newer hub sends has no operators here: set_condition adds the one it carries
        _fill(self.operator, [(op.replace("_", " "), op) for op in CONDITION_OPERATORS.get(key, ())])
        _fill(self.value, choices_for(key, self.pickers))
        self.value.setEditText("")

    def set_condition(self, cond: Condition) -> None:
        _select(self.attribute, cond.attribute_key)
        _select(self.operator, cond.filter_operator)
        _show_values(self.value, cond.values)
        self.joiner.setCurrentIndex(1 if (cond.query_operator or "").upper() == "OR" else 0)

    def condition(self, last: bool) -> Condition:
        op = self.operator.currentData() or ""
        values = () if op in ("is_present", "is_not_present") else _values_of(self.value)
        return Condition(self.attribute.currentData(), op, values, None if last else self.joiner.currentData())


class ActionRow(QWidget):
    def __init__(self, names: Sequence[str], pickers: dict[str, Any], templates: Choices,
                 on_remove: Callable[[QWidget], None]) -> None:
        super().__init__()
        self.pickers, self.templates = pickers, templates
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.name = QComboBox()
        self.name.setAccessibleName("Action")
        _fill(self.name, [(ACTION_TEXT.get(n, n), n) for n in names])
        self.param = _value_combo("Action value")
        remove = QPushButton("Remove")
        remove.clicked.connect(lambda: on_remove(self))
        layout.addWidget(self.name)
        layout.addWidget(self.param, 1)
        layout.addWidget(remove)
        self.name.currentIndexChanged.connect(self._name_changed)
        self._name_changed()

    def _name_changed(self) -> None:
        _fill(self.param, choices_for(self.name.currentData(), self.pickers, self.templates))
        self.param.setEditText("")

    def set_action(self, action: Action) -> None:
        _select(self.name, action.action_name)
        _show_values(self.param, action.action_params)

    def action(self) -> Action:
        name = self.name.currentData()
        if name in ("send_message", "add_private_note", "send_webhook_event", "send_email_transcript"):
            text = self.param.currentText().strip()
            index = self.param.findText(text)
            return Action(name, (str(self.param.itemData(index)) if index >= 0 else text,))  # a template's body
        if name in ("assign_team", "assign_agent"):
            ids = _values_of(self.param)
            return Action(name, tuple(int(v) if v.isdigit() else v for v in ids[:1]))
        return Action(name, _values_of(self.param))


class RowList(QWidget):
    """A column of rows with an "Add" button under them."""

    def __init__(self, make_row: Callable[[Callable[[QWidget], None]], QWidget], add_text: str,
                 on_change: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.make_row = make_row
        self.on_change = on_change or (lambda: None)
        self.rows: list[QWidget] = []
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.add_button = QPushButton(add_text)
        self.add_button.clicked.connect(self.add)
        self.layout_.addWidget(self.add_button)

    def add(self) -> QWidget:
        row = self.make_row(self.remove)
        self.rows.append(row)
        self.layout_.insertWidget(len(self.rows) - 1, row)
        self.on_change()
        return row

    def remove(self, row: QWidget) -> None:
        self.rows.remove(row)
        row.setParent(None)
        row.deleteLater()
        self.on_change()

    def clear(self) -> None:
        for row in list(self.rows):
            self.remove(row)
