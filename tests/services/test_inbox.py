"""Inbox views, counts, id lists and rows over a cache filled with plain INSERTs."""

from __future__ import annotations

import pytest

from deskapp.services import inbox
from tests.ui.fill import fill


@pytest.fixture
def filled(db):
    fill(db, conversations=30)
    return db


def test_builtin_views_count_like_a_direct_query(filled):
    views = inbox.builtin_views(inbox.channels_present(filled))
    counts = inbox.view_counts(filled, views)
    with filled.read() as conn:
        def q(sql):
            return conn.exec_driver_sql(sql).scalar()
        assert counts["open"] == q("SELECT count(*) FROM conversation WHERE status IN ('open','pending')")
        assert counts["mine"] == q("SELECT count(*) FROM conversation WHERE status IN ('open','pending')"
                                   " AND assignee_id = 1")
        assert counts["unassigned"] == q("SELECT count(*) FROM conversation WHERE status IN ('open','pending')"
                                         " AND assignee_id IS NULL")
        assert counts["resolved"] == q("SELECT count(*) FROM conversation WHERE status = 'resolved'")
        assert counts["channel:email"] == q("SELECT count(*) FROM conversation WHERE status IN ('open','pending')"
                                            " AND channel = 'email'")
    keys = [v.key for v in views]
    assert keys[:4] == ["mine", "unassigned", "open", "urgent"] and keys[-2:] == ["snoozed", "resolved"]
    assert len(inbox.view_ids(filled, views[2].filter)) == counts["open"]



def test_saved_views_of_every_shape_count_like_their_own_id_lists(filled):
    """Status alone, the backlog with more conditions, resolved with more conditions, no status at all:
    each kind is counted by its own query, and each count is the length of the view's list."""
    with filled.write() as conn:
        conn.exec_driver_sql("INSERT OR IGNORE INTO conversation_label (conversation_id, label)"
                             " SELECT id, 'vip' FROM conversation WHERE id % 3 = 0")
        conn.exec_driver_sql("UPDATE conversation SET status = 'snoozed' WHERE id % 7 = 0")
        conn.exec_driver_sql("UPDATE conversation SET status = 'resolved', channel = 'email' WHERE id % 5 = 1")
    F = inbox.ViewFilter
    filters = [F(statuses=("resolved",), channel="email"), F(label="vip"), F(statuses=("snoozed", "open")),
               F(statuses=("pending",), assignee="none"), F(), F(statuses=("resolved", "open"), label="vip"),
               F(statuses=("open",), urgent=True), F(channel="web_chat", assignee="me")]
    views = [inbox.View(f"v{i}", f"v{i}", f) for i, f in enumerate(filters)]
    counts = inbox.view_counts(filled, views)
    assert [counts[v.key] for v in views] == [len(inbox.view_ids(filled, f)) for f in filters]
    assert any(counts.values()) and all(counts[f"v{i}"] for i in (0, 1, 2, 4))
    with filled.read() as conn:
        assert inbox.channels_present(filled) == [r[0] for r in conn.exec_driver_sql(
            "SELECT DISTINCT channel FROM conversation ORDER BY channel")]
    assert len(inbox.channels_present(filled)) > 1

def test_ids_sorted_and_rows_by_page(filled):
    f = inbox.ViewFilter(statuses=inbox.OPEN_STATUSES)
    ids = inbox.view_ids(filled, f)
    rows = inbox.rows_for(filled, ids[:5])
    times = [rows[i].last_message_at for i in ids[:5]]
    assert times == sorted(times, reverse=True)
    asc = inbox.view_ids(filled, f, sort="customer", descending=False)
    names = [r.customer for r in inbox.rows_for(filled, asc).values()]
    assert sorted(asc) == sorted(ids) and names
    assert rows[ids[0]].customer.startswith("Customer")
    assert inbox.rows_for(filled, []) == {}


def test_filters_label_intent_team_dates(filled):
    assert inbox.view_ids(filled, inbox.ViewFilter(label="vip")) == inbox.view_ids(
        filled, inbox.ViewFilter(label="vip"))
    vip = inbox.view_ids(filled, inbox.ViewFilter(label="vip"))
    assert vip and all(i % 4 == 0 for i in vip)
    assert len(inbox.view_ids(filled, inbox.ViewFilter(intent="order_status"))) == 30
    assert inbox.view_ids(filled, inbox.ViewFilter(intent="refund")) == []
    assert len(inbox.view_ids(filled, inbox.ViewFilter(team_id=1))) == 30
    assert inbox.view_ids(filled, inbox.ViewFilter(assignee="2"))


