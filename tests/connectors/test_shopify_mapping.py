"""Shopify customer and order nodes mapped to domain records: names, statuses, fallbacks, and nodes refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from deskapp.connectors import shopify_mapping as sm
from deskapp.domain import Identity, IdentityKind


def order_node(**extra) -> dict:
    base = {"id": "gid://shopify/Order/77", "name": "#1077", "processedAt": "2026-10-02T09:30:00Z",
            "updatedAt": "2026-10-03T10:00:00Z", "displayFinancialStatus": "PAID",
            "displayFulfillmentStatus": "PARTIALLY_FULFILLED", "currencyCode": "EUR",
            "totalPriceSet": {"shopMoney": {"amount": "49.90", "currencyCode": "USD"}},
            "customer": {"id": "gid://shopify/Customer/5", "email": "Ana@Example.com", "phone": "+4915112345678"},
            "lineItems": {"nodes": []}}
    base.update(extra)
    return base


def test_a_customer_gets_its_display_name_and_normalised_identities():
    c = sm.customer({"id": "gid://shopify/Customer/5", "displayName": "Ana Silva", "email": " Ana@Example.COM ",
                     "phone": "+49 151 1234 5678", "createdAt": "2026-01-05T08:00:00Z", "updatedAt": None})
    assert (c.external_id, c.name) == ("gid://shopify/Customer/5", "Ana Silva")
    assert Identity(IdentityKind.EMAIL, "ana@example.com") in c.identities
    assert Identity(IdentityKind.PHONE, "+4915112345678") in c.identities
    assert c.created_at == c.updated_at == datetime(2026, 1, 5, 8, tzinfo=UTC)  # never updated: its creation


@pytest.mark.parametrize(("fields", "name"), [
    ({"firstName": "Ana", "lastName": "Silva"}, "Ana Silva"),
    ({"lastName": "Silva"}, "Silva"),
    ({"email": "ana@example.com"}, "ana@example.com"),
    ({"phone": "+4915112345678"}, "+4915112345678"),
    ({}, "Customer"),
])
def test_a_customer_without_a_display_name_is_named_by_what_it_has(fields, name):
    assert sm.customer({"id": "gid://shopify/Customer/6", **fields}).name == name


@pytest.mark.parametrize("node", [None, [], "gid://shopify/Customer/5", {}, {"id": None}, {"id": ""}])
def test_a_customer_without_an_id_is_unmappable(node):
    with pytest.raises(sm.Unmappable):
        sm.customer(node)


def test_an_order_keeps_statuses_lower_cased_and_takes_the_buyers_contact():
    o = sm.order(order_node())
    assert (o.external_id, o.number, o.customer_external_id) == ("gid://shopify/Order/77", "#1077",
                                                                 "gid://shopify/Customer/5")
    assert (o.financial_status, o.fulfillment_status) == ("paid", "partially_fulfilled")
    assert (o.total, o.currency) == (49.9, "USD")  # the money's own currency wins over the order's
    assert (o.email, o.phone) == ("Ana@Example.com", "+4915112345678")
    assert o.placed_at == datetime(2026, 10, 2, 9, 30, tzinfo=UTC)


def test_an_unknown_status_is_kept_and_logged_once_and_a_missing_one_is_unknown(caplog):
    caplog.set_level("WARNING")
    first = sm.order(order_node(displayFinancialStatus="ON_LAYAWAY_TEST"))
    sm.order(order_node(displayFinancialStatus="ON_LAYAWAY_TEST"))
    assert first.financial_status == "on_layaway_test"
    assert caplog.text.count("ON_LAYAWAY_TEST") == 1
    assert sm.order(order_node(displayFulfillmentStatus=None)).fulfillment_status == "unknown"


def test_an_order_without_a_name_or_processed_date_falls_back_to_its_id_and_creation():
    o = sm.order(order_node(name=None, processedAt=None, createdAt="2026-10-01T12:00:00Z", updatedAt=None,
                            totalPriceSet=None, customer=None))
    assert o.number == "77"
    assert o.placed_at == o.updated_at == datetime(2026, 10, 1, 12, tzinfo=UTC)
    assert (o.total, o.currency, o.customer_external_id, o.email) == (0.0, "EUR", None, "")


def test_tracking_numbers_and_urls_are_gathered_once_over_all_shipments():
    parcel = {"number": "JD014600", "url": "https://track.example/JD014600"}
    o = sm.order(order_node(fulfillments=[
        {"status": "SUCCESS", "trackingInfo": [parcel, {"number": "", "url": None}]},
        {"status": "SUCCESS", "trackingInfo": [parcel, {"number": "JD014601"}, "junk"]},
        "junk"]))
    assert o.tracking_numbers == ("JD014600", "JD014601")
    assert o.tracking_urls == ("https://track.example/JD014600",)


@pytest.mark.parametrize("node", [
    None, "order", {"id": None, "processedAt": "2026-10-02T09:30:00Z"},
    {"id": "gid://shopify/Order/78"},
    {"id": "gid://shopify/Order/79", "processedAt": "not a date", "updatedAt": "never"},
])
def test_an_order_without_an_id_or_any_date_is_unmappable(node):
    with pytest.raises(sm.Unmappable):
        sm.order(node)
