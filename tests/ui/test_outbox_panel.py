"""OutboxPanel: the queued, failed and conflicting actions, read and decided on a worker, what the agent sees
of them, and what happens when the outbox or the cache cannot be read or written."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt

from deskapp.domain import OutboxState
from deskapp.services.actions import ActionService
from deskapp.services.drafts import load as load_draft
from deskapp.store.outbox import OutboxStore
from deskapp.ui.outbox_panel import OutboxPanel, describe, read_outbox
from tests.faults.seed import conversation_state, seed_cache


@pytest.fixture
def service(db, data_dir, profile):
    seeded = seed_cache(db, profile=profile)
    outbox = OutboxStore(data_dir / "outbox.sqlite3")
    yield ActionService(db, outbox, profile), seeded
    outbox.close()


@pytest.fixture
def panel(qtbot, service):
    actions, _seeded = service
    widget = OutboxPanel(actions)
    qtbot.addWidget(widget)
    yield widget
    widget.runner.wait(10_000)


def refreshed(qtbot, panel: OutboxPanel) -> list[int]:
    with qtbot.waitSignal(panel.count_changed, timeout=10_000) as counted:
        panel.refresh()
    return counted.args


def decide(qtbot, panel: OutboxPanel, decision: str) -> int:
    with qtbot.waitSignal(panel.settled, timeout=10_000) as settled:
        panel.decide_selected(decision)
    return settled.args[0]


def test_lists_the_queue_and_settles_the_agents_decisions(qtbot, service, panel):
    actions, seeded = service
    conv = seeded["conversations"][0]
    reply = actions.reply(conv, "a reply that will be rejected")
    resolve = actions.resolve(conv)
    actions.set_priority(seeded["conversations"][1], "high")
    actions.outbox.mark_problem(reply, OutboxState.FAILED, reason="too large")
    actions.outbox.mark_problem(resolve, OutboxState.CONFLICT, reason="status is resolved")
    assert refreshed(qtbot, panel) == [3]
    assert panel.table.rowCount() == 3
    assert panel.table.item(0, 0).text() == "failed" and panel.table.item(0, 5).text() == "too large"
    assert panel.table.item(2, 0).text() == "queued"
    assert "1 waiting to be sent, 2 need your decision" in panel.summary.text()
    panel.table.selectRow(2)
    assert not panel.retry_button.isEnabled()  # a queued item needs no decision
    panel.table.selectRow(0)
    assert panel.draft_button.isEnabled()
    decided = []
    panel.decided.connect(lambda c, d: decided.append((c, d)))
    with qtbot.waitSignal(panel.settled, timeout=10_000):
        qtbot.mouseClick(panel.draft_button, Qt.MouseButton.LeftButton)
    assert decided == [(reply, "keep_as_draft")]
    assert load_draft(actions.db, actions.profile, conv).body == "a reply that will be rejected"
    panel.table.selectRow(0)
    assert panel.table.item(0, 0).text() == "conflict"
    assert decide(qtbot, panel, "discard") == 1
    assert conversation_state(actions.db, conv)["status"] == "open"  # the local change was rolled back
    assert panel.table.rowCount() == 1 and panel.summary.text() == "1 waiting to be sent, 0 need your decision."


def test_retry_puts_a_failed_item_back_in_the_queue(qtbot, service, panel):
    actions, seeded = service
    priority = actions.set_priority(seeded["conversations"][0], "urgent")
    actions.outbox.mark_problem(priority, OutboxState.FAILED, reason="server error 502")
    refreshed(qtbot, panel)
    panel.table.selectRow(0)
    assert panel.detail.text() == "Server error 502" and not panel.draft_button.isEnabled()  # not a message
    assert decide(qtbot, panel, "retry") == 1
    assert actions.outbox.get(priority).state == OutboxState.PENDING
    assert panel.table.item(0, 0).text() == "queued" and not panel.retry_button.isEnabled()


def test_a_decision_on_nothing_selected_or_on_a_queued_item_takes_for_none(qtbot, service, panel):
    actions, seeded = service
    queued = actions.resolve(seeded["conversations"][0])
    refreshed(qtbot, panel)
    assert decide(qtbot, panel, "discard") == 0  # nothing selected
    panel.table.selectRow(0)
    assert decide(qtbot, panel, "discard") == 0  # queued items are not the agent's to discard
    assert actions.outbox.get(queued).state == OutboxState.PENDING


def test_an_unknown_decision_is_refused(panel):
    with pytest.raises(ValueError, match="unknown outbox decision"):
        panel.decide_selected("delete_everything")


def test_reads_and_decisions_run_on_a_worker_not_the_gui_thread(qtbot, service, panel, monkeypatch):
    actions, seeded = service
    item = actions.resolve(seeded["conversations"][0])
    actions.outbox.mark_problem(item, OutboxState.FAILED, reason="timeout")
    threads: list[bool] = []
    for name in ("items", "discard"):
        real = getattr(actions, name)
        monkeypatch.setattr(actions, name, lambda *a, real=real: threads.append(
            threading.current_thread() is threading.main_thread()) or real(*a))
    refreshed(qtbot, panel)
    panel.table.selectRow(0)
    assert decide(qtbot, panel, "discard") == 1
    assert threads == [False, False, False]  # read, discard, read again


def test_a_full_disk_on_keep_as_draft_is_shown_and_the_item_kept(qtbot, db, data_dir):
    import sqlite3

    from deskapp.store.profile import ProfileStore

    path = data_dir / "tight-profile.sqlite3"
    ProfileStore(path).close()
    pages = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
    tight = ProfileStore(path, max_page_count=pages + 1)  # room for the account, not for a 50 kB draft
    outbox = OutboxStore(data_dir / "outbox.sqlite3")
    try:
        seeded = seed_cache(db, profile=tight)
        actions = ActionService(db, outbox, tight)
        reply = actions.reply(seeded["conversations"][0], "z" * 50_000)
        actions.outbox.mark_problem(reply, OutboxState.FAILED, reason="too large")
        panel = OutboxPanel(actions)
        qtbot.addWidget(panel)
        refreshed(qtbot, panel)
        panel.table.selectRow(0)
        assert decide(qtbot, panel, "keep_as_draft") == 0
        assert not panel.error.isHidden() and "disk holding the profile is full" in panel.error.text()
        assert panel.table.rowCount() == 1 and actions.outbox.get(reply).state == OutboxState.FAILED
        panel.runner.wait(10_000)
    finally:
        outbox.close()
        tight.close()


def test_an_outbox_that_cannot_be_read_is_said_and_the_rows_shown_stay(qtbot, service, panel):
    actions, seeded = service
    actions.resolve(seeded["conversations"][0])
    refreshed(qtbot, panel)
    actions.outbox.close()
    panel.refresh()
    qtbot.waitUntil(lambda: not panel.error.isHidden(), timeout=10_000)
    assert "closed database" in panel.error.text()
    assert panel.table.rowCount() == 1


def test_a_read_started_before_a_decision_never_lands_over_its_result(qtbot, service, panel, monkeypatch):
    actions, seeded = service
    item = actions.resolve(seeded["conversations"][0])
    actions.outbox.mark_problem(item, OutboxState.CONFLICT, reason="already resolved")
    refreshed(qtbot, panel)
    panel.table.selectRow(0)
    real_items, gate, reads = actions.items, threading.Event(), []

    def slow_items(*args):  # the first read takes its rows, then waits until the decision has landed
        rows = real_items(*args)
        reads.append(len(rows))
        if len(reads) == 1:
            gate.wait(10)
        return rows

    monkeypatch.setattr(actions, "items", slow_items)
    panel.refresh()
    qtbot.waitUntil(lambda: reads == [1], timeout=10_000)
    assert decide(qtbot, panel, "discard") == 1
    gate.set()
    panel.runner.wait(10_000)
    qtbot.waitUntil(lambda: not panel.runner.busy(), timeout=10_000)
    assert reads == [1, 0]
    assert panel.table.rowCount() == 0 and panel.summary.text() == "Nothing queued."


def test_read_outbox_reports_a_storage_failure_instead_of_raising(service):
    actions, seeded = service
    actions.resolve(seeded["conversations"][0])
    actions.outbox.close()
    with pytest.raises(Exception, match="closed database"):
        read_outbox(actions)  # not a StorageError: the worker's on_error says it


def test_double_clicking_a_row_opens_its_conversation(qtbot, service, panel):
    actions, seeded = service
    actions.resolve(seeded["conversations"][1])
    refreshed(qtbot, panel)
    with qtbot.waitSignal(panel.conversation_opened) as opened:
        panel.table.cellDoubleClicked.emit(0, 2)
    assert opened.args == ["102"]


def test_a_panel_without_an_action_service_stays_empty(qtbot):
    panel = OutboxPanel(None)
    qtbot.addWidget(panel)
    panel.refresh()
    panel.decide_selected("retry")
    assert panel.table.rowCount() == 0 and panel.summary.text() == "Nothing queued." and not panel.runner.busy()


@pytest.mark.parametrize(("kind", "payload", "text"), [
    ("reply", {"text": "line one\nline two"}, "Reply: line one line two"),
    ("note", {"text": "x" * 70}, "Note: " + "x" * 60 + "…"),
    ("status", {"status": "resolved"}, "Status → resolved"),
    ("snooze", {"until": "2026-01-02T09:00:00Z"}, "Snooze until 2026-01-02T09:00:00Z"),
    ("assign", {"assignee_external_id": None}, "Assign → nobody"),
    ("label", {"labels": []}, "Labels → none"),
    ("label", {"labels": ["vip", "refund"]}, "Labels → vip, refund"),
    ("priority", {"priority": "high"}, "Priority → high"),
    ("merge", {"mergee_contact_id": 7, "base_contact_id": 3}, "Merge contact 7 into 3"),
    ("order_refund", {}, "order_refund"),  # a kind this panel does not know yet: its name, not a crash
])
def test_describe_says_what_each_action_does(kind, payload, text):
    assert describe(SimpleNamespace(kind=kind, payload=payload)) == text
