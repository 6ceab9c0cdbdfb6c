"""Orders as order actions need them (lines, status, the shop account) and the ``order_action`` rows that show
queued, done and refused actions beside their order; for services.order_actions, the replayer and optimistic."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class OrderLineRef:
    title: str
    sku: str
    quantity: int
    unit_price: float


@dataclass(frozen=True)
class OrderRef:
    """One cached order with what an action on it needs."""

    id: int
    account_id: int
    external_id: str
    number: str
    currency: str
    total: float
    financial_status: str
    fulfillment_status: str
    cancelled_at: int | None
    customer_id: int | None
    lines: tuple[OrderLineRef, ...]


@dataclass(frozen=True)
class OrderActionRow:
    client_id: str
    kind: str
    summary: str
    state: str  # queued | done | refused
    detail: str
    created_at: float


def find_order(conn: Connection, ref: str | int) -> OrderRef | None:
    """An order by cache id, by number ("#1001" or "1001") or by its shop id (gid)."""
    value = str(ref).strip()
    if value.startswith("gid://"):
        row = conn.execute(text('SELECT * FROM "order" WHERE external_id=:v'), {"v": value}).mappings().first()
    elif value.isdigit() and not isinstance(ref, str):
        row = conn.execute(text('SELECT * FROM "order" WHERE id=:v'), {"v": int(value)}).mappings().first()
    else:
        number = value if value.startswith("#") else f"#{value}"
        row = conn.execute(text('SELECT * FROM "order" WHERE number IN (:n, :v) ORDER BY placed_at DESC'),
                           {"n": number, "v": value}).mappings().first()
    if row is None:
        return None
    lines = conn.execute(text("SELECT title, sku, quantity, unit_price FROM order_line WHERE order_id=:o ORDER BY id"),
                         {"o": row["id"]}).all()
    return OrderRef(id=row["id"], account_id=row["account_id"], external_id=row["external_id"], number=row["number"],
                    currency=row["currency"], total=row["total"], financial_status=row["financial_status"],
                    fulfillment_status=row["fulfillment_status"], cancelled_at=row["cancelled_at"],
                    customer_id=row["customer_id"],
                    lines=tuple(OrderLineRef(r[0], r[1], int(r[2]), float(r[3])) for r in lines))


def record(conn: Connection, *, client_id: str, account_id: int, order_external_id: str, kind: str, summary: str,
           created_at: float) -> bool:
    """The queued action beside its order (again after a rebuild: a row already there keeps its state);
    True when it is newly queued (first seen, or queued again after a refusal)."""
    return conn.execute(text(
        "INSERT INTO order_action (client_id, account_id, order_external_id, kind, summary, created_at)"
        " VALUES (:c, :a, :o, :k, :s, :t) ON CONFLICT(client_id) DO UPDATE SET state='queued', detail=''"
        " WHERE order_action.state='refused'"),
        {"c": client_id, "a": account_id, "o": order_external_id, "k": kind, "s": summary, "t": created_at}
    ).rowcount > 0


def state_of(conn: Connection, client_id: str) -> str | None:
    """The action's state beside its order (queued, done, refused), None when it is not there."""
    return conn.execute(text("SELECT state FROM order_action WHERE client_id=:c"), {"c": client_id}).scalar()


def _number(value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) and number > 0 else 0.0


def show_refund(conn: Connection, account_id: int, order_external_id: str, payload: dict[str, Any],
                sign: int) -> None:
    """A queued refund on its order at once (``sign`` 1), or taken off again (-1: undone, refused): the
    amount set (else the estimate) on ``total_refunded``, the chosen quantities on their lines. The next
    pull of the order replaces both with the shop's figures."""
    order = conn.execute(text('SELECT id, total, total_refunded FROM "order" WHERE account_id=:a AND external_id=:e'),
                         {"a": account_id, "e": order_external_id}).first()
    if order is None:
        return
    amount = _number(payload.get("amount")) if payload.get("amount") not in (None, "") else \
        _number(payload.get("estimate"))
    refunded = min(float(order.total or 0), max(0.0, float(order.total_refunded or 0) + sign * amount))
    conn.execute(text('UPDATE "order" SET total_refunded=:r WHERE id=:id'), {"r": round(refunded, 2), "id": order.id})
    for line in payload.get("lines") or []:
        quantity = int(_number(line.get("quantity")))
        # the first line of that sku and title with room for the change (a product may sit on two lines)
        room = "refunded_quantity < quantity" if sign > 0 else "refunded_quantity > 0"
        target = conn.execute(text(f"SELECT id FROM order_line WHERE order_id=:o AND sku=:s AND title=:t AND {room}"
                                   " ORDER BY id LIMIT 1"),
                              {"o": order.id, "s": str(line.get("sku") or ""), "t": str(line.get("title") or "")}
                              ).scalar()
        if target is not None:
            conn.execute(text("UPDATE order_line SET refunded_quantity = max(0, min(quantity, refunded_quantity + :d))"
                              " WHERE id=:id"), {"d": sign * quantity, "id": target})


def settle(conn: Connection, client_id: str, state: str, *, summary: str | None = None, detail: str = "") -> None:
    conn.execute(text("UPDATE order_action SET state=:st, detail=:d, summary=COALESCE(:s, summary)"
                      " WHERE client_id=:c"), {"st": state, "d": detail, "s": summary, "c": client_id})


def remove(conn: Connection, client_id: str) -> None:
    conn.execute(text("DELETE FROM order_action WHERE client_id=:c"), {"c": client_id})


def for_order(conn: Connection, account_id: int, order_external_id: str) -> list[OrderActionRow]:
    rows = conn.execute(text(
        "SELECT client_id, kind, summary, state, detail, created_at FROM order_action"
        " WHERE account_id=:a AND order_external_id=:o ORDER BY created_at"),
        {"a": account_id, "o": order_external_id}).all()
    return [OrderActionRow(*r) for r in rows]


def for_orders(conn: Connection, order_ids: list[int]) -> dict[int, list[OrderActionRow]]:
    """The actions on these cached orders (by cache id), oldest first."""
    marks = ",".join(str(int(i)) for i in order_ids)  # ints only: safe to inline
    if not marks:
        return {}
    rows = conn.exec_driver_sql(
        "SELECT o.id, a.client_id, a.kind, a.summary, a.state, a.detail, a.created_at FROM order_action a"
        f' JOIN "order" o ON o.account_id=a.account_id AND o.external_id=a.order_external_id WHERE o.id IN ({marks})'
        " ORDER BY a.created_at").all()
    found: dict[int, list[OrderActionRow]] = {}
    for order_id, *rest in rows:
        found.setdefault(order_id, []).append(OrderActionRow(*rest))
    return found


def order_json(order: OrderRef, actions: list[OrderActionRow]) -> dict[str, Any]:
    """What `deskapp order show --json` prints."""
    return {"id": order.id, "number": order.number, "shop_id": order.external_id, "currency": order.currency,
            "total": order.total, "financial_status": order.financial_status,
            "fulfillment_status": order.fulfillment_status, "cancelled": order.cancelled_at is not None,
            "lines": [{"title": x.title, "sku": x.sku, "quantity": x.quantity, "unit_price": x.unit_price}
                      for x in order.lines],
            "actions": [{"client_id": a.client_id, "kind": a.kind, "summary": a.summary, "state": a.state,
                         "detail": a.detail} for a in actions]}
