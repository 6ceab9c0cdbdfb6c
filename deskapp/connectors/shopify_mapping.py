"""Shopify Admin GraphQL (2025-01) nodes -> domain records, for ShopifyConnector. Pure functions, no I/O.

Orders keep Shopify's status enums lower-cased (``paid``, ``partially_fulfilled``); values this code
does not know are kept as given (lower-cased) with one log line. A node without an id or dates is
skipped by the caller (``Unmappable``), never the page.
"""

from __future__ import annotations

from typing import Any

from deskapp.connectors.wire import as_dict, as_float, as_int, dig, id_text, identities, parse_time, text, warn_once
from deskapp.domain import Contact, Order, OrderLine

FINANCIAL = {"pending", "authorized", "partially_paid", "partially_refunded", "voided", "paid", "refunded",
             "expired"}
FULFILLMENT = {"unfulfilled", "partially_fulfilled", "fulfilled", "restocked", "pending_fulfillment", "open",
               "in_progress", "on_hold", "scheduled", "request_declined"}

CUSTOMER_FIELDS = "id email phone firstName lastName displayName createdAt updatedAt"
ORDER_FIELDS = f"""
      id name createdAt updatedAt processedAt cancelledAt email phone currencyCode
      displayFinancialStatus displayFulfillmentStatus
      totalPriceSet {{ shopMoney {{ amount currencyCode }} }}
      customer {{ {CUSTOMER_FIELDS} }}
      lineItems(first: $lines) {{ nodes {{ title quantity sku originalUnitPriceSet {{ shopMoney {{ amount }} }} }} }}
      fulfillments(first: 10) {{ trackingInfo(first: 10) {{ number url }} }}
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


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def order(node: Any) -> Order:
    if not isinstance(node, dict) or not id_text(node.get("id")):
        raise Unmappable("order without an id")
    placed = parse_time(node.get("processedAt")) or parse_time(node.get("createdAt"))
    updated = parse_time(node.get("updatedAt")) or placed
    if placed is None or updated is None:
        raise Unmappable(f"order {node['id']} without dates")
    money = dig(node, "totalPriceSet", "shopMoney") or {}
    tracking = [t for f in node.get("fulfillments") or [] if isinstance(f, dict)
                for t in f.get("trackingInfo") or [] if isinstance(t, dict)]
    lines = []
    for line in dig(node, "lineItems", "nodes") or []:
        if isinstance(line, dict):
            lines.append(OrderLine(title=text(line.get("title")), quantity=as_int(line.get("quantity")),
                                   sku=text(line.get("sku")),
                                   unit_price=as_float(dig(line, "originalUnitPriceSet", "shopMoney", "amount"))))
    buyer = as_dict(node.get("customer"))
    return Order(
        external_id=str(node["id"]), number=text(node.get("name")) or str(node["id"]).rsplit("/", 1)[-1],
        customer_external_id=id_text(buyer.get("id")), placed_at=placed, updated_at=updated,
        total=as_float(money.get("amount")),
        currency=text(money.get("currencyCode")) or text(node.get("currencyCode")),
        financial_status=_status(node.get("displayFinancialStatus"), FINANCIAL, "shopify financial status"),
        fulfillment_status=_status(node.get("displayFulfillmentStatus"), FULFILLMENT,
                                   "shopify fulfillment status"),
        email=text(node.get("email")) or text(buyer.get("email")),
        phone=text(node.get("phone")) or text(buyer.get("phone")),
        tracking_numbers=_unique([text(t.get("number")) for t in tracking]),
        tracking_urls=_unique([text(t.get("url")) for t in tracking]),
        lines=tuple(lines), cancelled_at=parse_time(node.get("cancelledAt")),
    )
