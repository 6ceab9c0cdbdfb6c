"""domain.order_actions: how each order action reads for people, before and after the shop did it, with the
figure the shop refunded preferred over the estimate, and fields missing from an odd payload."""

from __future__ import annotations

import pytest

from deskapp.domain.enums import OutboxKind
from deskapp.domain.order_actions import describe

REFUND = {"order_name": "#1042", "amount": "28.00", "currency": "USD", "reason": "damaged",
          "lines": [{"quantity": 1, "title": "Merino Crew"}, {"quantity": 2, "title": "Wool Socks"}]}


def test_a_refund_reads_planned_then_done_with_the_shops_figure():
    assert describe(OutboxKind.ORDER_REFUND, REFUND) == (
        "Refund 28.00 USD on #1042 for 1 × Merino Crew, 2 × Wool Socks, reason damaged")
    assert describe("order_refund", REFUND, amount="26.50", done=True) == (
        "Refunded 26.50 USD on #1042 for 1 × Merino Crew, 2 × Wool Socks, reason damaged")


def test_a_refund_of_shipping_only_with_restock_and_an_estimate():
    payload = {"order_id": "gid://shopify/Order/7", "estimate": "5.00", "currency": "EUR", "shipping": True,
               "restock": True}
    assert describe(OutboxKind.ORDER_REFUND, payload) == (
        "Refund 5.00 EUR on gid://shopify/Order/7 for shipping, restocked")
    with_lines = dict(REFUND, shipping=True)
    assert "for 1 × Merino Crew, 2 × Wool Socks + shipping" in describe(OutboxKind.ORDER_REFUND, with_lines)


def test_a_refund_without_figure_lines_or_reason_still_reads():
    assert describe(OutboxKind.ORDER_REFUND, {"order_name": "#7"}) == "Refund on #7"
    assert describe(OutboxKind.ORDER_REFUND, {"lines": [{}]}) == "Refund on  for 1 × ?"


def test_a_cancel_says_whether_it_refunds_and_restocks():
    payload = {"order_name": "#1042", "reason": "CUSTOMER", "refund": True, "restock": True}
    assert describe(OutboxKind.ORDER_CANCEL, payload) == "Cancel order #1042, reason customer, refunded, restocked"
    assert describe(OutboxKind.ORDER_CANCEL, {"order_name": "#9", "reason": "FRAUD"}, done=True) == (
        "Cancelled order #9, reason fraud, not refunded")


def test_an_address_change_lists_only_the_filled_parts():
    payload = {"order_name": "#1042", "address": {"address1": "1 Quay St", "address2": "", "zip": "D02 X285",
                                                   "city": "Dublin", "countryCode": "IE", "phone": "+353"}}
    assert describe(OutboxKind.ORDER_ADDRESS, payload) == (
        "Change the shipping address of #1042 to 1 Quay St, D02 X285, Dublin, IE")
    assert describe(OutboxKind.ORDER_ADDRESS, {"order_name": "#1", "address": None}, done=True) == (
        "Changed the shipping address of #1 to ")


def test_a_discount_reads_as_a_percentage_or_an_amount():
    percent = {"order_name": "#1042", "code": "SORRY-1042", "percentage": 15.0, "ends_on": "2026-04-01"}
    assert describe(OutboxKind.ORDER_DISCOUNT, percent) == (
        "Create discount code SORRY-1042 (15% off, once, until 2026-04-01) for the customer of #1042")
    amount = {"order_name": "#1042", "code": "X", "amount": "10.00", "currency": "USD", "ends_on": "2026-04-01"}
    assert describe(OutboxKind.ORDER_DISCOUNT, amount, done=True).startswith("Created discount code X (10.00 USD off,")
    no_currency = dict(amount, currency="")
    assert "(10.00 off, once" in describe(OutboxKind.ORDER_DISCOUNT, no_currency)


def test_a_return_and_a_replacement_name_their_lines():
    payload = {"order_name": "#1042", "reason": "SIZE_TOO_SMALL", "lines": [{"quantity": "2", "title": "Tee"}]}
    assert describe(OutboxKind.ORDER_RETURN, payload) == "Return of 2 × Tee on #1042, reason size too small"
    assert describe(OutboxKind.ORDER_RETURN, payload, done=True).startswith("Opened a return of 2 × Tee")
    assert describe(OutboxKind.ORDER_REPLACE, payload) == "Replace at no charge for 2 × Tee of #1042"
    assert describe(OutboxKind.ORDER_REPLACE, payload, done=True) == (
        "Created a replacement draft order at no charge for 2 × Tee of #1042")


def test_a_kind_that_is_not_an_order_action_is_refused():
    with pytest.raises(ValueError, match="is not an order action"):
        describe(OutboxKind.REPLY, {})
    with pytest.raises(ValueError):
        describe("launch_rocket", {})
