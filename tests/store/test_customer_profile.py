"""store.customer_profile: what the cache knows of one customer for the customer panel, templates and the
copilot: identities, lifetime value without cancelled orders, orders with their lines, pending merge
proposals, past conversations; damaged stored lists read as empty."""

from __future__ import annotations

import pytest

from deskapp.store import customer_profile as profile
from tests.faults.seed import seed_cache


@pytest.fixture
def ana(db):
    seeded = seed_cache(db, conversations=2)
    account = seeded["account_id"]
    with db.write() as conn:
        def customer(name: str) -> int:
            return conn.exec_driver_sql("INSERT INTO customer (name, created_at) VALUES (?, 50) RETURNING id",
                                        (name,)).scalar()

        ana, twin, gone = customer("Ana Lima"), customer("A. Lima"), customer("")
        for owner, kind, value in ((ana, "phone", "+4917"), (ana, "email", "ana@x"), (twin, "email", "al@x")):
            conn.exec_driver_sql("INSERT INTO customer_identity (customer_id, kind, value) VALUES (?, ?, ?)",
                                 (owner, kind, value))
        orders = {}
        for number, placed, total, currency, cancelled, tracking in (
                ("#1", 10, 20.0, "EUR", None, '["TRK1"]'), ("#2", 20, 30.5, "EUR", None, "not json"),
                ("#3", 30, 99.0, "EUR", 31, "[]"), ("#4", 40, 15.0, "USD", None, '{"a": 1}')):
            orders[number] = conn.exec_driver_sql(
                'INSERT INTO "order" (account_id, external_id, customer_id, number, placed_at, updated_at, total,'
                " currency, cancelled_at, tracking_numbers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (account, number, ana, number, placed, placed, total, currency, cancelled, tracking)).scalar()
        conn.exec_driver_sql("INSERT INTO order_line (order_id, title, quantity, sku, unit_price)"
                             " VALUES (?, 'Rain jacket', 2, 'RJ-M', 10.0)", (orders["#1"],))
        for other, state in ((twin, "pending"), (gone, "rejected")):
            conn.exec_driver_sql("INSERT INTO merge_proposal (customer_id, other_customer_id, reason, state,"
                                 " created_at) VALUES (?, ?, 'same phone', ?, 1)", (ana, other, state))
        first, second = seeded["conversations"]
        conn.exec_driver_sql("UPDATE conversation SET customer_id = ?, last_message_at = 5 WHERE id = ?", (ana, first))
        conn.exec_driver_sql("UPDATE conversation SET customer_id = ?, last_message_at = 9 WHERE id = ?",
                             (ana, second))
    return {"id": ana, "twin": twin, "orders": orders, "conversations": seeded["conversations"]}


def test_the_panels_profile_of_one_customer(db, ana):
    found = profile.read(db, ana["id"], order_limit=3, conversation_limit=5)
    assert found.name == "Ana Lima" and found.first_seen == 50
    assert found.identities == [("email", "ana@x"), ("phone", "+4917")]
    assert found.lifetime_value == {"EUR": 50.5, "USD": 15.0} and found.order_count == 3  # #3 was cancelled
    assert [o.number for o in found.orders] == ["#4", "#3", "#2"]  # newest first, three of them
    assert found.orders[2].tracking_numbers == [] and found.orders[0].tracking_numbers == []  # damaged lists
    assert [(p.other_customer_id, p.other_identities) for p in found.proposals] == [(ana["twin"], [("email", "al@x")])]
    assert [c.id for c in found.conversations] == list(reversed(ana["conversations"]))


def test_order_lines_come_with_their_order(db, ana):
    found = profile.read(db, ana["id"], order_limit=10, conversation_limit=0)
    first = next(o for o in found.orders if o.number == "#1")
    assert first.lines == [("Rain jacket", 2, "RJ-M", 10.0)] and first.tracking_numbers == ["TRK1"]
    assert found.conversations == []


def test_a_customer_that_is_not_there_has_no_profile(db, ana):
    assert profile.read(db, 99_999, order_limit=5, conversation_limit=5) is None


def test_what_templates_and_the_copilot_read(db, ana):
    with db.read() as conn:
        assert profile.first_email(conn, ana["id"]) == "ana@x"
        assert profile.first_email(conn, 99_999) is None
        assert profile.latest_order(conn, ana["id"])["number"] == "#4"
        assert profile.latest_order(conn, ana["twin"]) is None
        assert profile.five_newest_order_ids(conn, ana["id"]) == [ana["orders"][n] for n in ("#4", "#3", "#2", "#1")]
