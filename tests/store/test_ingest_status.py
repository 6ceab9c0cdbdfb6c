"""store.ingest_status: resolution times and reopenings read from a conversation's activity notices and
customer messages, for services that keep no resolution time (Chatwoot)."""

from __future__ import annotations

import pytest

from deskapp.store.ingest_status import refresh_resolutions
from tests.faults.seed import seed_cache


@pytest.fixture
def conv(db):
    seeded = seed_cache(db, conversations=1)
    return seeded["account_id"], seeded["conversations"][0]


def add(db, conv, rows, *, status: str = "resolved", resolved_at: int | None = None) -> None:
    account, conversation = conv
    with db.write() as conn:
        conn.exec_driver_sql("UPDATE conversation SET status = ?, resolved_at = ? WHERE id = ?",
                             (status, resolved_at, conversation))
        for i, (at, direction, event) in enumerate(rows):
            conn.exec_driver_sql("INSERT INTO message (account_id, external_id, conversation_id, direction, sent_at,"
                                 " status_event) VALUES (?, ?, ?, ?, ?, ?)",
                                 (account, f"m{at}-{i}", conversation, direction, at, event))


def refreshed(db, conv) -> tuple[list[tuple], int | None]:
    with db.write() as conn:
        refresh_resolutions(conn, [conv[1], conv[1]])
    with db.read() as conn:
        events = [tuple(r) for r in conn.exec_driver_sql(
            "SELECT kind, at, value FROM conversation_event WHERE conversation_id = ? ORDER BY at, id", (conv[1],))]
        resolved_at = conn.exec_driver_sql("SELECT resolved_at FROM conversation WHERE id = ?", (conv[1],)).scalar()
    return events, resolved_at


def test_resolved_then_reopened_by_the_customer_then_resolved_again(db, conv):
    add(db, conv, [(10, "in", None), (20, "activity", "resolved"), (30, "in", None), (40, "activity", "resolved")])
    events, resolved_at = refreshed(db, conv)
    assert events == [("resolved", 20, "notice"), ("reopened", 30, "notice"), ("resolved", 40, "notice")]
    assert resolved_at == 40


def test_a_reopening_notice_and_an_open_conversation_keep_no_resolution_time(db, conv):
    add(db, conv, [(10, "in", None), (20, "activity", "resolved"), (25, "activity", "reopened")], status="open")
    events, resolved_at = refreshed(db, conv)
    assert events == [("resolved", 20, "notice"), ("reopened", 25, "notice")] and resolved_at is None


def test_notices_in_another_language_fall_back_to_the_last_activity_after_the_customer(db, conv):
    add(db, conv, [(5, "activity", None), (10, "in", None), (30, "activity", None)])
    events, resolved_at = refreshed(db, conv)
    assert events == [] and resolved_at == 30


def test_a_notice_before_the_customers_last_message_is_no_resolution_time(db, conv):
    # The customer wrote after the only notice: no status change was written since, so the time already
    # held (a resolution made here) stands.
    add(db, conv, [(10, "in", None), (20, "activity", None), (30, "in", None)], resolved_at=35)
    assert refreshed(db, conv) == ([], 35)


def test_the_fallback_takes_the_last_notice_after_the_customers_last_message(db, conv):
    add(db, conv, [(10, "in", None), (20, "activity", None), (30, "in", None), (40, "activity", None),
                   (45, "activity", None)], resolved_at=7)
    assert refreshed(db, conv) == ([], 45)


def test_a_notice_in_the_same_second_as_the_customers_last_message_counts(db, conv):
    add(db, conv, [(10, "in", None), (30, "activity", None), (30, "in", None)], resolved_at=7)
    assert refreshed(db, conv) == ([], 30)


def test_a_refresh_rewrites_its_own_events_and_leaves_observed_ones(db, conv):
    add(db, conv, [(10, "in", None), (20, "activity", "resolved")])
    with db.write() as conn:
        conn.exec_driver_sql("INSERT INTO conversation_event (conversation_id, kind, at, value)"
                             " VALUES (?, 'assigned', 15, NULL)", (conv[1],))
    refreshed(db, conv)
    events, _ = refreshed(db, conv)  # twice: no duplicates
    assert events == [("assigned", 15, None), ("resolved", 20, "notice")]


def test_a_refresh_that_changes_nothing_writes_nothing(db, conv):
    add(db, conv, [(10, "in", None), (20, "activity", "resolved"), (30, "in", None), (40, "activity", "resolved")])
    refreshed(db, conv)
    with db.write() as conn:
        raw = conn.connection.driver_connection
        before = raw.total_changes
        refresh_resolutions(conn, [conv[1]])
        assert raw.total_changes == before  # no event rewritten, no resolution time rewritten


def test_a_refresh_keeps_the_events_that_still_hold_and_replaces_the_rest(db, conv):
    add(db, conv, [(10, "in", None), (20, "activity", "resolved")])
    refreshed(db, conv)
    with db.write() as conn:  # the notice at 20 turns out to be no resolution
        conn.exec_driver_sql("UPDATE message SET status_event = NULL WHERE conversation_id = ? AND sent_at = 20",
                             (conv[1],))
    add(db, conv, [(30, "in", None), (40, "activity", "resolved")])
    events, resolved_at = refreshed(db, conv)
    assert events == [("resolved", 40, "notice")] and resolved_at == 40
    with db.write() as conn:  # a mark on the row, to tell it from a copy written again
        mark = conn.exec_driver_sql("SELECT min(id) FROM agent").scalar()
        assert mark is not None
        conn.exec_driver_sql("UPDATE conversation_event SET agent_id = ? WHERE conversation_id = ? AND at = 40",
                             (mark, conv[1]))
    add(db, conv, [(50, "in", None), (60, "activity", "resolved")])
    events, resolved_at = refreshed(db, conv)
    assert events == [("resolved", 40, "notice"), ("reopened", 50, "notice"), ("resolved", 60, "notice")]
    assert resolved_at == 60
    with db.read() as conn:  # the event that still holds is the same row
        assert conn.exec_driver_sql("SELECT agent_id FROM conversation_event WHERE conversation_id = ? AND at = 40",
                                    (conv[1],)).scalar() == mark


def test_mail_conversations_without_notices_are_left_alone(db, conv):
    add(db, conv, [(10, "in", None), (20, "out", None)], resolved_at=7)
    assert refreshed(db, conv) == ([], 7)
    with db.write() as conn:
        refresh_resolutions(conn, [])
