"""What the cache knows of one customer, for services: the customer panel's profile (identities, lifetime
value, orders with their lines, pending merge proposals, past conversations) and the facts templates and
the copilot read (first email, latest orders)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, text

from deskapp.domain.returns import Eligibility
from deskapp.store.engine import Database
from deskapp.store.ingest_util import chunks


@dataclass
class OrderInfo:
    id: int
    number: str
    placed_at: int
    total: float
    currency: str
    financial_status: str
    fulfillment_status: str
    tracking_numbers: list[str]
    tracking_urls: list[str]
    cancelled_at: int | None
    lines: list[tuple[str, int, str, float]] = field(default_factory=list)  # title, qty, sku, unit price
    # per line, in the order of ``lines``: quantity refunded, the product's tags and type
    line_facts: list[tuple[int, tuple[str, ...], str]] = field(default_factory=list)
    total_refunded: float = 0.0
    delivered_at: int | None = None  # the latest delivery a carrier reported
    fulfilled_at: int | None = None  # the latest shipment
    in_transit: bool = False  # a shipment is still under way
    returns: Eligibility | None = None  # filled by services.customers under the team's return policy


@dataclass
class MergeProposalInfo:
    id: int
    other_customer_id: int
    other_name: str
    other_identities: list[tuple[str, str]]
    reason: str


@dataclass
class PastConversation:
    id: int
    channel: str
    subject: str
    snippet: str
    status: str
    created_at: int
    last_message_at: int | None


@dataclass
class CustomerProfile:
    id: int
    name: str
    identities: list[tuple[str, str]]  # (kind, value)
    lifetime_value: dict[str, float]  # currency -> total of non-cancelled orders
    order_count: int
    orders: list[OrderInfo]
    proposals: list[MergeProposalInfo]
    conversations: list[PastConversation]
    first_seen: int | None


def _json_list(raw: str | None) -> list[str]:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


_LINES_SQL = text("SELECT order_id, title, quantity, sku, unit_price, refunded_quantity, product_tags, product_type"
                  " FROM order_line WHERE order_id IN :ids ORDER BY id").bindparams(bindparam("ids", expanding=True))


def read(db: Database, customer_id: int, *, order_limit: int, conversation_limit: int) -> CustomerProfile | None:
    """The panel's whole profile of one customer in one snapshot; None when there is no such customer."""
    with db.read() as conn:
        cust = conn.execute(text("SELECT id, name, created_at FROM customer WHERE id = :id"),
                            {"id": customer_id}).first()
        if cust is None:
            return None
        identities = [(r.kind, r.value) for r in conn.execute(text(
            "SELECT kind, value FROM customer_identity WHERE customer_id = :id ORDER BY kind, value"),
            {"id": customer_id})]
        ltv: dict[str, float] = {}
        count = 0
        for r in conn.execute(text(
                'SELECT currency, sum(total) AS total, count(*) AS n FROM "order" WHERE customer_id = :id'
                " AND cancelled_at IS NULL GROUP BY currency"), {"id": customer_id}):
            ltv[r.currency or ""] = round(float(r.total or 0), 2)
            count += r.n
        orders = [OrderInfo(
            id=r.id, number=r.number, placed_at=r.placed_at, total=r.total, currency=r.currency,
            financial_status=r.financial_status, fulfillment_status=r.fulfillment_status,
            tracking_numbers=_json_list(r.tracking_numbers), tracking_urls=_json_list(r.tracking_urls),
            cancelled_at=r.cancelled_at, total_refunded=float(r.total_refunded or 0), delivered_at=r.delivered_at,
            fulfilled_at=r.fulfilled_at, in_transit=bool(r.in_transit)) for r in conn.execute(text(
                'SELECT * FROM "order" WHERE customer_id = :id ORDER BY placed_at DESC, id DESC LIMIT :lim'),
                {"id": customer_id, "lim": order_limit})]
        by_id = {o.id: o for o in orders}
        ids = list(by_id)
        for chunk in chunks(ids):
            for r in conn.execute(_LINES_SQL, {"ids": chunk}):
                by_id[r.order_id].lines.append((r.title, r.quantity, r.sku, r.unit_price))
                by_id[r.order_id].line_facts.append((int(r.refunded_quantity or 0), tuple(_json_list(r.product_tags)),
                                                     r.product_type or ""))
        proposals = []
        for r in conn.execute(text(
                "SELECT p.id, p.reason, CASE WHEN p.customer_id = :id THEN p.other_customer_id"
                " ELSE p.customer_id END AS other FROM merge_proposal p"
                " WHERE (p.customer_id = :id OR p.other_customer_id = :id) AND p.state = 'pending' ORDER BY p.id"),
                {"id": customer_id}):
            other = conn.execute(text("SELECT name FROM customer WHERE id = :o"), {"o": r.other}).scalar()
            if other is None:
                continue
            other_ids = [(i.kind, i.value) for i in conn.execute(text(
                "SELECT kind, value FROM customer_identity WHERE customer_id = :o ORDER BY kind"), {"o": r.other})]
            proposals.append(MergeProposalInfo(r.id, r.other, other or "(unnamed)", other_ids, r.reason))
        conversations = [PastConversation(
            id=r.id, channel=r.channel, subject=r.subject or "", snippet=r.snippet or "", status=r.status,
            created_at=r.created_at, last_message_at=r.last_message_at) for r in conn.execute(text(
                "SELECT id, channel, subject, snippet, status, created_at, last_message_at FROM conversation"
                " WHERE customer_id = :id ORDER BY coalesce(last_message_at, created_at) DESC LIMIT :lim"),
                {"id": customer_id, "lim": conversation_limit})]
    return CustomerProfile(id=cust.id, name=cust.name or "(unnamed)", identities=identities, lifetime_value=ltv,
                           order_count=count, orders=orders, proposals=proposals, conversations=conversations,
                           first_seen=cust.created_at)


def first_email(conn: Connection, customer_id: int) -> str | None:
    return conn.execute(text("SELECT value FROM customer_identity WHERE customer_id = :c AND kind = 'email'"
                             " LIMIT 1"), {"c": customer_id}).scalar()


def latest_order(conn: Connection, customer_id: int) -> dict[str, Any] | None:
    """Number, statuses, total, currency and tracking (JSON lists as stored) of the newest order."""
    order = conn.execute(text('SELECT number, financial_status, fulfillment_status, total, currency,'
                              ' tracking_numbers, tracking_urls FROM "order" WHERE customer_id = :c'
                              " ORDER BY placed_at DESC LIMIT 1"), {"c": customer_id}).first()
    return dict(order._mapping) if order is not None else None


def five_newest_order_ids(conn: Connection, customer_id: int) -> list[int]:
    """Ids of the customer's five newest orders, newest first."""
    return list(conn.execute(text(
        'SELECT id FROM "order" WHERE customer_id = :c ORDER BY placed_at DESC LIMIT 5'),
        {"c": customer_id}).scalars().all())
