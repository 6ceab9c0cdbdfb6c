"""The collision check's reads over a real cache: what the agent had seen, and the replies others sent since."""

from __future__ import annotations

from deskapp.store.collision_rows import SeenMark, conversation_ref, my_external_ids, replies_after, seen_mark
from tests.copilot.helpers import T0, add_account, add_conversation, add_customer, add_message


def _reply(conn, conv: int, text: str, at: int, *, author: str | None, author_id: str | None,
           client_id: str | None = None, automated: int = 0, deleted: int = 0) -> int:
    row = add_message(conn, conv, "out", text, at=at)
    conn.exec_driver_sql("UPDATE message SET author_name = ?, author_external_id = ?, client_id = ?,"
                         " automated = ?, deleted = ? WHERE id = ?",
                         (author, author_id, client_id, automated, deleted, row))
    return row


def test_only_others_public_replies_after_the_mark_count_oldest_first(db):
    with db.write() as conn:
        add_account(conn)
        conv = add_conversation(conn, "41", add_customer(conn, "Ana"))
        add_message(conn, conv, "in", "Where is my parcel?", at=T0)
        mark = seen_mark(conn, conv)
        _reply(conn, conv, "mine, from the outbox", T0 + 10, author="Sam", author_id=None, client_id="c-1")
        _reply(conn, conv, "mine, from the web app", T0 + 20, author="Sam", author_id="me")
        _reply(conn, conv, "withdrawn", T0 + 30, author="Kim", author_id="7", deleted=1)
        add_message(conn, conv, "in", "Hello?", at=T0 + 40)
        _reply(conn, conv, "Later one", T0 + 60, author="Kim", author_id="7")
        _reply(conn, conv, "Auto ack", T0 + 50, author="", author_id=None, automated=1)
    with db.read() as conn:
        replies = replies_after(conn, mark)
        assert [(r.author, r.sent_at, r.text, r.automated) for r in replies] == [
            ("", T0 + 50, "Auto ack", True), ("Kim", T0 + 60, "Later one", False)]
        # once the agent has seen everything, nothing is new
        assert replies_after(conn, seen_mark(conn, conv)) == []


def test_the_mark_and_refs_of_an_empty_or_unknown_conversation(db):
    with db.write() as conn:
        add_account(conn)
        conv = add_conversation(conn, "77", None)
    with db.read() as conn:
        assert seen_mark(conn, conv) == SeenMark(conv, 0, 0)
        assert conversation_ref(conn, conv) == (1, "77")
        assert my_external_ids(conn, conv) == {"me"}
        assert conversation_ref(conn, 999_999) is None
        assert my_external_ids(conn, 999_999) == set()
        assert replies_after(conn, SeenMark(999_999, 0, 0)) == []


def test_the_mark_is_the_newest_row_even_when_an_older_message_arrives_late(db):
    with db.write() as conn:
        add_account(conn)
        conv = add_conversation(conn, "5", None)
        add_message(conn, conv, "in", "first", at=T0 + 100)
        late = add_message(conn, conv, "in", "sent earlier, synced later", at=T0)
    with db.read() as conn:
        assert seen_mark(conn, conv) == SeenMark(conv, late, T0 + 100)
