"""The order status words templates fill in ({{ order.status }}), from Shopify's financial and fulfillment states."""

from __future__ import annotations

import pytest

from deskapp.copilot.context import order_status_text


@pytest.mark.parametrize(("financial", "fulfillment", "cancelled", "words"), [
    ("paid", "fulfilled", True, "cancelled"),
    ("refunded", "fulfilled", False, "refunded"),
    ("partially_refunded", "fulfilled", False, "shipped"),  # one item refunded: the parcel still travels
    ("partially_refunded", "partial", False, "partly shipped"),
    ("partially_refunded", None, False, "partially refunded"),
    ("PAID", "FULFILLED", False, "shipped"),  # GraphQL's upper-case enums
    ("pending", None, False, "awaiting payment"),
    ("paid", "on_hold", False, "being prepared"),
    ("paid", None, False, "being prepared"),
    ("voided", None, False, "voided"),
    (None, None, False, "received"),
])
def test_order_status_words(financial, fulfillment, cancelled, words) -> None:
    assert order_status_text(financial, fulfillment, cancelled) == words
