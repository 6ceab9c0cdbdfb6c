"""The demo shop's draftOrderCreate and draftOrders over GraphQL: a replacement at no charge, found by its tag,
and Shopify's userErrors for no lines, bad quantities and blank titles."""

from __future__ import annotations

from deskapp.connectors.shopify_actions import DRAFT_MUTATION, DRAFT_QUERY


def _line(title: str | None = "Merino Crew", quantity: int = 1, amount: str = "28.00") -> dict:
    return {"title": title, "sku": "MC-M", "quantity": quantity, "requiresShipping": True,
            "originalUnitPriceWithCurrency": {"amount": amount, "currencyCode": "EUR"}}


def _create(client, lines: list[dict], tags: list[str], discount: dict | None = None) -> dict:
    response = client.graphql(DRAFT_MUTATION, {"input": {
        "lineItems": lines, "email": "ana@example.com", "tags": tags, "note": "Replacement for #1001",
        "appliedDiscount": discount}})
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["draftOrderCreate"]


def _by_tag(client, tag: str) -> list[dict]:
    return client.graphql(DRAFT_QUERY, {"query": f"tag:'{tag}'"}).json()["data"]["draftOrders"]["nodes"]


def test_a_replacement_at_no_charge_is_found_again_by_its_tag(client):
    made = _create(client, [_line(quantity=2), _line("Mug", 1, "12.50")], ["deskapp-abc1", "replacement"],
                   {"valueType": "PERCENTAGE", "value": 100.0, "title": "Replacement"})
    assert made["userErrors"] == []
    draft = made["draftOrder"]
    assert draft["id"].startswith("gid://shopify/DraftOrder/") and draft["name"].startswith("#D")
    assert float(draft["totalPriceSet"]["shopMoney"]["amount"]) == 0.0
    assert _by_tag(client, "deskapp-abc1") == [{"id": draft["id"], "name": draft["name"]}]
    assert _by_tag(client, "deskapp-never") == []


def test_a_fixed_discount_lowers_the_total_never_below_zero(client):
    part = _create(client, [_line(quantity=2)], ["deskapp-abc2"], {"valueType": "FIXED_AMOUNT", "value": 6.0})
    assert float(part["draftOrder"]["totalPriceSet"]["shopMoney"]["amount"]) == 50.0
    free = _create(client, [_line()], ["deskapp-abc3"], {"valueType": "FIXED_AMOUNT", "value": 500.0})
    assert float(free["draftOrder"]["totalPriceSet"]["shopMoney"]["amount"]) == 0.0


def test_no_lines_bad_quantities_and_blank_titles_are_refused_and_nothing_is_made(client):
    empty = _create(client, [], ["deskapp-bad1"])
    assert empty["draftOrder"] is None
    assert empty["userErrors"] == [{"field": ["lineItems"], "message": "Add at least 1 product"}]
    bad = _create(client, [_line(quantity=0), _line(title=None)], ["deskapp-bad2"])
    assert bad["draftOrder"] is None
    assert [e["field"] for e in bad["userErrors"]] == [["lineItems", "0", "quantity"], ["lineItems", "1", "title"]]
    assert _by_tag(client, "deskapp-bad1") == _by_tag(client, "deskapp-bad2") == []
