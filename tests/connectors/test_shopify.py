"""ShopifyConnector against a scripted loopback Admin GraphQL endpoint: paging, throttling, errors, mapping."""

from __future__ import annotations

import json
from pathlib import Path

import graphql
import pytest

from deskapp.connectors import shopify_mapping as sm
from deskapp.connectors.base import AuthError, PayloadError, TransientError
from deskapp.connectors.shopify import ShopifyConnector, throttle_wait
from deskapp.domain import Contact, IdentityKind, Order
from tests.connectors.scripted_server import Reply, Seen

GQL = "/admin/api/2025-01/graphql.json"
SDL = Path(__file__).resolve().parents[3] / "shared" / "contracts" / "shopify" / "admin_2025-01.graphql"


def customer(n: int) -> dict:
    return {"id": f"gid://shopify/Customer/{n}", "email": f"Buyer{n}@Example.com", "phone": "+14155550100",
            "firstName": "Bo", "lastName": f"Buyer{n}", "displayName": f"Bo Buyer{n}",
            "createdAt": "2025-01-01T00:00:00Z", "updatedAt": "2025-02-01T00:00:00Z"}


def order(n: int, *, buyer: int | None = 1, updated: str | None = None, **extra) -> dict:
    return {"id": f"gid://shopify/Order/{n}", "name": f"#{1000 + n}", "createdAt": "2025-03-01T10:00:00Z",
            "updatedAt": updated or f"2025-03-{n % 28 + 1:02d}T12:00:00Z", "processedAt": "2025-03-01T10:00:00Z",
            "cancelledAt": None, "email": None, "phone": None, "currencyCode": "EUR",
            "displayFinancialStatus": "PAID", "displayFulfillmentStatus": "FULFILLED",
            "totalPriceSet": {"shopMoney": {"amount": "59.90", "currencyCode": "EUR"}},
            "customer": customer(buyer) if buyer else None,
            "lineItems": {"nodes": [{"title": "Linen shirt", "quantity": 2, "sku": "LS-M",
                                     "originalUnitPriceSet": {"shopMoney": {"amount": "29.95"}}}]},
            "fulfillments": [{"trackingInfo": [{"number": f"1Z{n}", "url": f"https://track.test/1Z{n}"}]},
                             {"trackingInfo": [{"number": f"1Z{n}", "url": None}]}], **extra}


def page(field: str, nodes: list, *, more: bool, end: str | None, cost: dict | None = None) -> dict:
    body = {"data": {field: {"nodes": nodes, "pageInfo": {"hasNextPage": more, "endCursor": end}}}}
    body["extensions"] = {"cost": cost or {"requestedQueryCost": 52, "actualQueryCost": 30,
                                           "throttleStatus": {"maximumAvailable": 2000.0,
                                                              "currentlyAvailable": 1970, "restoreRate": 100.0}}}
    return body


THROTTLED = {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED",
                                                                 "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
             "extensions": {"cost": {"requestedQueryCost": 502, "actualQueryCost": None,
                                     "throttleStatus": {"maximumAvailable": 1000.0, "currentlyAvailable": 2,
                                                        "restoreRate": 50.0}}}}


@pytest.fixture
def shop(server, make_http):
    return ShopifyConnector(server.url, "shpat_x", http=make_http({"X-Shopify-Access-Token": "shpat_x"}))


