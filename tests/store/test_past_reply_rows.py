"""store.past_reply_rows: word counts, inbound matches of other conversations, the first human reply after a
message, and what a reply may say about a conversation's customer."""

from __future__ import annotations

import pytest

from deskapp.store import past_reply_rows as rows
from tests.kpi.builder import CacheBuilder

T = 1_750_000_000  # pinned


def _text(conn, message_id: int, words: str) -> None:
    conn.exec_driver_sql("UPDATE message SET text = ? WHERE id = ?", (words, message_id))


@pytest.fixture
def world(db):
    with db.write() as conn:
        b = CacheBuilder(conn)
        ada = b.customer("Ada Lovelace")
        conn.exec_driver_sql("INSERT INTO customer_identity (customer_id, kind, value) VALUES (?, 'email', ?)",
                             (ada, "ada@example.com"))
        order = b.order(T - 86_400, customer=ada)
        conn.exec_driver_sql('UPDATE "order" SET tracking_urls = ? WHERE id = ?',
                             ('["https://track.example/1Z9"]', order))
        theirs = b.conversation(created=T - 3_600, customer=ada, intent="damaged_or_wrong_item")
        asked = b.message(theirs, "in", T - 3_600)
        _text(conn, asked, "The parcel arrived broken, the vase is shattered")
        bot = b.message(theirs, "out", T - 3_500, automated=True)
        _text(conn, bot, "We got your message")
        blank = b.message(theirs, "out", T - 3_400)
        _text(conn, blank, "   ")
        answer = b.message(theirs, "out", T - 3_000)
        _text(conn, answer, "Sorry Ada, a new vase is on its way")
        mine = b.conversation(created=T - 60)
        own = b.message(mine, "in", T - 60)
        _text(conn, own, "My vase arrived shattered")
        nobody = b.conversation(created=T - 30)
    return {"ada": ada, "theirs": theirs, "asked": asked, "answer": answer, "mine": mine, "own": own,
            "nobody": nobody, "order": order}


def test_counts_and_matches_leave_out_the_asking_conversation(db, world):
    with db.read() as conn:
        assert rows.term_documents(conn, "shattered") == 2 and rows.term_documents(conn, "unicorn") == 0
        assert rows.newest_message_id(conn) == world["own"]
        hits = rows.matching_inbound(conn, 'text : ("shattered")', floor=0, scan=50, other_than=world["mine"],
                                     limit=10)
        assert [(h.id, h.conversation_id, h.intent) for h in hits] == [
            (world["asked"], world["theirs"], "damaged_or_wrong_item")]
        assert rows.matching_inbound(conn, 'text : ("shattered")', floor=world["own"], scan=50,
                                     other_than=world["mine"], limit=10) == []


def test_the_first_reply_is_human_and_not_blank(db, world):
    with db.read() as conn:
        reply = rows.first_reply_after(conn, world["theirs"], T - 3_600, world["asked"])
        assert (reply.id, reply.text) == (world["answer"], "Sorry Ada, a new vase is on its way")
        assert rows.first_reply_after(conn, world["theirs"], T, world["asked"]) is None


def test_customer_traces(db, world):
    with db.read() as conn:
        traces = rows.customer_traces(conn, world["theirs"])
        assert traces.name == "Ada Lovelace" and traces.order_numbers[0].startswith("#")
        assert set(traces.private) == {"https://track.example/1Z9", "ada@example.com"}
        assert rows.customer_traces(conn, world["nobody"]) is None
        assert rows.customer_traces(conn, 99_999) is None
