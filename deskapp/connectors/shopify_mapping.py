"""Shopify Admin GraphQL (2025-01) nodes -> domain records, for ShopifyConnector. Pure functions, no I/O.

Orders keep Shopify's status enums lower-cased (``paid``, ``partially_fulfilled``); values this code
does not know are kept as given (lower-cased) with one log line. A node without an id or dates is
skipped by the caller (``Unmappable``), never the page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from deskapp.connectors.wire import as_dict, as_float, as_int, dig, id_text, identities, parse_time, text, warn_once
from deskapp.domain import Contact, Order, OrderLine, Refund

FINANCIAL = {"pending", "authorized", "partially_paid", "partially_refunded", "voided", "paid", "refunded",
             "expired"}
# A shipment in one of these display states is under way; CANCELED, FAILURE or LABEL_VOIDED ones never left
UNDER_WAY = {"attempted_delivery", "confirmed", "delayed", "in_transit", "label_printed", "label_purchased",
             "out_for_delivery", "ready_for_pickup", "submitted"}
VOID_SHIPMENT = {"canceled", "failure", "label_voided", "cancelled", "error"}
FULFILLMENT = {"unfulfilled", "partially_fulfilled", "fulfilled", "restocked", "pending_fulfillment", "open",
               "in_progress", "on_hold", "scheduled", "request_declined"}

CUSTOMER_FIELDS = "id email phone firstName lastName displayName createdAt updatedAt"
ORDER_FIELDS = f"""
      id name createdAt updatedAt processedAt cancelledAt email phone currencyCode
      displayFinancialStatus displayFulfillmentStatus
      totalPriceSet {{ shopMoney {{ amount currencyCode }} }}
      customer {{ {CUSTOMER_FIELDS} }}
      totalRefundedSet {{ shopMoney {{ amount }} }}
      lineItems(first: $lines) {{ nodes {{ title quantity refundableQuantity sku
        originalUnitPriceSet {{ shopMoney {{ amount }} }} product {{ tags productType }} }} }}
      fulfillments(first: 10) {{ status displayStatus createdAt deliveredAt trackingInfo(first: 10) {{ number url }} }}
      refunds(first: 10) {{ id createdAt note totalRefundedSet {{ shopMoney {{ amount currencyCode }} }} }}
"""
ORDERS_QUERY = f"""query DeskappOrders($first: Int!, $after: String, $query: String, $lines: Int!) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ {ORDER_FIELDS} }}
  }}
}}"""
CUSTOMERS_QUERY = f"""query DeskappCustomers($first: Int!, $after: String, $query: String) {{
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ {CUSTOMER_FIELDS} }}
  }}
}}"""


class Unmappable(ValueError):
    """This one node cannot become a domain record; the caller logs and skips it."""


def _status(value: Any, known: set[str], field: str) -> str:
    status = text(value).lower()
    if not status:
        return "unknown"
    if status not in known:
        warn_once(field, value, status)
    return status


def customer(node: Any) -> Contact:
    if not isinstance(node, dict) or not id_text(node.get("id")):
        raise Unmappable("customer without an id")
    full = " ".join(p for p in (text(node.get("firstName")), text(node.get("lastName"))) if p)
    name = text(node.get("displayName")) or full or text(node.get("email")) or text(node.get("phone"))
    created = parse_time(node.get("createdAt"))
    return Contact(external_id=str(node["id"]), name=name or "Customer",
                   identities=identities(text(node.get("email")), text(node.get("phone"))),
                   created_at=created, updated_at=parse_time(node.get("updatedAt")) or created)


def _list(value: Any) -> list[Any]:
    """A list field that may be missing, null or of the wrong type."""
    return value if isinstance(value, list) else []


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def _line(line: dict[str, Any]) -> OrderLine:
    quantity = as_int(line.get("quantity"))
    refundable = line.get("refundableQuantity")
    product = as_dict(line.get("product"))
    tags = _list(product.get("tags"))
    return OrderLine(title=text(line.get("title")), quantity=quantity, sku=text(line.get("sku")),
                     unit_price=as_float(dig(line, "originalUnitPriceSet", "shopMoney", "amount")),
                     refunded_quantity=max(0, quantity - as_int(refundable)) if refundable is not None else 0,
                     product_tags=_unique([text(t).strip() for t in tags]),
                     product_type=text(product.get("productType")).strip())


def _shipments(node: dict[str, Any]) -> tuple[datetime | None, datetime | None, bool]:
    """(latest delivery, latest shipment, whether one is still under way) over the order's live shipments."""
    delivered, shipped, under_way = None, None, False
    for f in _list(node.get("fulfillments")):
        if not isinstance(f, dict):
            continue
        display = text(f.get("displayStatus")).lower()
        if display in VOID_SHIPMENT or text(f.get("status")).lower() in VOID_SHIPMENT:
            continue
        at, created = parse_time(f.get("deliveredAt")), parse_time(f.get("createdAt"))
        if at is not None and (delivered is None or at > delivered):
            delivered = at
        if created is not None and (shipped is None or created > shipped):
            shipped = created
        under_way = under_way or (at is None and display in UNDER_WAY)
    return delivered, shipped, under_way