def test_full_pull_pages_by_relay_cursor_then_goes_incremental(server, shop):
    def handler(seen: Seen) -> Reply:
        after = seen.body["variables"]["after"]
        if after is None:
            return Reply(200, page("orders", [order(1), order(2, buyer=2), order(3, buyer=1)], more=True, end="c3"))
        return Reply(200, page("orders", [order(4, buyer=None, email="guest@x.test")], more=False, end="c4"))

    server.script("POST", GQL, handler)
    first = shop.pull("orders", None)
    assert not first.done
    assert [type(r).__name__ for r in first.items] == ["Contact", "Contact", "Order", "Order", "Order"]
    second = shop.pull("orders", first.next_cursor)
    assert second.done and [r.customer_external_id for r in second.items] == [None]
    assert json.loads(second.next_cursor) == {"since": "2025-03-05T12:00:00Z", "after": None,
                                              "high": "2025-03-05T12:00:00Z"}
    sent = server.requests_to(GQL)
    assert sent[0].headers["X-Shopify-Access-Token"] == "shpat_x"
    assert "sortKey: UPDATED_AT" in sent[0].body["query"]
    assert sent[0].body["variables"]["query"] is None and sent[1].body["variables"]["after"] == "c3"

    server.seen.clear()
    server.script("POST", GQL, Reply(200, page("orders", [], more=False, end=None)))
    third = shop.pull("orders", second.next_cursor)
    assert third.done and third.items == []
    assert server.requests_to(GQL)[0].body["variables"]["query"] == "updated_at:>'2025-03-05T11:59:00Z'"
    assert json.loads(third.next_cursor)["since"] == "2025-03-05T12:00:00Z"  # never moves backwards


def test_order_and_customer_mapping(server, shop):
    server.script("POST", GQL, Reply(200, page("orders", [order(7, cancelledAt="2025-03-03T00:00:00Z")],
                                              more=False, end="x")))
    contact, got = shop.pull("orders", None).items
    assert isinstance(contact, Contact) and contact.external_id == "gid://shopify/Customer/1"
    assert contact.name == "Bo Buyer1"
    assert {(i.kind, i.value) for i in contact.identities} == {(IdentityKind.EMAIL, "buyer1@example.com"),
                                                              (IdentityKind.PHONE, "+14155550100")}
    assert isinstance(got, Order)
    assert (got.external_id, got.number, got.total, got.currency) == ("gid://shopify/Order/7", "#1007", 59.9, "EUR")
    assert (got.financial_status, got.fulfillment_status) == ("paid", "fulfilled")
    assert got.tracking_numbers == ("1Z7",) and got.tracking_urls == ("https://track.test/1Z7",)
    assert got.lines[0].title == "Linen shirt" and got.lines[0].quantity == 2 and got.lines[0].unit_price == 29.95
    assert got.email == "Buyer1@Example.com" and got.cancelled_at is not None


def test_unknown_enums_missing_and_extra_fields(server, shop, caplog):
    odd = order(1, displayFinancialStatus="CRYPTO_PENDING", displayFulfillmentStatus=None, surprise={"a": 1})
    del odd["totalPriceSet"], odd["lineItems"], odd["fulfillments"]
    no_id = order(2)
    del no_id["id"]
    no_dates = {"id": "gid://shopify/Order/3"}
    server.script("POST", GQL, Reply(200, page("orders", [odd, no_id, no_dates, None], more=False, end=None)))
    orders = [r for r in shop.pull("orders", None).items if isinstance(r, Order)]
    assert len(orders) == 1 and orders[0].financial_status == "crypto_pending"
    assert orders[0].fulfillment_status == "unknown" and orders[0].total == 0.0 and orders[0].lines == ()
    assert "CRYPTO_PENDING" in caplog.text and "skipping" in caplog.text


def test_throttled_200_waits_for_the_bucket(server, shop, sleeps):
    server.script("POST", GQL, Reply(200, THROTTLED), Reply(200, page("orders", [order(1)], more=False, end="a")))
    assert len(shop.pull("orders", None).items) == 2
    assert sleeps == [pytest.approx((502 - 2) / 50.0 + 0.25)]


def test_throttled_429_waits_for_the_bucket(server, shop, sleeps):
    server.script("POST", GQL, Reply(429, THROTTLED), Reply(200, page("orders", [order(1)], more=False, end="a")))
    assert shop.pull("orders", None).done
    assert sleeps == [pytest.approx(10.25)]


