"""store.search_index: orders by number, customers by name, email or phone digits, and the best full-text
message match per conversation with its snippet, over the bare driver connection; wildcards and FTS syntax
typed by the agent find what they say, never everything, never an error."""

from __future__ import annotations

import pytest

from deskapp.store import search_index as index
from tests.faults.seed import seed_cache


@pytest.fixture
def seeded(db):
    found = seed_cache(db, conversations=3)
    account = found["account_id"]
    first, second, third = found["conversations"]
    with db.write() as conn:
        def customer(name: str, *identities: tuple[str, str]) -> int:
            cid = conn.exec_driver_sql("INSERT INTO customer (name) VALUES (?) RETURNING id", (name,)).scalar()
            for kind, value in identities:
                conn.exec_driver_sql("INSERT INTO customer_identity (customer_id, kind, value, account_id)"
                                     " VALUES (?, ?, ?, ?)", (cid, kind, value, account))
            return cid

        ana = customer("Ana Lima", ("email", "ana@shop.example"), ("phone", "+491715550123"))  # stored as E.164
        bea = customer("Beatriz Maria_Ruiz", ("email", "bea%@shop.example"))
        customer("Carl Berg")
        conn.exec_driver_sql("UPDATE conversation SET customer_id = ?, subject = 'Zipper', last_message_at = 5"
                             " WHERE id = ?", (ana, first))
        conn.exec_driver_sql("UPDATE conversation SET customer_id = ?, last_message_at = 9 WHERE id = ?",
                             (ana, second))
        for number, placed in (("#1001", 1), ("1001", 2), ("#10011", 3)):
            conn.exec_driver_sql('INSERT INTO "order" (account_id, external_id, customer_id, number, placed_at,'
                                 " updated_at, financial_status) VALUES (?, ?, ?, ?, ?, ?, 'paid')",
                                 (account, f"o{placed}", ana, number, placed, placed))
        for i, (conversation, text) in enumerate([(first, "the zipper broke after one week"),
                                                  (first, "zipper photo attached"),
                                                  (third, "where is my parcel"),
                                                  (second, "the zipper again")]):
            conn.exec_driver_sql("INSERT INTO message (account_id, external_id, conversation_id, direction, text,"
                                 " sent_at) VALUES (?, ?, ?, 'in', ?, ?)", (account, f"m{i}", conversation, text, i))
    return found | {"ana": ana, "bea": bea}


def test_orders_by_number_with_or_without_the_hash_newest_first(db, seeded):
    with db.read_raw() as conn:
        found = index.orders_numbered(conn, "1001", 10)
    assert [row[1] for row in found] == ["1001", "#1001"]  # not #10011
    assert found[0][3] == "Ana Lima" and found[0][4] == "paid"
    assert found[0][6] == seeded["conversations"][1]  # the customer's latest conversation


def test_customers_by_a_word_of_the_name_the_email_or_the_phone_digits(db, seeded):
    with db.read_raw() as conn:
        assert [r[1] for r in index.customers_matching(conn, "li", 10)] == ["Ana Lima"]  # a word's start
        assert [r[1] for r in index.customers_matching(conn, "ANA@", 10)] == ["Ana Lima"]
        assert [r[1] for r in index.customers_matching(conn, "171 555", 10)] == ["Ana Lima"]
        assert index.customers_matching(conn, "555", 10) == []  # too few digits for a phone
        assert index.contact_points(conn, seeded["ana"]) == ["ana@shop.example", "+491715550123"]


@pytest.mark.parametrize("typed", ["%", "_", "\\"])
def test_like_wildcards_typed_by_the_agent_are_plain_characters(db, seeded, typed):
    with db.read_raw() as conn:
        assert index.customers_matching(conn, typed, 10) == []


@pytest.mark.parametrize("typed", ["a%", "%a", "a_"])
def test_a_wildcard_beside_a_word_matches_nothing_more_than_the_word(db, seeded, typed):
    """Names are searched by word starts: "%a" is the word start "a" (Ana), not every name with an "a" in it
    (Beatriz Maria, Carl) as a LIKE wildcard would make it."""
    with db.read_raw() as conn:
        assert [r[1] for r in index.customers_matching(conn, typed, 10)] == ["Ana Lima"]


def test_a_literal_underscore_or_percent_finds_the_name_or_email_that_has_it(db, seeded):
    with db.read_raw() as conn:
        assert [r[0] for r in index.customers_matching(conn, "maria_", 10)] == [seeded["bea"]]
        assert [r[0] for r in index.customers_matching(conn, "bea%", 10)] == [seeded["bea"]]


def test_the_best_message_per_conversation_with_a_marked_snippet(db, seeded):
    first, second, _third = seeded["conversations"]
    with db.read_raw() as conn:
        found = index.best_messages(conn, "zipper", 10)
    assert sorted(row[0] for row in found) == sorted([first, second])  # one row per conversation
    by_conversation = {row[0]: row for row in found}
    assert "[zipper]" in by_conversation[first][3] and by_conversation[first][4] == "Zipper"
    assert by_conversation[first][5] == "Ana Lima" and by_conversation[first][6] == seeded["ana"]
    with db.read_raw() as conn:
        assert len(index.best_messages(conn, "zipper", 1)) == 1


@pytest.mark.parametrize("hostile", ['"unbalanced', "AND OR NOT", "zipper NEAR(", "col:zipper", "*"])
def test_fts_syntax_errors_find_nothing_instead_of_failing(db, seeded, hostile):
    with db.read_raw() as conn:
        assert index.best_messages(conn, hostile, 10) == []
