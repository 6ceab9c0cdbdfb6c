"""The cache reads behind copilot.context (what a reply template may say about a conversation): the
conversation with its customer, their identities and recent orders, an order's lines, the latest inbound
text and the signed-in agent's name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, text

_ORDER_COLUMNS = ("id, account_id, number, placed_at, total, currency, financial_status, fulfillment_status,"
                  " tracking_urls, tracking_numbers, cancelled_at, total_refunded, delivered_at, fulfilled_at,"
                  " in_transit")


def conversation_with_customer(conn: Connection, conversation_id: int) -> Row[Any] | None:
    """(id, account_id, customer_id, subject, channel, intent, customer_name), or None."""
    return conn.execute(text(
        "SELECT c.id, c.account_id, c.customer_id, c.subject, c.channel, c.intent, cu.name AS customer_name"
        " FROM conversation c LEFT JOIN customer cu ON cu.id = c.customer_id WHERE c.id = :id"),
        {"id": conversation_id}).first()


def identities(conn: Connection, customer_id: int) -> list[tuple[str, str]]:
    """(kind, value) of every address and handle the customer is known by."""
    return [(str(k), str(v)) for k, v in conn.execute(
        text("SELECT kind, value FROM customer_identity WHERE customer_id = :c"), {"c": customer_id}).all()]


def recent_orders(conn: Connection, customer_id: int, limit: int = 20) -> Sequence[Row[Any]]:
    """The customer's newest orders first, with the columns an order's template values are made of."""
    return conn.execute(text(f'SELECT {_ORDER_COLUMNS} FROM "order" WHERE customer_id = :c'
                             " ORDER BY placed_at DESC LIMIT :n"), {"c": customer_id, "n": limit}).all()


def order(conn: Connection, order_id: int) -> Row[Any] | None:
    return conn.execute(text(f'SELECT {_ORDER_COLUMNS} FROM "order" WHERE id = :id'), {"id": order_id}).first()


def order_lines(conn: Connection, order_id: int) -> Sequence[Row[Any]]:
    """(title, quantity, sku, unit_price, refunded_quantity, product_tags, product_type) in the order's order."""
    return conn.execute(text("SELECT title, quantity, sku, unit_price, refunded_quantity, product_tags, product_type"
                             " FROM order_line WHERE order_id = :id ORDER BY id"), {"id": order_id}).all()


def latest_inbound_text(conn: Connection, conversation_id: int) -> str:
    return str(conn.execute(text(
        "SELECT text FROM message WHERE conversation_id = :c AND direction = 'in'"
        " ORDER BY sent_at DESC, id DESC LIMIT 1"), {"c": conversation_id}).scalar() or "")


def signed_in_agent_name(conn: Connection, account_id: int) -> str | None:
    """The signed-in agent's name, preferring the conversation's own account."""
    name = conn.execute(text("SELECT name FROM agent WHERE is_me = 1 ORDER BY (account_id = :a) DESC, id LIMIT 1"),
                        {"a": account_id}).scalar()
    return str(name) if name is not None else None
