"""The hub's rule, macro and picker lists kept as sync-state rows, and the conversations a rule preview or a
macro starts from, over a real cache."""

from __future__ import annotations

import pytest

from deskapp.store import automation_rows as rows
from deskapp.store.accounts import set_cursor
from tests.copilot.helpers import T0, add_account, add_conversation, add_customer, add_message


def test_hub_lists_round_trip_per_account_and_kind(db):
    rules = [{"id": 7, "name": "Refunds", "conditions": [{"attribute_key": "content", "values": ["refund"]}]}]
    with db.write() as conn:
        add_account(conn, 1)
        add_account(conn, 2, "Kim")
        rows.save_hub_list(conn, 1, "automation_rules", rules)
        rows.save_hub_list(conn, 1, "macros", [])
        rows.save_hub_list(conn, 1, "automation_rules", [*rules, {"id": 8}])  # the newer fetch replaces it
    with db.read() as conn:
        assert rows.load_hub_list(conn, 1, "automation_rules") == [*rules, {"id": 8}]
        assert rows.load_hub_list(conn, 1, "macros") == []  # fetched, empty: not None
        assert rows.load_hub_list(conn, 1, "pickers") is None  # never fetched
        assert rows.load_hub_list(conn, 2, "automation_rules") is None


def test_an_unknown_kind_is_refused_and_an_unreadable_row_reads_as_never_fetched(db):
    with db.write() as conn:
        add_account(conn)
        with pytest.raises(ValueError, match="unknown hub list 'webhooks'"):
            rows.save_hub_list(conn, 1, "webhooks", [])
        set_cursor(conn, 1, "hub/macros", '[{"id": 1,')  # cut short
    with db.read() as conn:
        assert rows.load_hub_list(conn, 1, "macros") is None


def _fill(conn) -> tuple[int, int, int]:
    add_account(conn)
    conn.exec_driver_sql("INSERT INTO team(account_id, external_id, name) VALUES (1, '4', 'Returns')")
    ana = add_customer(conn, "Ana")
    old = add_conversation(conn, "1", ana, subject="old", at=T0 - 1000)
    new = add_conversation(conn, "2", ana, subject="Refund please", at=T0 + 10)
    conn.exec_driver_sql("UPDATE conversation SET assignee_id = (SELECT id FROM agent WHERE external_id = 'me'),"
                         " team_id = (SELECT id FROM team), labels = '[\"vip\"]' WHERE id = ?", (new,))
    conn.exec_driver_sql("UPDATE conversation SET updated_at = ? WHERE id = ?", (T0 + 50, old))
    add_message(conn, new, "out", "our greeting", at=T0 + 5)
    deleted = add_message(conn, new, "in", "withdrawn", at=T0 + 11)
    conn.exec_driver_sql("UPDATE message SET deleted = 1 WHERE id = ?", (deleted,))
    add_message(conn, new, "in", "I want a refund", at=T0 + 12)
    add_message(conn, new, "in", "and quickly", at=T0 + 20)
    add_message(conn, old, "in", "before the window", at=T0 - 1000)
    conn.exec_driver_sql("UPDATE conversation SET last_message_at = ? WHERE id = ?", (T0 + 20, new))
    return old, new, ana


def test_conversations_since_are_read_as_a_rule_sees_them(db):
    with db.write() as conn:
        old, new, _ = _fill(conn)
    with db.read() as conn:
        [subject] = rows.conversations_since(conn, 1, T0)
        assert (subject.conversation_id, subject.external_id, subject.subject, subject.customer) == (
            new, "2", "Refund please", "Ana")
        assert (subject.assignee, subject.team, subject.labels) == ("me", "4", '["vip"]')
        assert subject.text == "I want a refund"  # the first incoming one not deleted
        assert rows.conversations_since(conn, 1, T0, with_text=False)[0].text is None
        changed = rows.conversations_since(conn, 1, T0, changed=True, with_text=False)
        assert [s.conversation_id for s in changed] == [new, old]  # by update time: old was edited at T0 + 50
        assert rows.conversations_since(conn, 2, 0) == []  # another account's window is empty
        assert rows.conversations_since(conn, 1, T0 + 10_000) == []


def test_incoming_messages_since_leave_out_replies_deleted_and_older_ones(db):
    with db.write() as conn:
        _old, new, _ = _fill(conn)
    with db.read() as conn:
        found = rows.incoming_messages_since(conn, 1, T0)
        assert [(s.conversation_id, s.text) for s in found] == [(new, "I want a refund"), (new, "and quickly")]
        assert [s.text for s in rows.incoming_messages_since(conn, 1, T0 + 15)] == ["and quickly"]


def test_macro_targets_keep_the_order_given_once_each_and_drop_unknown_ids(db):
    with db.write() as conn:
        old, new, _ = _fill(conn)
    with db.read() as conn:
        targets = rows.macro_targets(conn, [new, 999_999, old, new])
        assert [t.conversation_id for t in targets] == [new, old]
        assert targets[0].account_id == 1 and targets[0].labels == '["vip"]' and targets[0].assignee_id
        assert targets[1].assignee_id is None
        assert rows.macro_targets(conn, []) == []


def test_local_ids_of_hub_agents_and_teams(db):
    with db.write() as conn:
        _fill(conn)
    with db.read() as conn:
        me = conn.exec_driver_sql("SELECT id FROM agent WHERE external_id = 'me'").scalar()
        assert rows.local_id(conn, 1, "agent", "me") == me
        assert rows.local_id(conn, 1, "team", "4") is not None
        assert rows.local_id(conn, 1, "team", "5") is None
        assert rows.local_id(conn, 2, "agent", "me") is None  # another account's agent
        with pytest.raises(ValueError, match="no hub id lookup"):
            rows.local_id(conn, 1, "customer; DROP TABLE agent", "1")
