"""store.triage_rows: the newest retrained model, inbound texts to label, labels on messages, and rolled-up
conversation labels that never overwrite an agent's locked ones."""

from __future__ import annotations

import json

from deskapp.store import triage_rows as rows
from tests.kpi.builder import CacheBuilder

T = 1_750_000_000  # pinned


def test_models_newest_first(db):
    with db.read() as conn:
        assert rows.newest_model_id(conn) is None
    with db.write() as conn:
        for blob in (b"old", b"new"):
            conn.exec_driver_sql("INSERT INTO triage_model (created_at, examples, corrections, model)"
                                 " VALUES (?, 1, 0, ?)", (T, blob))
    with db.read() as conn:
        newest = rows.newest_model_id(conn)
        assert rows.model_blob(conn, newest) == b"new"


def test_labels_go_on_inbound_messages_and_roll_up_unless_locked(db):
    with db.write() as conn:
        b = CacheBuilder(conn)
        open_one, locked = b.conversation(created=T), b.conversation(created=T)
        inbound = [b.message(c, "in", T + n) for n, c in enumerate((open_one, locked))]
        outbound = b.message(open_one, "out", T + 5)
        conn.exec_driver_sql("UPDATE message SET text = 'where is it' WHERE id IN (?, ?)", tuple(inbound))
        conn.exec_driver_sql("UPDATE conversation SET triage_locked = 1, intent = 'refund' WHERE id = ?", (locked,))
        found = rows.inbound_texts(conn, [*inbound, outbound, 99_999])
        assert sorted(found) == [(inbound[0], open_one, "where is it"), (inbound[1], locked, "where is it")]
        scores = json.dumps({"intent": 0.9})
        rows.write_message_labels(conn, [("order_status", "normal", "neutral", scores, m) for m in inbound])
        [latest] = rows.recent_inbound_labels(conn, open_one)
        assert tuple(latest) == ("order_status", "normal", "neutral", scores, "where is it")
        assert rows.recent_inbound_labels(conn, open_one, limit=0) == []
        labels = {"intent": "order_status", "intent_score": 0.9, "urgency": "normal", "urgency_score": 0.5,
                  "sentiment": "neutral", "sentiment_score": 0.0}
        rows.write_conversation_labels(conn, [labels | {"id": open_one}, labels | {"id": locked}])
        rows.write_conversation_labels(conn, [])
        got = dict(conn.exec_driver_sql("SELECT id, intent FROM conversation WHERE id IN (?, ?)",
                                        (open_one, locked)).all())
    assert got == {open_one: "order_status", locked: "refund"}
