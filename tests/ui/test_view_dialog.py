"""ui.view_dialog: the "new saved view" dialog turns the agent's choices into a ViewFilter, and refuses a view
without a name."""

from __future__ import annotations

import pytest

from deskapp.services import inbox
from deskapp.ui.view_dialog import SavedViewDialog

NOW = 1_748_865_600  # pinned: "created within" counts back from it


@pytest.fixture
def dialog(qtbot):
    shown = SavedViewDialog([{"id": 7, "name": "Bea Ruiz"}], [{"id": 3, "name": "Billing"}], ["vip", "refund"])
    qtbot.addWidget(shown)
    return shown


def pick(combo, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, text
    combo.setCurrentIndex(index)


def test_by_default_a_view_shows_what_is_open_and_pending(dialog):
    assert dialog.view_filter(NOW) == inbox.ViewFilter(statuses=tuple(inbox.OPEN_STATUSES))


def test_every_choice_narrows_the_filter(dialog):
    pick(dialog.status, "Resolved")
    dialog.channel.setCurrentIndex(dialog.channel.findData("email"))
    pick(dialog.assignee, "Bea Ruiz")
    pick(dialog.team, "Billing")
    pick(dialog.label, "vip")
    dialog.intent.setCurrentIndex(2)
    dialog.days.setValue(7)
    found = dialog.view_filter(NOW)
    assert found == inbox.ViewFilter(statuses=("resolved",), channel="email", assignee="7", team_id=3, label="vip",
                                     intent=dialog.intent.currentData(), since=NOW - 7 * 86400)
    assert found.intent is not None


def test_any_status_unassigned_and_a_typed_label(dialog):
    pick(dialog.status, "Any status")
    pick(dialog.assignee, "Unassigned")
    dialog.label.setEditText("  damaged in transit ")
    found = dialog.view_filter(NOW)
    assert found.statuses == () and found.assignee == "none" and found.label == "damaged in transit"
    dialog.label.setEditText("   ")
    assert dialog.view_filter(NOW).label is None


def test_a_view_without_a_name_is_refused_with_a_reason(dialog):
    dialog.name.setText("   ")
    dialog._check()
    assert dialog.result() == 0 and dialog.error.text() == "A saved view needs a name"
    dialog.name.setText("VIP refunds")
    dialog._check()
    assert dialog.result() == SavedViewDialog.DialogCode.Accepted


def test_a_view_of_the_conversations_triage_was_not_sure_about(dialog):
    dialog.intent.setCurrentIndex(dialog.intent.findData("not_sure"))
    assert dialog.view_filter(NOW).intent == "not_sure"