def test_saved_views_round_trip(filled, profile):
    inbox.save_view(profile, "VIP open", inbox.ViewFilter(statuses=("open",), label="vip"))
    inbox.save_view(profile, "Refunds", inbox.ViewFilter(intent="refund"))
    inbox.save_view(profile, "VIP open", inbox.ViewFilter(statuses=("open",), label="vip", channel="email"))
    views = inbox.saved_views(profile)
    assert [v.title for v in views] == ["VIP open", "Refunds"]  # replacing keeps the view's place
    assert views[0].filter.channel == "email" and views[0].saved
    assert inbox.view_counts(filled, views)[views[0].key] >= 0
    inbox.delete_view(profile, "VIP open")
    assert [v.title for v in inbox.saved_views(profile)] == ["Refunds"]
    with pytest.raises(ValueError):
        inbox.save_view(profile, "  ", inbox.ViewFilter())


def test_list_conversations_for_the_cli(filled):
    items = inbox.list_conversations(filled, status="resolved", limit=3)
    assert len(items) == 3 and {i["status"] for i in items} == {"resolved"}
    assert set(items[0]) >= {"id", "account", "external_id", "channel", "status", "customer"}


def test_sla_text_and_mark_read(filled):
    row = inbox.rows_for(filled, [1])[1]
    row.status, row.first_response_at, row.sla_due_at = "open", None, 1000
    assert inbox.sla_text(row, now=1000 - 300) == "SLA 5m"
    assert inbox.sla_text(row, now=1000 + 7200) == "SLA -2h"
    inbox.mark_read(filled, 1)
    assert inbox.rows_for(filled, [1])[1].unread == 0
    assert inbox.my_agent_ids(filled) == {1}
    assert next(a["name"] for a in inbox.agents(filled)) == "Maya Agent"
    assert inbox.known_labels(filled) == ["vip"]


def test_sla_level_turns_amber_at_half_the_target_then_red(filled):
    row = inbox.rows_for(filled, [1])[1]
    assert row.sla_target_s == 120  # the row's channel (web chat) with the default targets
    row.status, row.sla_due_at, row.sla_target_s = "open", 100_000, 3600
    assert inbox.sla_level(row, now=100_000 - 3600) == "ok"  # the clock just started
    assert inbox.sla_level(row, now=100_000 - 1801) == "ok"
    assert inbox.sla_level(row, now=100_000 - 1800) == "at_risk"  # half the hour gone, like "at risk now"
    assert inbox.sla_level(row, now=100_000) == "at_risk" and inbox.sla_text(row, now=100_000) == "SLA 0s"
    assert inbox.sla_level(row, now=100_001) == "breaching"
    row.status = "snoozed"  # a snoozed conversation still waits for its first answer
    assert inbox.sla_level(row, now=100_001) == "breaching"
    row.status = "resolved"
    assert inbox.sla_level(row, now=100_001) == "" == inbox.sla_text(row, now=100_001)
    row.status, row.sla_due_at = "open", None  # answered: no countdown
    assert inbox.sla_level(row, now=100_001) == "" == inbox.sla_text(row, now=100_001)


def test_relative_time_reads_like_a_list():
    from datetime import datetime

    now = datetime(2026, 12, 2, 15, 0).timestamp()
    assert inbox.relative_time(None, now) == ""
    assert inbox.relative_time(int(now - 20), now) == "now"
    assert inbox.relative_time(int(now - 12 * 60), now) == "12m"
    assert inbox.relative_time(int(now - 3 * 3600), now) == "3h"
    assert inbox.relative_time(int(now - 6 * 86400), now) == "6d"
    assert inbox.relative_time(int(datetime(2026, 11, 2, 9, 0).timestamp()), now) == "2 Nov"
    assert inbox.relative_time(int(datetime(2025, 11, 28, 9, 0).timestamp()), now) == "28 Nov 2025"
    assert inbox.relative_time(int(now + 30), now) == "now"  # a clock slightly ahead of ours


def test_conversations_verb_prints_json_and_text(data_dir, capsys):
    import json

    from deskapp import cli
    from deskapp.store import migrate
    from deskapp.store.engine import Database

    database = Database(data_dir / "cache.sqlite3")
    migrate.upgrade(database)
    fill(database, conversations=8)
    database.close()
    assert cli.main(["--data-dir", str(data_dir), "conversations", "--status", "open", "--limit", "2", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert len(items) == 2 and all(i["status"] == "open" for i in items)
    assert {"id", "account", "external_id", "channel", "status", "customer"} <= set(items[0])
    assert cli.main(["--data-dir", str(data_dir), "conversations", "--limit", "3"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 3


def test_conversation_by_external_id_finds_the_first_of_that_id(filled):
    assert inbox.conversation_by_external_id(filled, "cw5") == 5
    with filled.write() as conn:  # the same external id on another account: the older row wins
        conn.exec_driver_sql("INSERT INTO conversation(id, account_id, external_id, channel, status, priority,"
                             " created_at, updated_at) VALUES (900, 2, 'cw5', 'email', 'open', 'none', 0, 0)")
    assert inbox.conversation_by_external_id(filled, "cw5") == 5
    assert inbox.conversation_by_external_id(filled, "nope") is None
    assert inbox.conversation_by_external_id(filled, "' OR 1=1 --") is None
