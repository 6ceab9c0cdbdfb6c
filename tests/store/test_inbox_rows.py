"""The conversation list's reads: view filters, counts that agree with the ids, sort orders, list rows
(odd stored labels included), unread, changes since, newest first, lookup by external id."""

from __future__ import annotations

import pytest

from deskapp.store.inbox_rows import (
    ViewFilter,
    channels,
    clear_unread,
    conversation_id_by_external,
    newest,
    rows,
    updated_since,
    view_counts,
    view_ids,
)
from tests.kpi.builder import CacheBuilder, local

T0 = local("2026-05-04 09:00", "UTC")


@pytest.fixture
def cache(db):
    """Five conversations: (customer, channel, status, assignee, priority, urgency, label, created, last)."""
    with db.write() as conn:
        b = CacheBuilder(conn)
        me, bo = b.agent("Ada", is_me=True), b.agent("Bo")
        shoes = b.team("Shoes")
        ana, zoe = b.customer("ana"), b.customer("Zoe")
        made = {}
        for key, customer, channel, status, assignee, priority, urgency, labels, hours, last in (
            ("a", ana, "email", "open", me, "urgent", None, '["vip"]', 0, 5),
            ("b", zoe, "whatsapp", "open", None, "low", "urgent", "[]", 1, 3),
            ("c", None, "email", "pending", bo, "high", None, '["vip", "late"]', 2, None),
            ("d", ana, "sms", "resolved", me, "none", None, "[]", 3, 1),
            ("e", zoe, "email", "resolved", bo, "medium", None, "not json", 4, 4),
        ):
            cid = b.conversation(created=T0 + hours * 3600, channel=channel, status=status, assignee=assignee,
                                 customer=customer, team=shoes if key in "ab" else None,
                                 labels=labels if labels.startswith("[") else "[]",
                                 intent="refund" if key in "ad" else None)
            conn.exec_driver_sql(
                "UPDATE conversation SET priority = ?, urgency = ?, labels = ?, subject = ?, unread = 2,"
                " last_message_at = ?, updated_at = ? WHERE id = ?",
                (priority, urgency, labels, f"Subject {key}", None if last is None else T0 + last * 3600,
                 T0 + hours * 3600, cid))
            made[key] = cid
    return db, made, {"me": me, "bo": bo, "shoes": shoes}


def keys(made, ids):
    back = {v: k for k, v in made.items()}
    return "".join(back[i] for i in ids)


FILTERS = [
    ViewFilter(), ViewFilter(statuses=("open",)), ViewFilter(statuses=("open", "pending")),
    ViewFilter(statuses=("resolved",)), ViewFilter(statuses=("open", "pending"), assignee="me"),
    ViewFilter(statuses=("open",), urgent=True), ViewFilter(statuses=("resolved",), channel="sms"),
    ViewFilter(assignee="none"), ViewFilter(label="vip"), ViewFilter(intent="refund"), ViewFilter(channel="email"),
    ViewFilter(since=T0 + 3600, until=T0 + 4 * 3600), ViewFilter(label="nothing"),
]


def test_each_filter_selects_its_conversations(cache):
    db, made, who = cache
    def sel(f):
        return keys(made, view_ids(db, f, sort="created_at", descending=False, limit=None))
    assert [sel(f) for f in FILTERS] == ["abcde", "ab", "abc", "de", "a", "ab", "d", "b", "ac", "ad", "ace", "bcd", ""]
    assert sel(ViewFilter(assignee=str(who["bo"]))) == "ce" and sel(ViewFilter(team_id=who["shoes"])) == "ab"


def test_counts_agree_with_the_ids_whichever_way_they_are_counted(cache):
    db, _made, _who = cache
    expected = [len(view_ids(db, f, sort="created_at", descending=False, limit=None)) for f in FILTERS]
    assert view_counts(db, FILTERS) == expected
    assert view_counts(db, list(reversed(FILTERS))) == list(reversed(expected))
    assert view_counts(db, []) == []


@pytest.mark.parametrize(("sort", "descending", "order"), [
    ("last_message_at", True, "aebdc"),  # no activity yet sorts last
    ("created_at", True, "edcba"),
    ("customer", False, "cadbe"),  # no customer first, then case-insensitive
    ("priority", True, "acebd"),
    ("assignee", False, "badce"),  # no one first; ties by id
    ("no_such_column; DROP TABLE conversation", True, "aebdc"),
])
def test_views_sort_by_the_offered_keys_only(cache, sort, descending, order):
    db, made, _who = cache
    assert keys(made, view_ids(db, ViewFilter(), sort=sort, descending=descending, limit=None)) == order
    assert keys(made, view_ids(db, ViewFilter(), sort=sort, descending=descending, limit=2)) == order[:2]


def test_list_rows_show_names_and_survive_odd_stored_labels(cache):
    db, made, _who = cache
    got = rows(db, [made["a"], made["c"], made["e"], 999_999])
    assert set(got) == {made["a"], made["c"], made["e"]}
    a, c, e = got[made["a"]], got[made["c"]], got[made["e"]]
    assert (a.customer, a.assignee, a.labels, a.subject, a.unread) == ("ana", "Ada", ["vip"], "Subject a", 2)
    assert (c.customer, c.assignee, c.labels) == ("(unknown)", "Bo", ["vip", "late"])
    assert e.labels == []
    assert a.sla_target_s > 0 and rows(db, []) == {}


def test_unread_changes_since_newest_and_lookups(cache):
    db, made, _who = cache
    clear_unread(db, made["a"])
    assert rows(db, [made["a"]])[made["a"]].unread == 0
    assert updated_since(db, list(made.values()), T0 + 3 * 3600) == {made["d"], made["e"]}
    assert [r["id"] for r in newest(db, status="open", limit=5)] == [made["a"], made["b"]]
    assert [r["id"] for r in newest(db, status=None, limit=2)] == [made["a"], made["e"]]
    assert channels(db) == ["email", "sms", "whatsapp"]
    with db.read() as conn:
        ext = conn.exec_driver_sql("SELECT external_id FROM conversation WHERE id = ?", (made["c"],)).scalar()
    assert conversation_id_by_external(db, ext) == made["c"]
    assert conversation_id_by_external(db, "no-such") is None
