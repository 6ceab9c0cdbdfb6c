"""store.conversation_facts: the small reads suggestions and templates make about a conversation (intent,
customer, subject, the latest messages) and the conversations of one intent still waiting."""

from __future__ import annotations

import pytest

from deskapp.store import conversation_facts as facts
from tests.faults.seed import seed_cache


@pytest.fixture
def seeded(db):
    found = seed_cache(db, conversations=3)
    first, second, third = found["conversations"]
    with db.write() as conn:
        customer = conn.exec_driver_sql("INSERT INTO customer (name) VALUES ('Ana Lima') RETURNING id").scalar()
        conn.exec_driver_sql("UPDATE conversation SET intent = 'refund', subject = 'Broken zip', customer_id = ?,"
                             " last_message_at = 30 WHERE id = ?", (customer, first))
        conn.exec_driver_sql("UPDATE conversation SET intent = 'refund', last_message_at = 10 WHERE id = ?", (second,))
        conn.exec_driver_sql("UPDATE conversation SET intent = 'refund', status = 'resolved' WHERE id = ?", (third,))
        for i, (direction, text, sent) in enumerate([("in", "The zip broke", 1), ("out", "Sorry! Photo?", 2),
                                                     ("note", "check stock", 3), ("in", "   ", 4),
                                                     ("in", "Here it is", 5)]):
            conn.exec_driver_sql("INSERT INTO message (account_id, external_id, conversation_id, direction, text,"
                                 " sent_at) VALUES (?, ?, ?, ?, ?, ?)",
                                 (found["account_id"], f"m{i}", first, direction, text, sent))
    return found | {"customer": customer}


def test_what_the_suggestions_read_about_one_conversation(db, seeded):
    first, second = seeded["conversations"][:2]
    with db.read() as conn:
        assert facts.intent(conn, first) == ("refund",)
        assert facts.customer_id(conn, first) == seeded["customer"]
        assert facts.subject_and_customer(conn, first) == ("Broken zip", "Ana Lima")
        assert facts.subject_and_customer(conn, second) == ("", "")  # no subject, no customer yet
        assert facts.latest_inbound_text(conn, first) == "Here it is"  # the blank one skipped
        assert facts.last_exchange(conn, first) == [("in", "Here it is"), ("out", "Sorry! Photo?"),
                                                    ("in", "The zip broke")]  # no notes, no blanks


def test_a_conversation_that_is_not_there_gives_nothing(db, seeded):
    with db.read() as conn:
        assert facts.intent(conn, 9999) is None and facts.customer_id(conn, 9999) is None
        assert facts.subject_and_customer(conn, 9999) is None
        assert facts.latest_inbound_text(conn, 9999) == "" and facts.last_exchange(conn, 9999) == []


def test_waiting_conversations_of_one_intent_oldest_activity_first(db, seeded):
    first, second, _third = seeded["conversations"]
    assert facts.waiting_with_intent(db, "refund", ("open", "pending"), 10) == [second, first]
    assert facts.waiting_with_intent(db, "refund", ("open",), 1) == [second]
    assert facts.waiting_with_intent(db, "cancel", ("open",), 10) == []
