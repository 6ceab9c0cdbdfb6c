"""The knowledge base's cache rows over a real cache: a portal's articles replaced as the hub lists them, the
full-text search over published ones, and the revision in-memory caches watch."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from deskapp.store import help_articles as rows
from tests.copilot.helpers import T0, add_account, article


def test_a_portal_becomes_exactly_what_the_hub_lists(db):
    with db.write() as conn:
        add_account(conn)
        assert rows.replace_portal(conn, 1, "help", [article("1", "Track your parcel", "Use the tracking link."),
                                                     article("2", "Returns", "Send it back within 30 days."),
                                                     article("3", "Draft", status="draft")], now=T0) == 3
        rows.replace_portal(conn, 1, "other", [article("9", "Sizes", portal="other")], now=T0)
        # the next sync: 2 is edited, 3 is gone, 1 is unchanged
        held = rows.replace_portal(conn, 1, "help", [article("1", "Track your parcel", "Use the tracking link."),
                                                     article("2", "Returns and refunds", "Within 60 days.",
                                                             updated_at=T0 + 5)], now=T0 + 100)
        assert held == 2
    with db.read() as conn:
        got = {r[0]: r[1:] for r in conn.exec_driver_sql(
            "SELECT external_id, title, synced_at FROM help_article WHERE portal_slug = 'help'")}
    assert got == {"1": ("Track your parcel", T0), "2": ("Returns and refunds", T0 + 100)}  # 1 left as it was


def test_portals_the_hub_dropped_go_and_an_empty_listing_empties_the_portal(db):
    with db.write() as conn:
        add_account(conn)
        rows.replace_portal(conn, 1, "help", [article("1", "A"), article("2", "B")], now=T0)
        rows.replace_portal(conn, 1, "old", [article("3", "C", portal="old")], now=T0)
        assert rows.drop_portals_except(conn, 1, ["help"]) == 1
        assert rows.drop_portals_except(conn, 1, ["help"]) == 0
        assert rows.replace_portal(conn, 1, "help", [], now=T0) == 0
        assert rows.published_count(conn) == 0


def test_search_finds_published_articles_title_first_and_by_ids_keeps_the_order(db):
    with db.write() as conn:
        add_account(conn)
        rows.replace_portal(conn, 1, "help", [
            article("1", "Refund policy", "How money comes back."),
            article("2", "Returns", "A refund follows the return of the parcel."),
            article("3", "Refund draft", "refund refund refund", status="draft"),
            article("4", "Archived refund", status="archived")], now=T0)
    with db.read() as conn:
        found = rows.matching_published(conn, '"refund"', limit=5)
        assert [r.title for r in found] == ["Refund policy", "Returns"]  # a title hit outranks a body hit
        assert found[0].score < found[1].score < 0  # bm25: lower is better
        assert rows.matching_published(conn, '"refund"', limit=1)[0].title == "Refund policy"
        assert rows.matching_published(conn, '"nothing"', limit=5) == []
        ids = [r.id for r in found]
        assert [r.id for r in rows.by_ids(conn, ids[::-1])] == ids[::-1]
        draft = conn.exec_driver_sql("SELECT id FROM help_article WHERE external_id = '3'").scalar()
        assert rows.by_ids(conn, [draft]) == [] and rows.by_ids(conn, []) == []
        assert [t for _, t in rows.published_texts(conn)] == ["Refund policy. About refund policy",
                                                              "Returns. About returns"]
        with pytest.raises(OperationalError):  # a malformed FTS5 query is SQLite's error, not an empty list
            rows.matching_published(conn, '"unclosed', limit=5)


def test_the_revision_moves_with_every_change_a_sync_makes(db):
    with db.write() as conn:
        add_account(conn)
        empty = rows.articles_revision(conn)
        rows.replace_portal(conn, 1, "help", [article("1", "A")], now=T0)
        first = rows.articles_revision(conn)
        rows.replace_portal(conn, 1, "help", [article("1", "A", updated_at=T0 + 1)], now=T0)  # same second
        edited = rows.articles_revision(conn)
        rows.replace_portal(conn, 1, "help", [article("1", "A", updated_at=T0 + 1)], now=T0 + 50)  # unchanged
        assert rows.articles_revision(conn) == edited
    assert empty == (0, 0, 0) and first == (1, T0, T0) and edited == (1, T0, T0 + 1)
