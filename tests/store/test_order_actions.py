"""Orders as order actions find them, the order_action rows beside them (queued, done, refused, queued again),
and a queued refund shown on its order at once and taken off again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deskapp.domain import Order, OrderLine
from deskapp.store import accounts
from deskapp.store import order_actions as oa
from deskapp.store.ingest_extras import apply_orders
from deskapp.store.ingest_util import AppliedChanges

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
GID = "gid://shopify/Order/1001"


def _order(gid: str, number: str, placed: datetime, **extra) -> Order:
    fields = {"external_id": gid, "number": number, "customer_external_id": None, "placed_at": placed,
              "updated_at": placed, "total": 68.0, "currency": "EUR", "financial_status": "paid",
              "fulfillment_status": "fulfilled",
              "lines": (OrderLine("Merino Crew", 2, "MC-M", 28.0), OrderLine("Mug", 1, "MUG", 12.0))}
    fields.update(extra)
    return Order(**fields)


@pytest.fixture
def shop(db):
    with db.write() as conn:
        account = accounts.insert_account(conn, "shopify", "shop", "http://127.0.0.1:1", {})
        apply_orders(conn, account, [_order(GID, "#1001", T0),
                                     _order("gid://shopify/Order/2001", "#1001", T0 - timedelta(days=400)),
                                     _order("gid://shopify/Order/1002", "#1002", T0, lines=())],
                     AppliedChanges(account))
    return db, account


def test_an_order_is_found_by_number_shop_id_or_cache_id(shop):
    db, _account = shop
    with db.read() as conn:
        by_number = oa.find_order(conn, "#1001")
        assert by_number is not None and by_number.external_id == GID, "the latest order of that number"
        assert oa.find_order(conn, " 1001 ").id == by_number.id
        assert oa.find_order(conn, GID).id == by_number.id
        assert oa.find_order(conn, by_number.id).external_id == GID
        assert [(x.title, x.quantity) for x in by_number.lines] == [("Merino Crew", 2), ("Mug", 1)]
        assert oa.find_order(conn, "1002").lines == ()
        for missing in ("#9999", "gid://shopify/Order/9", 999_999, ""):
            assert oa.find_order(conn, missing) is None


def test_an_action_is_queued_settled_and_queued_again_only_after_a_refusal(shop):
    db, account = shop
    with db.write() as conn:
        queue = {"client_id": "c1", "account_id": account, "order_external_id": GID, "kind": "refund",
                 "summary": "Refund 28.00 EUR", "created_at": 1.0}
        assert oa.record(conn, **queue) is True
        assert oa.record(conn, **queue) is False, "replayed after a rebuild: already queued"
        oa.settle(conn, "c1", "refused", detail="Amount exceeds the refundable amount")
        assert oa.state_of(conn, "c1") == "refused"
        assert oa.record(conn, **queue) is True
        assert (oa.state_of(conn, "c1"), oa.for_order(conn, account, GID)[0].detail) == ("queued", "")
        oa.settle(conn, "c1", "done", summary="Refunded 28.00 EUR")
        assert oa.record(conn, **queue) is False and oa.state_of(conn, "c1") == "done"
        oa.record(conn, **{**queue, "client_id": "c0", "kind": "cancel", "created_at": 0.5})
        (row0, row1) = oa.for_order(conn, account, GID)
        assert (row0.client_id, row1.client_id, row1.summary) == ("c0", "c1", "Refunded 28.00 EUR")
        order = oa.find_order(conn, GID)
        assert [a.client_id for a in oa.for_orders(conn, [order.id])[order.id]] == ["c0", "c1"]
        assert oa.for_orders(conn, []) == {}
        oa.remove(conn, "c0")
        assert oa.state_of(conn, "c0") is None
        shown = oa.order_json(order, oa.for_order(conn, account, GID))
        assert shown["number"] == "#1001" and shown["cancelled"] is False
        assert [a["state"] for a in shown["actions"]] == ["done"]


def _refund_state(db):
    with db.read() as conn:
        total = conn.exec_driver_sql('SELECT total_refunded FROM "order" WHERE external_id = ?', (GID,)).scalar()
        lines = conn.exec_driver_sql("SELECT l.sku, l.refunded_quantity FROM order_line l JOIN \"order\" o"
                                     " ON o.id = l.order_id WHERE o.external_id = ? ORDER BY l.id", (GID,)).all()
    return total, lines


def test_a_queued_refund_shows_on_its_order_and_comes_off_again(shop):
    db, account = shop
    payload = {"amount": "28.00", "lines": [{"sku": "MC-M", "title": "Merino Crew", "quantity": 1}]}
    with db.write() as conn:
        oa.show_refund(conn, account, GID, payload, 1)
    assert _refund_state(db) == (28.0, [("MC-M", 1), ("MUG", 0)])
    with db.write() as conn:
        oa.show_refund(conn, account, GID, payload, -1)
    assert _refund_state(db) == (0.0, [("MC-M", 0), ("MUG", 0)])


@pytest.mark.parametrize(("payload", "expected"), [
    ({"estimate": 12.0, "lines": [{"sku": "MUG", "title": "Mug", "quantity": 5}]}, (12.0, [("MC-M", 0), ("MUG", 1)])),
    ({"amount": 1_000, "lines": [{"sku": "NOPE", "title": "Gone", "quantity": 1}]}, (68.0, [("MC-M", 0), ("MUG", 0)])),
    ({"amount": "NaN", "lines": [{"sku": "MUG", "title": "Mug", "quantity": "x"}]}, (0.0, [("MC-M", 0), ("MUG", 0)])),
    ({"amount": -40}, (0.0, [("MC-M", 0), ("MUG", 0)])),
])
def test_a_refund_never_goes_past_the_order_and_junk_counts_as_nothing(shop, payload, expected):
    db, account = shop
    with db.write() as conn:
        oa.show_refund(conn, account, GID, payload, 1)
        oa.show_refund(conn, account, "gid://shopify/Order/404", payload, 1)  # not cached: nothing to show
    assert _refund_state(db) == expected