def _refunds(node: dict[str, Any], currency: str) -> tuple[Refund, ...]:
    refunds = []
    for r in _list(node.get("refunds")):
        if isinstance(r, dict) and id_text(r.get("id")):
            money = dig(r, "totalRefundedSet", "shopMoney")
            money = money if isinstance(money, dict) else {}
            refunds.append(Refund(external_id=str(r["id"]), created_at=parse_time(r.get("createdAt")),
                                  amount=as_float(money.get("amount")),
                                  currency=text(money.get("currencyCode")) or currency, note=text(r.get("note"))))
    return tuple(refunds)


def order(node: Any) -> Order:
    if not isinstance(node, dict) or not id_text(node.get("id")):
        raise Unmappable("order without an id")
    placed = parse_time(node.get("processedAt")) or parse_time(node.get("createdAt"))
    updated = parse_time(node.get("updatedAt")) or placed
    if placed is None or updated is None:
        raise Unmappable(f"order {node['id']} without dates")
    money = dig(node, "totalPriceSet", "shopMoney") or {}
    tracking = [t for f in _list(node.get("fulfillments")) if isinstance(f, dict)
                for t in _list(f.get("trackingInfo")) if isinstance(t, dict)]
    lines = [_line(line) for line in _list(dig(node, "lineItems", "nodes")) if isinstance(line, dict)]
    buyer = as_dict(node.get("customer"))
    currency = text(money.get("currencyCode")) or text(node.get("currencyCode"))
    delivered, shipped, under_way = _shipments(node)
    return Order(
        external_id=str(node["id"]), number=text(node.get("name")) or str(node["id"]).rsplit("/", 1)[-1],
        customer_external_id=id_text(buyer.get("id")), placed_at=placed, updated_at=updated,
        total=as_float(money.get("amount")), currency=currency,
        financial_status=_status(node.get("displayFinancialStatus"), FINANCIAL, "shopify financial status"),
        fulfillment_status=_status(node.get("displayFulfillmentStatus"), FULFILLMENT,
                                   "shopify fulfillment status"),
        email=text(node.get("email")) or text(buyer.get("email")),
        phone=text(node.get("phone")) or text(buyer.get("phone")),
        tracking_numbers=_unique([text(t.get("number")) for t in tracking]),
        tracking_urls=_unique([text(t.get("url")) for t in tracking]),
        lines=tuple(lines), cancelled_at=parse_time(node.get("cancelledAt")),
        total_refunded=as_float(dig(node, "totalRefundedSet", "shopMoney", "amount")),
        delivered_at=delivered, fulfilled_at=shipped, in_transit=under_way, refunds=_refunds(node, currency),
    )
