"""The demo shop's discountCodeBasicCreate over GraphQL: a code per customer, looked up by code, and the
DiscountUserErrors for a blank or taken code and values out of range."""

from __future__ import annotations

import pytest

from deskapp.connectors.shopify_actions import DISCOUNT_MUTATION, DISCOUNT_QUERY


def _create(client, code: str, value: dict) -> dict:
    response = client.graphql(DISCOUNT_MUTATION, {"input": {
        "title": f"{code} (#1001)", "code": code, "startsAt": "2025-06-02T12:00:00Z",
        "endsAt": "2025-07-02T12:00:00Z", "usageLimit": 1, "appliesOncePerCustomer": True,
        "customerSelection": {"customers": {"add": ["gid://shopify/Customer/1"]}},
        "customerGets": {"value": value, "items": {"all": True}}}})
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["discountCodeBasicCreate"]


def _errors(payload: dict) -> list[tuple[str, list[str]]]:
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


def test_a_code_is_created_and_found_again_by_code_in_any_case(client):
    made = _create(client, "SORRY-A1", {"percentage": 0.15})
    assert made["userErrors"] == [] and made["codeDiscountNode"]["id"].startswith("gid://shopify/DiscountCodeNode/")
    found = client.graphql(DISCOUNT_QUERY, {"code": " sorry-a1 "}).json()["data"]["codeDiscountNodeByCode"]
    assert found == {"id": made["codeDiscountNode"]["id"]}
    assert client.graphql(DISCOUNT_QUERY, {"code": "NEVER-MADE"}).json()["data"]["codeDiscountNodeByCode"] is None


def test_a_fixed_amount_is_accepted_and_a_taken_code_refused(client):
    assert _create(client, "SORRY-B2", {"discountAmount": {"amount": "5.00", "appliesOnEachItem": False}})[
        "userErrors"] == []
    again = _create(client, "sorry-b2", {"percentage": 0.1})
    assert again["codeDiscountNode"] is None
    assert _errors(again) == [("TAKEN", ["basicCodeDiscount", "code"])]


@pytest.mark.parametrize(("code", "value", "errors"), [
    ("  ", {"percentage": 0.1}, [("BLANK", ["basicCodeDiscount", "code"])]),
    ("SORRY-C3", {}, [("BLANK", ["basicCodeDiscount", "customerGets", "value"])]),
    ("SORRY-C4", {"percentage": 1.5}, [("VALUE_OUTSIDE_RANGE", ["basicCodeDiscount", "customerGets", "value",
                                                               "percentage"])]),
    ("SORRY-C5", {"percentage": 0}, [("VALUE_OUTSIDE_RANGE", ["basicCodeDiscount", "customerGets", "value",
                                                             "percentage"])]),
    ("SORRY-C6", {"discountAmount": {"amount": "-3"}}, [
        ("GREATER_THAN", ["basicCodeDiscount", "customerGets", "value", "discountAmount", "amount"])]),
    ("", {}, [("BLANK", ["basicCodeDiscount", "code"]), ("BLANK", ["basicCodeDiscount", "customerGets", "value"])]),
])
def test_bad_codes_and_values_get_shopifys_user_errors_and_nothing_is_made(client, code, value, errors):
    refused = _create(client, code, value)
    assert refused["codeDiscountNode"] is None and _errors(refused) == errors
    if code.strip():
        assert client.graphql(DISCOUNT_QUERY, {"code": code}).json()["data"]["codeDiscountNodeByCode"] is None
