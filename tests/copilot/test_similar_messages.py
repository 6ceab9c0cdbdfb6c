"""Past replies found by meaning: a message sharing no word with an earlier one that asked the same thing."""

from __future__ import annotations

import numpy as np
import pytest

from deskapp.copilot.past_replies import find_past_replies
from deskapp.copilot.similar_messages import MeaningIndex, index_for, similar_messages
from tests.copilot.helpers import T0, add_account, add_conversation, add_customer, add_message

CUSTOMS = "My parcel has been stuck in customs for two weeks, what do I do?"
CUSTOMS_REPLY = "Parcels held at customs usually clear within 5 days; I have asked the carrier to check."
BORDER = "the package is held at the border and not moving"


@pytest.fixture
def cache(db):
    with db.write() as conn:
        add_account(conn)
        someone = add_customer(conn, "Bea Stone", "bea@example.com")
        for n, (asked, answer) in enumerate([
            (CUSTOMS, CUSTOMS_REPLY),
            ("Please cancel my order, I bought the wrong colour.", "Done, your order is cancelled and refunded."),
            ("I was charged twice for the same purchase", "Sorry! The second charge is refunded today."),
            ("Do you have this jacket in size XL?", "Yes, XL is back in stock next week."),
        ]):
            conv = add_conversation(conn, f"c-old-{n}", someone, at=T0 - 86400 * (n + 2))
            add_message(conn, conv, "in", asked, at=T0 - 86400 * (n + 2))
            add_message(conn, conv, "out", answer, at=T0 - 86400 * (n + 2) + 600)
        ana = add_customer(conn, "Ana Silva", "ana@example.com")
        new = add_conversation(conn, "c-new", ana)
        add_message(conn, new, "in", BORDER)
    with db.read() as conn:
        index_for(conn, wait=True)
    return db, new


def test_a_question_asked_in_other_words_finds_the_reply_to_it(cache):
    db, new = cache
    with db.read() as conn:
        by_words = find_past_replies(conn, new, BORDER, meaning=False)
        by_meaning = find_past_replies(conn, new, BORDER)
        similar = similar_messages(conn, new, BORDER, limit=4)
    assert all(r.text != CUSTOMS_REPLY for r in by_words)  # no telling word in common
    assert by_meaning and by_meaning[0].text == CUSTOMS_REPLY and by_meaning[0].score > 0
    assert similar[0].similarity > 0.55 > similar[-1].similarity  # the others asked something else
    assert all(s.conversation_id != new for s in similar)


def test_a_message_that_arrives_later_is_found_without_a_rebuild(cache):
    db, new = cache
    with db.write() as conn:
        bob = add_customer(conn, "Bob Ray", "bob@example.com")
        later = add_conversation(conn, "c-later", bob, at=T0 + 60)
        add_message(conn, later, "in", "money taken two times from my card for one purchase", at=T0 + 60)
        add_message(conn, later, "out", "The duplicate payment is reversed.", at=T0 + 120)
    with db.read() as conn:
        replies = find_past_replies(conn, new, "I paid twice, the same amount was debited again")
    assert {r.text for r in replies} >= {"The duplicate payment is reversed."}


def test_the_index_keeps_the_newest_messages_in_id_order():
    index = MeaningIndex()
    rows = [(5, 1, 50, "e"), (3, 1, 30, "c"), (9, 2, 90, "i")]
    index.add(rows, np.eye(3, dtype=np.float32))
    assert index.ids.tolist() == [3, 5, 9] and index.newest_id == 9
    index.add([(4, 3, 40, "d")], np.ones((1, 3), dtype=np.float32))  # older than what is held: not added twice
    assert index.ids.tolist() == [3, 5, 9]
    found = index.search(np.array([1.0, 0, 0], dtype=np.float32), other_than=2, limit=5)
    assert [f.message_id for f in found] == [5]  # one per conversation, never the asking one

