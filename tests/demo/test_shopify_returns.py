"""The demo shop's returns over GraphQL: returnRequest on a fulfillment's items, returnApproveRequest, what the
order then shows, and the ReturnUserErrors for unknown orders and items, too many units and a second approval."""

from __future__ import annotations

import pytest

from deskapp.connectors.shopify_actions import APPROVE_MUTATION, RETURN_MUTATION, RETURN_ORDER_QUERY

ORDERS = "query { orders(first: 100) { nodes { id } } }"


def _order(client, gid: str) -> dict:
    return client.graphql(RETURN_ORDER_QUERY, {"id": gid}).json()["data"]["order"]


def _shipped_items(order: dict) -> list[dict]:
    return [n for f in order["fulfillments"] for n in f["fulfillmentLineItems"]["nodes"]]


@pytest.fixture
def shipped(fresh_client):
    """A shipped order of the fresh demo shop with its fulfillment line items."""
    for node in fresh_client.graphql(ORDERS).json()["data"]["orders"]["nodes"]:
        order = _order(fresh_client, node["id"])
        if _shipped_items(order):
            return fresh_client, order
    pytest.fail("the demo shop has no shipped order")


def _request(client, order_id: str, items: list[dict]) -> dict:
    body = client.graphql(RETURN_MUTATION, {"input": {"orderId": order_id, "returnLineItems": items}}).json()
    assert "errors" not in body, body
    return body["data"]["returnRequest"]


def _item(fli: dict, quantity: int | None = None) -> dict:
    return {"fulfillmentLineItemId": fli["id"], "quantity": fli["quantity"] if quantity is None else quantity,
            "returnReason": "SIZE_TOO_SMALL", "customerNote": "too tight"}


def test_a_requested_return_shows_on_the_order_and_is_approved_once(shipped):
    client, order = shipped
    fli = _shipped_items(order)[0]
    made = _request(client, order["id"], [_item(fli)])
    assert made["userErrors"] == []
    assert made["return"]["status"] == "REQUESTED" and made["return"]["name"] == f"{order['name']}-R1"
    (shown,) = _order(client, order["id"])["returns"]["nodes"]
    assert shown["id"] == made["return"]["id"]
    assert shown["returnLineItems"]["nodes"] == [{"customerNote": "too tight"}]
    approve = {"input": {"id": made["return"]["id"]}}
    approved = client.graphql(APPROVE_MUTATION, approve).json()["data"]["returnApproveRequest"]
    assert approved["return"]["status"] == "OPEN" and approved["userErrors"] == []
    twice = client.graphql(APPROVE_MUTATION, approve).json()["data"]["returnApproveRequest"]
    assert twice["return"] is None and twice["userErrors"][0]["code"] == "INVALID_STATE"


def test_units_already_returned_cannot_be_returned_again(shipped):
    client, order = shipped
    fli = _shipped_items(order)[0]
    assert _request(client, order["id"], [_item(fli)])["userErrors"] == []
    again = _request(client, order["id"], [_item(fli, 1)])
    assert again["return"] is None
    assert [(e["code"], e["field"]) for e in again["userErrors"]] == [
        ("GREATER_THAN", ["input", "returnLineItems", "0", "quantity"])]


def test_unknown_orders_items_and_empty_or_zero_requests_are_refused(shipped):
    client, order = shipped
    fli = _shipped_items(order)[0]
    for gid in ("gid://shopify/Order/1", "gid://shopify/Order/abc", "not-a-gid"):
        refused = _request(client, gid, [_item(fli)])
        assert refused["return"] is None and refused["userErrors"][0]["code"] == "NOT_FOUND"
    unknown = _request(client, order["id"], [{**_item(fli), "fulfillmentLineItemId": "gid://shopify/X/1"}])
    assert unknown["userErrors"][0]["field"] == ["input", "returnLineItems", "0", "fulfillmentLineItemId"]
    assert _request(client, order["id"], [])["userErrors"][0]["code"] == "BLANK"
    assert _request(client, order["id"], [_item(fli, 0)])["userErrors"][0]["code"] == "GREATER_THAN"
    missing = client.graphql(APPROVE_MUTATION, {"input": {"id": "gid://shopify/Return/1"}}).json()
    assert missing["data"]["returnApproveRequest"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert _order(client, order["id"])["returns"]["nodes"] == []
