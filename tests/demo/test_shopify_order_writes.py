"""The demo shop's order mutations over GraphQL: refundCreate (lines and transactions, what it leaves on the
order), orderCancel and its Job, orderUpdate's shipping address, and the userErrors for each refusal."""

from __future__ import annotations

import pytest

from deskapp.connectors.shopify_actions import (
    ADDRESS_MUTATION,
    CANCEL_MUTATION,
    JOB_QUERY,
    ORDER_QUERY,
    REFUND_MUTATION,
)

ORDERS = """query { orders(first: 150) { nodes { id cancelledAt displayFinancialStatus displayFulfillmentStatus
  totalPriceSet { shopMoney { amount } } } } }"""
ADDRESS = {"address1": "Hauptstr. 1", "city": "Berlin", "zip": "10115", "countryCode": "DE"}


def _data(client, query: str, variables: dict | None = None) -> dict:
    body = client.graphql(query, variables).json()
    assert "errors" not in body, body
    return body["data"]


@pytest.fixture
def shop(fresh_client):
    """The fresh shop's first paid order still unshipped, and its first paid shipped one."""
    nodes = _data(fresh_client, ORDERS)["orders"]["nodes"]
    paid = [n for n in nodes if n["displayFinancialStatus"] == "PAID" and n["cancelledAt"] is None]
    waiting = next(n for n in paid if n["displayFulfillmentStatus"] == "UNFULFILLED")
    shipped = next(n for n in paid if n["displayFulfillmentStatus"] == "FULFILLED")
    return fresh_client, waiting["id"], shipped["id"]


def _order(client, gid: str) -> dict:
    return _data(client, ORDER_QUERY, {"id": gid})["order"]


def _refund(client, gid: str, lines: list[dict], amount: str | None) -> dict:
    transactions = [] if amount is None else [{"orderId": gid, "kind": "REFUND", "gateway": "shopify_payments",
                                                "amount": amount}]
    return _data(client, REFUND_MUTATION, {"input": {"orderId": gid, "note": "deskapp:outbox:9",
                                                     "refundLineItems": lines, "transactions": transactions}})[
        "refundCreate"]


def test_a_partial_refund_is_recorded_on_the_order(shop):
    client, _waiting, shipped = shop
    line = _order(client, shipped)["lineItems"]["nodes"][0]
    made = _refund(client, shipped, [{"lineItemId": line["id"], "quantity": 1}], "1.00")
    assert made["userErrors"] == [] and made["refund"]["totalRefundedSet"]["shopMoney"]["amount"] == "1.00"
    after = _order(client, shipped)
    assert after["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    assert {"id": made["refund"]["id"], "note": "deskapp:outbox:9"} in after["refunds"]


def test_a_refund_past_what_was_paid_or_bought_is_refused_and_nothing_changes(shop):
    client, _waiting, shipped = shop
    line = _order(client, shipped)["lineItems"]["nodes"][0]
    refused = _refund(client, shipped, [{"lineItemId": line["id"], "quantity": line["quantity"] + 1},
                                        {"lineItemId": "gid://shopify/LineItem/1", "quantity": 1},
                                        {"lineItemId": line["id"], "quantity": 0}], "999999.00")
    assert refused["refund"] is None
    messages = [(e["field"], e["message"]) for e in refused["userErrors"]]
    assert (["refundLineItems", "0", "quantity"], "Quantity cannot refund more items than were purchased") in messages
    assert (["refundLineItems", "1", "lineItemId"], "Line item does not exist") in messages
    assert (["refundLineItems", "2", "quantity"], "Quantity must be greater than 0") in messages
    assert any("is greater than net payment received" in m for _f, m in messages)
    bad_amount = _refund(client, shipped, [], "-5")
    assert bad_amount["userErrors"] == [{"field": ["transactions", "0", "amount"],
                                         "message": "Amount must be greater than 0"}]
    assert _refund(client, "gid://shopify/Order/1", [], "1.00")["userErrors"][0]["message"] == "Order does not exist"
    after = _order(client, shipped)
    assert after["displayFinancialStatus"] == "PAID" and after["refunds"] == []


def test_a_cancel_refunds_and_its_job_is_soon_done(shop):
    client, waiting, shipped = shop
    variables = {"id": waiting, "refund": True, "restock": True, "reason": "CUSTOMER", "notify": False}
    cancel = _data(client, CANCEL_MUTATION, variables)["orderCancel"]
    assert cancel["orderCancelUserErrors"] == [] and cancel["job"]["done"] is False
    looks = [_data(client, JOB_QUERY, {"id": cancel["job"]["id"]})["job"]["done"] for _ in range(3)]
    assert looks[-1] is True and looks == sorted(looks), "once done, a job stays done"
    assert _data(client, JOB_QUERY, {"id": "gid://shopify/Job/unknown"})["job"] is None
    after = _order(client, waiting)
    assert after["cancelledAt"] is not None and after["displayFinancialStatus"] == "REFUNDED"
    again = _data(client, CANCEL_MUTATION, variables)["orderCancel"]
    assert again["job"] is None and "already been cancelled" in again["orderCancelUserErrors"][0]["message"]
    shipped_cancel = _data(client, CANCEL_MUTATION, {**variables, "id": shipped})["orderCancel"]
    assert "has been fulfilled" in shipped_cancel["orderCancelUserErrors"][0]["message"]
    missing = _data(client, CANCEL_MUTATION, {**variables, "id": "gid://shopify/Order/1"})["orderCancel"]
    assert missing["orderCancelUserErrors"][0]["code"] == "NOT_FOUND"


def test_the_shipping_address_changes_only_before_shipping_and_needs_its_fields(shop):
    client, waiting, shipped = shop
    changed = _data(client, ADDRESS_MUTATION, {"input": {"id": waiting, "shippingAddress": ADDRESS}})["orderUpdate"]
    assert changed["userErrors"] == []
    assert changed["order"]["shippingAddress"] == {"address1": "Hauptstr. 1", "city": "Berlin", "zip": "10115",
                                                   "countryCodeV2": "DE"}
    blank = _data(client, ADDRESS_MUTATION, {"input": {"id": waiting, "shippingAddress": {
        **ADDRESS, "city": " ", "address1": ""}}})["orderUpdate"]
    assert blank["order"] is None
    assert [e["message"] for e in blank["userErrors"]] == ["Address1 can't be blank", "City can't be blank"]
    late = _data(client, ADDRESS_MUTATION, {"input": {"id": shipped, "shippingAddress": ADDRESS}})["orderUpdate"]
    assert late["userErrors"][0]["message"] == "Shipping address cannot be changed once the order is fulfilled"
    assert _order(client, waiting)["shippingAddress"]["city"] == "Berlin"
