"""store.report_rows: the distinct values a performance tab's filter box offers, read by hopping the index."""

from __future__ import annotations

from deskapp.store.report_rows import distinct_values
from tests.faults.seed import seed_cache


def test_distinct_values_are_sorted_once_each_without_nulls(db):
    seeded = seed_cache(db, conversations=6)
    with db.write() as conn:
        for conversation_id, channel in zip(seeded["conversations"], ("email", "web_chat", "email", "sms", None,
                                                                       "web_chat"), strict=True):
            if channel is None:
                continue
            conn.exec_driver_sql("UPDATE conversation SET channel = ? WHERE id = ?", (channel, conversation_id))
        conn.exec_driver_sql("UPDATE conversation SET team_id = NULL")
    with db.read() as conn:
        assert distinct_values(conn, "conversation", "channel") == ["email", "sms", "web_chat"]
        assert distinct_values(conn, "conversation", "team_id") == []  # only NULLs: nothing to offer


def test_an_empty_table_offers_nothing(db):
    with db.read() as conn:
        assert distinct_values(conn, "conversation", "channel") == []


def test_values_that_look_like_sql_are_plain_values(db):
    seeded = seed_cache(db, conversations=1)
    with db.write() as conn:
        conn.exec_driver_sql("UPDATE conversation SET channel = ? WHERE id = ?",
                             ("x'); DROP TABLE conversation; --", seeded["conversations"][0]))
    with db.read() as conn:
        assert distinct_values(conn, "conversation", "channel") == ["x'); DROP TABLE conversation; --"]
        assert conn.exec_driver_sql("SELECT count(*) FROM conversation").scalar() == 1
