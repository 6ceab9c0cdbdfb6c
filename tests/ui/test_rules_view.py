"""The Rules screen against the demo hub and a cache synced from it: a supervisor builds "WhatsApp + intent refund
→ team Returns, priority high", sees the preview before saving, saves it, switches it off; refusals are shown;
macros are edited."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from deskapp.demo.server import DemoServer
from deskapp.store.engine import Database
from deskapp.ui.rule_rows import ActionRow, ConditionRow
from deskapp.ui.rules_view import RulesView
from deskapp.ui.tasks import TaskRunner
from tests.demo.conftest import PINNED_NOW
from tests.services.automation_hub import automation_service, synced_world

WAIT_MS = 20_000


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> Iterator[tuple[DemoServer, Database, int]]:
    yield from synced_world(Path(tmp_path_factory.mktemp("rules-ui")))


def _view(qtbot, synced, agent: int = 1, keep_rules: bool = False) -> tuple[RulesView, DemoServer]:
    server, db, account_id = synced
    if not keep_rules:
        server.state.automation_rules.clear()

    templates = [("Refund received", "Hi {{ customer.first_name }}, your refund request is in.")]
    view = RulesView(automation_service(server, db, agent), account_id, runner=TaskRunner(), clock=lambda: PINNED_NOW,
                     templates=lambda: templates)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: "on the hub" in view.notice.text() or "administrators" in view.notice.text(),
                    timeout=WAIT_MS)
    return view, server


def _pick(combo, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, f"{text!r} not among {[combo.itemText(i) for i in range(combo.count())]}"
    combo.setCurrentIndex(index)


def _build_refund_rule(view: RulesView) -> None:
    editor = view.editor
    editor.name.setText("WhatsApp + intent refund → Returns, high")
    _pick(editor.when, "A conversation is created")
    inbox = editor.conditions.add()
    assert isinstance(inbox, ConditionRow)
    _pick(inbox.attribute, "Inbox (channel)")
    _pick(inbox.value, "WhatsApp (Whatsapp)")
    label = editor.conditions.add()
    assert isinstance(label, ConditionRow)
    _pick(label.attribute, "Labels (intent, topic)")
    _pick(label.value, "refund")
    team = editor.action_rows.add()
    assert isinstance(team, ActionRow)
    _pick(team.name, "Assign a team")
    _pick(team.param, "Returns & Billing")
    priority = editor.action_rows.add()
    assert isinstance(priority, ActionRow)
    _pick(priority.name, "Set priority")
    _pick(priority.param, "high")


def test_a_supervisor_previews_then_saves_the_refund_rule(qtbot, synced, tmp_path):
    view, server = _view(qtbot, synced)
    _build_refund_rule(view)
    view.preview_button.click()
    qtbot.waitUntil(lambda: view.preview_result is not None, timeout=WAIT_MS)
    since = PINNED_NOW - 7 * 86400
    expected = {str(c.id) for c in server.state.conversations
                if c.channel == "whatsapp" and "refund" in c.labels and c.created_at >= since}
    assert {h.external_id for h in view.preview_result.hits} == expected
    assert view.summary.text().startswith(f"Would have matched {len(expected)} conversation")
    assert view.hits.count() == len(expected)
    assert "team → Returns & Billing" in view.hits.item(0).text()
    opened = []
    view.conversation_opened.connect(opened.append)
    view.hits.itemActivated.emit(view.hits.item(0))
    assert opened == [view.preview_result.hits[0].conversation_id]
    assert not server.state.automation_rules  # nothing on the hub before saving
    view.save_button.click()
    qtbot.waitUntil(lambda: bool(server.state.automation_rules), timeout=WAIT_MS)
    stored = next(iter(server.state.automation_rules.values()))
    assert stored["event_name"] == "conversation_created"
    assert stored["conditions"] == [
        {"attribute_key": "inbox_id", "filter_operator": "equal_to", "values": ["3"], "query_operator": "AND"},
        {"attribute_key": "labels", "filter_operator": "equal_to", "values": ["refund"], "query_operator": None}]
    assert stored["actions"] == [{"action_name": "assign_team", "action_params": [2]},
                                 {"action_name": "change_priority", "action_params": ["high"]}]
    qtbot.waitUntil(lambda: view.rule_list.count() == 1, timeout=WAIT_MS)
    if os.environ.get("DESKAPP_RULES_SCREENSHOT"):
        view.grab().save(os.environ["DESKAPP_RULES_SCREENSHOT"])
    view.toggle_button.click()
    qtbot.waitUntil(lambda: stored["id"] in server.state.automation_rules
                    and server.state.automation_rules[stored["id"]]["active"] is False, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: view.toggle_button.text() == "Enable", timeout=WAIT_MS)


def test_a_refusal_is_shown_in_the_hubs_words(qtbot, synced):
    view, server = _view(qtbot, synced)
    view.editor.name.setText("nothing to do")
    view.save_button.click()
    qtbot.waitUntil(lambda: "at least one action" in view.notice.text(), timeout=WAIT_MS)
    assert "c62828" in view.notice.styleSheet() and not server.state.automation_rules


def test_an_agent_is_told_rules_are_for_supervisors_and_edits_macros(qtbot, synced):
    view, server = _view(qtbot, synced, agent=2)
    assert "administrators only" in view.notice.text()
    assert not view.tabs.widget(0).isEnabled()  # the rules are the supervisors'
    view.tabs.setCurrentIndex(1)
    view.macro_name.setText("Refund done")
    row = view.macro_actions.add()
    assert isinstance(row, ActionRow)
    _pick(row.name, "Add labels")
    _pick(row.param, "refund")
    view.save_macro()
    qtbot.waitUntil(lambda: view.macro_list.count() == 1, timeout=WAIT_MS)
    assert [m["actions"] for m in server.state.macros.values()] == [
        [{"action_name": "add_label", "action_params": ["refund"]}]]


def test_every_rule_is_switched_off_at_once(qtbot, synced):
    server = synced[0]
    server.state.automation_rules.clear()
    for name in ("ack", "route"):
        server.state.automation_rules[len(server.state.automation_rules) + 1] = {
            "id": len(server.state.automation_rules) + 1, "name": name, "description": None,
            "event_name": "conversation_created", "conditions": [], "created_on": PINNED_NOW, "active": True,
            "actions": [{"action_name": "add_label", "action_params": ["x"]}]}
    view, _ = _view(qtbot, synced, keep_rules=True)
    assert view.rule_list.count() == 2
    view.all_off_button.click()
    qtbot.waitUntil(lambda: "Every rule is off" in view.notice.text(), timeout=WAIT_MS)
    assert [r["active"] for r in server.state.automation_rules.values()] == [False, False]
    assert all(view.rule_list.item(i).text().startswith("○") for i in range(2))
    server.state.automation_rules.clear()
