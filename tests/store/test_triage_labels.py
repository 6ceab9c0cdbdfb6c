"""store.triage_labels: what an agent's relabelling targets, the label written and locked against sync, the
lock lifted, kept corrections put back on re-synced conversations, and retrained models stored."""

from __future__ import annotations

import pytest

from deskapp.store import triage_labels as labels
from deskapp.store.profile_records import Correction
from tests.faults.seed import seed_cache


@pytest.fixture
def seeded(db):
    found = seed_cache(db, conversations=2)
    first = found["conversations"][0]
    with db.write() as conn:
        conn.exec_driver_sql("UPDATE conversation SET intent = 'other', sentiment = 'neutral' WHERE id = ?", (first,))
        ids = [conn.exec_driver_sql(
            "INSERT INTO message (account_id, external_id, conversation_id, direction, text, sent_at)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (found["account_id"], ext, first, direction, text, sent)).scalar()
            for ext, direction, text, sent in (("m1", "in", "where is it", 1), ("m2", "out", "checking", 2),
                                               ("m3", "in", "it arrived broken", 3))]
    return found | {"messages": ids}


def test_the_target_is_the_latest_inbound_message_unless_one_is_named(db, seeded):
    first = seeded["conversations"][0]
    with db.read() as conn:
        target = labels.correction_target(conn, first, "intent")
        assert (target.conversation_external_id, target.old_value) == ("101", "other")
        assert (target.message_external_id, target.text) == ("m3", "it arrived broken")
        named = labels.correction_target(conn, first, "intent", seeded["messages"][0])
        assert named.message_external_id == "m1"
        nowhere = labels.correction_target(conn, first, "intent", 99_999)  # a message that is gone
        assert nowhere.message_id is None and nowhere.text == ""
        assert labels.correction_target(conn, 99_999, "intent") is None
        quiet = labels.correction_target(conn, seeded["conversations"][1], "urgency")
        assert quiet.message_id is None and quiet.old_value is None


def test_a_label_is_set_on_message_and_conversation_and_locked_until_unlocked(db, seeded):
    first, message = seeded["conversations"][0], seeded["messages"][2]
    with db.write() as conn:
        labels.set_label(conn, first, "sentiment", "negative", message)
    assert labels.current_labels(db, first) == ("other", None, "negative")
    with db.read() as conn:
        row = conn.exec_driver_sql("SELECT sentiment_score, triage_locked FROM conversation WHERE id = ?",
                                   (first,)).one()
        assert tuple(row) == (-1.0, 1)
        assert conn.exec_driver_sql("SELECT sentiment FROM message WHERE id = ?", (message,)).scalar() == "negative"
    with db.write() as conn:
        assert labels.unlock(conn, first) == (seeded["account_id"], "101")
        assert labels.unlock(conn, 99_999) is None
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT triage_locked FROM conversation WHERE id = ?", (first,)).scalar() == 0
    assert labels.current_labels(db, 99_999) is None


def test_kept_corrections_go_back_on_the_conversations_pulled_again(db, seeded):
    first, second = seeded["conversations"]

    def correction(conversation: str | None, field: str, value: str, message: str | None = None) -> Correction:
        return Correction(seeded["account_id"], conversation, message, field, None, value, "", 1)

    kept = [correction("101", "intent", "refund", "m3"), correction("101", "intent", "damaged_item"),
            correction("102", "urgency", "high"), correction("999", "intent", "cancel"),
            correction(None, "intent", "x")]
    with db.write() as conn:
        assert labels.apply_corrections(conn, seeded["account_id"], kept, [first]) == 2  # 102 was not pulled
        assert labels.apply_corrections(conn, seeded["account_id"], kept, []) == 0
        assert labels.apply_corrections(conn, seeded["account_id"], [], [first, second]) == 0
    assert labels.current_labels(db, first)[0] == "damaged_item"  # the newest correction wins
    assert labels.current_labels(db, second)[1] is None
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT intent FROM message WHERE external_id = 'm3'").scalar() == "refund"


def test_retrained_models_are_stored_newest_last(db):
    with db.write() as conn:
        one = labels.store_model(conn, examples=10, corrections=2, blob=b"model-1")
        two = labels.store_model(conn, examples=12, corrections=3, blob=b"model-2")
    assert two > one
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT model FROM triage_model ORDER BY id DESC LIMIT 1").scalar() == b"model-2"


@pytest.mark.parametrize("field", ["intent = 'x', triage_locked", "external_id", "intent; DROP TABLE message", ""])
def test_only_the_three_label_columns_reach_the_sql(db, seeded, field):
    first = seeded["conversations"][0]
    with db.write() as conn:
        with pytest.raises(ValueError, match="no triage label"):
            labels.set_label(conn, first, field, "refund", None)
        with pytest.raises(ValueError, match="no triage label"):
            labels.correction_target(conn, first, field)
    assert labels.current_labels(db, first) == ("other", None, "neutral")