def test_429_without_cost_info_backs_off(server, shop, sleeps):
    server.script("POST", GQL, Reply(429, ""), Reply(200, page("orders", [], more=False, end=None)))
    assert shop.pull("orders", None).done and len(sleeps) == 1 and 0 <= sleeps[0] <= 0.5


def test_throttled_forever_gives_up_as_transient(server, make_http, sleeps):
    shop = ShopifyConnector(server.url, "t", http=make_http(max_attempts=3))
    server.script("POST", GQL, Reply(200, THROTTLED))
    with pytest.raises(TransientError):
        shop.pull("orders", None)
    assert len(sleeps) == 2


@pytest.mark.parametrize("body", [
    {"errors": [{"message": "Field 'nope' doesn't exist on type 'Order'"}]},
    {"data": None, "errors": [{"message": "Internal error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]},
    {"data": {"orders": None}},
    {"data": {}},
    {"extensions": {}},
    [1, 2],
])
def test_graphql_errors_and_wrong_shapes_are_payload_errors(server, shop, body):
    server.script("POST", GQL, Reply(200, body))
    with pytest.raises(PayloadError):
        shop.pull("orders", None)


def test_malformed_json_is_payload_error(server, shop):
    server.script("POST", GQL, Reply(200, b'{"data": {"orders": {"nodes": [{"id": "gid://'))
    with pytest.raises(PayloadError):
        shop.pull("orders", None)


def test_cursor_that_does_not_advance_ends_the_pass(server, shop):
    server.script("POST", GQL, Reply(200, page("orders", [order(1)], more=True, end="same")))
    batch = shop.pull("orders", json.dumps({"since": None, "after": "same", "high": None}))
    assert batch.done and json.loads(batch.next_cursor)["after"] is None


def test_401_is_auth_error(server, shop):
    server.script("POST", GQL, Reply(401, {"errors": "[API] Invalid API key or access token"}))
    with pytest.raises(AuthError):
        shop.pull("orders", None)


def test_customers_stream_uses_edges_too(server, shop):
    body = {"data": {"customers": {"edges": [{"node": customer(5)}, {"node": {"email": "x"}}],
                                   "pageInfo": {"hasNextPage": False, "endCursor": None}}}}
    server.script("POST", GQL, Reply(200, body))
    batch = shop.pull("customers", None)
    assert [c.external_id for c in batch.items] == ["gid://shopify/Customer/5"] and batch.done
    assert shop.streams() == ["customers", "orders"]


def test_throttle_wait_reads_the_bucket():
    assert throttle_wait(THROTTLED) == pytest.approx(10.25)
    assert throttle_wait({"extensions": {}}) is None
    full = {"extensions": {"cost": {"requestedQueryCost": 10, "throttleStatus": {
        "maximumAvailable": 1000, "currentlyAvailable": 900, "restoreRate": 50}}}}
    assert throttle_wait(full) == pytest.approx(0.25)


def test_queries_follow_the_published_schema():
    schema = graphql.build_schema(SDL.read_text())
    for query in (sm.ORDERS_QUERY, sm.CUSTOMERS_QUERY):
        assert graphql.validate(schema, graphql.parse(query)) == []


def test_max_cost_exceeded_halves_the_page(server, shop):
    too_costly = {"errors": [{"message": "Query cost is 1520, which exceeds the single query max cost limit (1000).",
                              "extensions": {"code": "MAX_COST_EXCEEDED", "cost": 1520, "maxCost": 1000}}]}
    server.script("POST", GQL, Reply(200, too_costly), Reply(200, page("orders", [order(1)], more=False, end="a")))
    assert shop.pull("orders", None).done
    assert [s.body["variables"]["first"] for s in server.requests_to(GQL)] == [18, 9]
    server.script("POST", GQL, Reply(200, too_costly))
    with pytest.raises(PayloadError):
        ShopifyConnector(server.url, "t", http=shop.http, page_size=1).pull("orders", None)
