"""The sync apply-hook: the rollups of the conversations a batch touched, or got new messages in, are redone."""

from __future__ import annotations

from deskapp.kpi.rollup import rebuild
from deskapp.kpi.rollup_hook import update_rollups
from deskapp.store.ingest import AppliedChanges
from tests.kpi.builder import CacheBuilder, local

T0 = local("2026-05-04 09:00", "UTC")


def _rollup(db, conversation: int):
    with db.read() as conn:
        return conn.exec_driver_sql(
            "SELECT first_inbound_at, first_reply_at, first_reply_agent_id, human_replies FROM kpi_conversation"
            " WHERE conversation_id = ?", (conversation,)).one()


def _reply(conn, conversation: int, at: int) -> int:
    """Ada's reply, written the way ingest writes it (the hook, not a trigger, must bring it to the rollup)."""
    return conn.exec_driver_sql(
        "INSERT INTO message (account_id, external_id, conversation_id, direction, author_external_id, sent_at,"
        " automated, delivery) VALUES (1, ?, ?, 'out', 'a-Ada', ?, 0, 'sent')",
        (f"reply-{conversation}-{at}", conversation, at)).lastrowid


def _two_waiting_conversations(db):
    with db.write() as conn:
        b = CacheBuilder(conn)
        ada = b.agent("Ada")
        first, second = b.conversation(created=T0), b.conversation(created=T0)
        for c in (first, second):
            b.message(c, "in", T0)
        rebuild(conn)
    return ada, first, second


def test_new_messages_refresh_only_their_conversations(db):
    ada, first, second = _two_waiting_conversations(db)
    with db.write() as conn:
        reply = _reply(conn, first, T0 + 90)
        _reply(conn, second, T0 + 60)  # not in the batch
        update_rollups(conn, AppliedChanges(account_id=1, new_message_ids=[reply]))
    assert _rollup(db, first) == (T0, T0 + 90, ada, 1)
    assert _rollup(db, second) == (T0, None, None, 0), "a conversation the batch did not touch is left alone"


def test_touched_conversations_are_refreshed_without_message_ids(db):
    ada, first, second = _two_waiting_conversations(db)
    with db.write() as conn:
        _reply(conn, second, T0 + 60)
        update_rollups(conn, AppliedChanges(account_id=1, conversation_ids=[second, second]))
    assert _rollup(db, second) == (T0, T0 + 60, ada, 1)
    assert _rollup(db, first) == (T0, None, None, 0)


def test_an_empty_batch_or_a_changes_object_without_ids_writes_nothing(db):
    _ada, first, _second = _two_waiting_conversations(db)
    with db.write() as conn:
        _reply(conn, first, T0 + 60)
        update_rollups(conn, AppliedChanges(account_id=1))
        update_rollups(conn, object())  # a hook caller that offers neither attribute
        update_rollups(conn, AppliedChanges(account_id=1, new_message_ids=[987654]))  # gone since: no conversation
    assert _rollup(db, first) == (T0, None, None, 0)


def test_a_failed_batch_rolls_the_refreshed_rollup_back_with_it(db):
    _ada, first, _second = _two_waiting_conversations(db)
    try:
        with db.write() as conn:
            reply = _reply(conn, first, T0 + 90)
            update_rollups(conn, AppliedChanges(account_id=1, new_message_ids=[reply]))
            raise RuntimeError("the batch fails after the hook ran")
    except RuntimeError:
        pass
    assert _rollup(db, first) == (T0, None, None, 0)
