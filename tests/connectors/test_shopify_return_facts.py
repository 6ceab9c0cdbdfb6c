"""The facts return eligibility needs (deliveries, product tags and types, refunds) from Shopify order nodes,
and the demo shop serving every kind of order through the real connector within one query's cost cap."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from deskapp.connectors import shopify_mapping as sm
from deskapp.connectors.http import HttpClient
from deskapp.connectors.shopify import ShopifyConnector
from deskapp.domain import Order
from deskapp.domain.returns import DEFAULT_POLICY, ItemFacts, OrderFacts, eligibility
from tests.demo.conftest import PINNED_NOW


def node(**extra) -> dict:
    base = {"id": "gid://shopify/Order/9", "name": "#1009", "processedAt": "2026-11-01T10:00:00Z",
            "updatedAt": "2026-11-20T10:00:00Z", "displayFinancialStatus": "PARTIALLY_REFUNDED",
            "displayFulfillmentStatus": "FULFILLED", "currencyCode": "EUR",
            "totalPriceSet": {"shopMoney": {"amount": "71.00", "currencyCode": "EUR"}},
            "totalRefundedSet": {"shopMoney": {"amount": "28.00"}},
            "lineItems": {"nodes": [
                {"title": "Merino Crew", "quantity": 2, "refundableQuantity": 1, "sku": "MC-M",
                 "originalUnitPriceSet": {"shopMoney": {"amount": "28.00"}},
                 "product": {"tags": ["wool", "wool", " Final-Sale "], "productType": " Knitwear "}},
                {"title": "Deleted product", "quantity": 1, "sku": None, "product": None,
                 "originalUnitPriceSet": {"shopMoney": {"amount": "15.00"}}}]},
            "fulfillments": [
                {"status": "SUCCESS", "displayStatus": "DELIVERED", "createdAt": "2026-11-10T08:00:00Z",
                 "deliveredAt": "2026-11-13T16:00:00Z", "trackingInfo": []},
                {"status": "SUCCESS", "displayStatus": "IN_TRANSIT", "createdAt": "2026-11-12T08:00:00Z",
                 "deliveredAt": None, "trackingInfo": []},
                {"status": "CANCELLED", "displayStatus": "CANCELED", "createdAt": "2026-11-15T08:00:00Z",
                 "deliveredAt": None, "trackingInfo": []}],
            "refunds": [{"id": "gid://shopify/Refund/5", "createdAt": "2026-11-18T09:00:00Z",
                         "note": "deskapp:outbox:41", "totalRefundedSet": {"shopMoney": {"amount": "28.00",
                                                                                         "currencyCode": "EUR"}}}]}
    base.update(extra)
    return base


def test_an_order_node_gives_deliveries_product_facts_and_refunds():
    o = sm.order(node())
    assert o.delivered_at == datetime(2026, 11, 13, 16, tzinfo=UTC)
    assert o.fulfilled_at == datetime(2026, 11, 12, 8, tzinfo=UTC)  # the cancelled shipment never left
    assert o.in_transit  # the second parcel is still under way
    shirt, gone = o.lines
    assert (shirt.refunded_quantity, shirt.product_tags, shirt.product_type) == (1, ("wool", "Final-Sale"), "Knitwear")
    assert (gone.refunded_quantity, gone.product_tags, gone.product_type) == (0, (), "")
    assert o.total_refunded == 28.0
    (refund,) = o.refunds
    assert (refund.external_id, refund.amount, refund.currency, refund.note) == (
        "gid://shopify/Refund/5", 28.0, "EUR", "deskapp:outbox:41")
    assert refund.created_at == datetime(2026, 11, 18, 9, tzinfo=UTC)


@pytest.mark.parametrize("junk", [None, "x", 7, [None, "x", {"id": None}, {"status": []}]])
def test_malformed_shipments_refunds_and_products_are_left_out_never_fatal(junk):
    o = sm.order(node(fulfillments=junk, refunds=junk, totalRefundedSet=junk,
                      lineItems={"nodes": [{"title": "T", "quantity": "2", "refundableQuantity": "junk",
                                            "product": {"tags": "final-sale", "productType": 5}}, junk]}))
    assert (o.delivered_at, o.fulfilled_at, o.in_transit, o.refunds, o.total_refunded) == (None, None, False, (), 0.0)
    (line,) = o.lines
    assert (line.quantity, line.refunded_quantity, line.product_tags, line.product_type) == (2, 2, (), "5")


def test_the_query_asks_for_the_facts_and_an_old_answer_without_them_still_maps():
    for field in ("deliveredAt", "displayStatus", "refundableQuantity", "productType", "refunds", "totalRefundedSet"):
        assert field in sm.ORDERS_QUERY
    bare = {k: v for k, v in node().items() if k not in ("refunds", "totalRefundedSet", "fulfillments")}
    o = sm.order(bare)
    assert isinstance(o, Order) and o.refunds == () and o.delivered_at is None


# --- the demo shop, through the real connector -----------------------------------------------------


@pytest.fixture(scope="module")
def demo_orders() -> tuple[list[Order], list[int]]:
    from deskapp.demo.server import DemoServer

    srv = DemoServer(seed=5, scale="small", live=False, port=0, host="127.0.0.1", now=PINNED_NOW)
    info = srv.start()
    costs: list[int] = []
    try:
        http = HttpClient(info["shop_url"], {"X-Shopify-Access-Token": info["shopify_token"]}, timeout=(2.0, 5.0))
        shop = ShopifyConnector(info["shop_url"], info["shopify_token"], http=http)
        orders: list[Order] = []
        cursor = None
        for _ in range(1000):
            batch = shop.pull("orders", cursor)
            orders += [r for r in batch.items if isinstance(r, Order)]
            cursor = batch.next_cursor
            if batch.done:
                break
        response = http.attempt("POST", shop.path, json={"query": sm.ORDERS_QUERY, "variables": {
            "first": shop.page_size, "after": None, "query": None, "lines": 10}})
        costs.append(response.json()["extensions"]["cost"]["requestedQueryCost"])
    finally:
        srv.stop()
    return orders, costs


def _facts(o: Order) -> OrderFacts:
    return OrderFacts(o.financial_status, o.fulfillment_status, o.total, o.currency, o.total_refunded,
                      o.cancelled_at is not None, o.delivered_at, o.fulfilled_at, o.in_transit,
                      tuple(ItemFacts(x.title, x.quantity, x.unit_price, x.refunded_quantity, x.product_tags,
                                      x.product_type) for x in o.lines))


def test_the_demo_shop_has_every_kind_of_order_and_a_page_stays_under_the_cost_cap(demo_orders):
    orders, costs = demo_orders
    assert costs and costs[0] <= 1000
    now = datetime.fromtimestamp(PINNED_NOW, UTC)
    reasons = Counter(eligibility(_facts(o), DEFAULT_POLICY, now, UTC).reason.split(" on ")[0] for o in orders)
    for reason in ("", "not delivered yet", "window closed", "already refunded", "cancelled"):
        assert reasons[reason] > 0, reasons
    assert any(o.in_transit for o in orders) and any(o.delivered_at for o in orders)
    assert any("final-sale" in {t.casefold() for t in line.product_tags} for o in orders for line in o.lines)
    assert any(line.product_type == "Gift Card" for o in orders for line in o.lines)
    refunded = [o for o in orders if o.financial_status in ("refunded", "partially_refunded")]
    assert refunded and all(o.refunds and abs(sum(r.amount for r in o.refunds) - o.total_refunded) < 0.01
                            for o in refunded)
