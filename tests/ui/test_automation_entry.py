"""Automation from the main window: a macro run by keyboard on the selected conversations goes to the outbox,
with the hub down (the macros fetched last time); the Rules screen opens from its shortcut."""

from __future__ import annotations

import json

from deskapp.domain import OutboxKind
from deskapp.store import automation_rows


def _cache_macros(db, macros) -> None:
    with db.write() as conn:
        automation_rows.save_hub_list(conn, 1, "macros", macros)


def test_a_macro_runs_on_the_selected_conversations_through_the_outbox(window, filled, qtbot, monkeypatch):
    from deskapp.ui import pickers

    _cache_macros(filled.db, [{"id": 4, "name": "Escalate", "visibility": "global", "actions": [
        {"action_name": "add_label", "action_params": ["escalated"]},
        {"action_name": "assign_team", "action_params": ["t1"]},
        {"action_name": "add_private_note", "action_params": ["Escalated by macro"]}]}])
    page = window.page
    page.table.select_row(0, add=False)
    page.table.select_row(1)
    ids = page.selected_ids()
    assert len(ids) == 2
    shown = []

    def fake_exec(dialog):
        shown.append([dialog.list.item(i).text() for i in range(dialog.list.count())])
        dialog.filter.setText("esc")
        dialog._accept_item(dialog.list.currentItem())
        return pickers.ChoiceDialog.DialogCode.Accepted

    monkeypatch.setattr(pickers.ChoiceDialog, "exec", fake_exec)
    window.action_by_key["run_macro"].trigger()
    outbox = window.actions_ctl.actions.outbox
    qtbot.waitUntil(lambda: len(outbox.items()) == 6, timeout=10_000)
    assert shown == [["Escalate"]]
    assert sorted(str(i.kind) for i in outbox.items()) == sorted(
        [str(OutboxKind.LABEL), str(OutboxKind.ASSIGN), str(OutboxKind.NOTE)] * 2)
    with filled.db.read() as conn:
        labels = [json.loads(r[0]) for r in conn.exec_driver_sql(
            f"SELECT labels FROM conversation WHERE id IN ({ids[0]}, {ids[1]})")]
    assert all("escalated" in found for found in labels)
    qtbot.waitUntil(lambda: "Escalate" in window.statusBar().currentMessage()
                    or "queued" in window.statusBar().currentMessage(), timeout=5000)


def test_a_macro_the_outbox_cannot_hold_is_refused_with_a_reason(window, filled, qtbot, monkeypatch):
    from deskapp.ui import pickers

    _cache_macros(filled.db, [{"id": 5, "name": "Mute", "visibility": "global", "actions": [
        {"action_name": "mute_conversation", "action_params": []}]}])
    errors = []
    monkeypatch.setattr(window, "show_error", errors.append)
    window.page.table.select_row(0, add=False)

    def fake_exec(dialog):
        dialog._accept_item(dialog.list.item(0))
        return pickers.ChoiceDialog.DialogCode.Accepted

    monkeypatch.setattr(pickers.ChoiceDialog, "exec", fake_exec)
    window.action_by_key["run_macro"].trigger()
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert "cannot queue: mute_conversation" in errors[0]
    assert window.actions_ctl.actions.outbox.items() == []


def test_the_rules_screen_opens_from_its_shortcut_and_says_when_the_hub_cannot_be_read(window, filled, qtbot):
    _cache_macros(filled.db, [{"id": 6, "name": "Kept", "visibility": "global", "actions": []}])
    window.action_by_key["rules"].trigger()
    qtbot.waitUntil(lambda: getattr(window, "rules_view", None) is not None, timeout=10_000)
    view = window.rules_view
    qtbot.waitUntil(lambda: "could not be read" in view.notice.text(), timeout=10_000)
    assert "no token stored" in view.notice.text()
    assert view.macro_list.count() == 1  # the copy fetched last time
    assert window.action_by_key["rules"].shortcut().toString() == "Ctrl+Shift+R"
    view.close()
