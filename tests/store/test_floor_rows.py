"""The floor's two reads: agents with their workload, and the conversations being worked."""

from __future__ import annotations

from deskapp.store import floor_rows
from tests.store.floor_fill import NOW, fill_floor


def test_agent_counts_hold_every_agent_with_open_pending_snoozed(db):
    fill_floor(db, agents=3, per_agent=5)
    with db.read() as conn:
        counts = floor_rows.agent_counts(conn)
    assert [(a.name, a.open, a.pending, a.snoozed, a.is_me) for a in counts] == [
        ("Ada Admin", 3, 1, 1, True), ("Agent 002", 3, 1, 1, False), ("Agent 003", 3, 1, 1, False)]
    with db.write() as conn:
        conn.exec_driver_sql("UPDATE conversation SET status = 'resolved' WHERE assignee_id = 2")
        conn.exec_driver_sql("INSERT INTO agent(id, account_id, external_id, name, email) VALUES (9, 1, '9',"
                             " 'Idle', '')")
    with db.read() as conn:
        counts = {a.name: (a.open, a.pending, a.snoozed) for a in floor_rows.agent_counts(conn)}
    assert counts["Agent 002"] == (0, 0, 0) and counts["Idle"] == (0, 0, 0)


def test_active_conversations_say_who_waits_since_when(db):
    fill_floor(db, agents=2, per_agent=4, unassigned=2)
    with db.read() as conn:
        active = {c.id: c for c in floor_rows.active_conversations(conn)}
    assert sorted(active) == [1, 2, 3, 5, 6, 7, 9, 10]  # snoozed ones are not being worked
    assert active[1].waiting_since == NOW - 600  # the customer wrote last
    assert active[2].waiting_since is None  # answered
    assert active[9].assignee_id is None and active[9].sla_due_at == NOW - 10
    with db.write() as conn:  # a deleted reply or a bot's does not count as an answer
        conn.exec_driver_sql("UPDATE message SET deleted = 1 WHERE conversation_id = 2 AND direction = 'out'")
        conn.exec_driver_sql("UPDATE message SET automated = 1 WHERE conversation_id = 3 AND direction = 'out'")
    with db.read() as conn:
        active = {c.id: c for c in floor_rows.active_conversations(conn)}
    assert active[2].waiting_since == NOW - 600 - 1
    assert active[3].waiting_since == NOW - 600 - 2
    assert active[1].subject == "Question 1"
