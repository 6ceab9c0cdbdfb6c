"""The shop figures of the dashboard, for kpi.compute: revenue influenced by agents' replies (orders placed soon
after a conversation with a reply), whole and per agent; refunds issued, attributed to agents by the rule
of FORMULAS["refunds"]. Formulas: kpi.definitions.FORMULAS."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from deskapp.kpi.definitions import INFLUENCE_WINDOW_S
from deskapp.kpi.period import Period
from deskapp.kpi.queries import rows
from deskapp.kpi.scope import Filters, conversation_where


def influenced_orders(conn: Connection, period: Period,
                      filters: Filters) -> list[tuple[int, float, str, int | None, int]]:
    """(order, total, currency, agent, conversation) per order placed in the period, not cancelled, within the
    window after a public human reply in one of its customer's conversations (conversation filters apply);
    the agent is the author of the latest such reply (its conversation's assignee when the author is unknown).
    Reply times are the rollup's quarter hours (kpi_reply.bucket)."""
    where, params = conversation_where(filters, include_agent=False)
    found = rows(conn, "SELECT o.id, o.total, o.currency, CASE r.agent_id WHEN 0 THEN k.assignee_id"
                       " ELSE r.agent_id END, k.conversation_id, max(r.bucket)"
                       ' FROM "order" o JOIN kpi_conversation k INDEXED BY ix_kpi_conv_customer'
                       f" ON k.customer_id = o.customer_id AND k.created_at <= o.placed_at{where}"
                       " JOIN kpi_reply r ON r.conversation_id = k.conversation_id"
                       " AND r.bucket <= o.placed_at AND r.bucket > o.placed_at - ?"
                       " WHERE o.placed_at >= ? AND o.placed_at < ? AND o.cancelled_at IS NULL GROUP BY o.id",
                 [*params, INFLUENCE_WINDOW_S, period.start, period.end])
    picked = [(int(order), float(total or 0), currency or "", agent, int(conv))
              for order, total, currency, agent, conv, _latest in found]
    if filters.agent_ids:
        picked = [r for r in picked if r[3] in filters.agent_ids]
    return picked


def revenue_figures(influenced: list[tuple[int, float, str, int | None, int]]) -> dict[str, Any]:
    """{"orders": n, "amounts": {currency: total}, "by_agent": {agent: {"orders": n, "amounts": {...}}}}."""
    amounts: dict[str, float] = defaultdict(float)
    by_agent: dict[int | None, dict[str, Any]] = {}
    for _order, total, currency, agent, _conv in influenced:
        amounts[currency] += total
        mine = by_agent.setdefault(agent, {"orders": 0, "amounts": defaultdict(float)})
        mine["orders"] += 1
        mine["amounts"][currency] += total
    return {"orders": len(influenced), "amounts": _rounded(amounts),
            "by_agent": {a: {"orders": v["orders"], "amounts": _rounded(v["amounts"])} for a, v in by_agent.items()}}


def _rounded(amounts: dict[str, float]) -> dict[str, float]:
    return {currency: round(total, 2) for currency, total in sorted(amounts.items())}


def revenue_influenced(conn: Connection, period: Period, filters: Filters) -> dict[str, Any]:
    return revenue_figures(influenced_orders(conn, period, filters))


# refunds deskapp made carry their outbox client id in the note (connectors.shopify_actions.marker)
_MARKER = re.compile(r"\[deskapp:([^\]\s]+)\]")


@dataclass(frozen=True, slots=True)
class RefundRow:
    created_at: int
    amount: float
    currency: str
    note: str | None
    customer_id: int | None


def queued_by_marker(note: str | None) -> str | None:
    """The outbox client id a deskapp refund's note carries, or None."""
    found = _MARKER.search(note or "")
    return found.group(1) if found else None


def refunds_by_agent(refunds: Iterable[RefundRow], *, queued_here: dict[str, int | None],
                     last_agent: Callable[[int | None, int], int | None]) -> dict[int | None, dict[str, Any]]:
    """{agent: {"count": n, "amounts": {currency: total}}}: a refund deskapp made and this profile queued goes
    to the agent who queued it (``queued_here``: client id -> agent); any other to ``last_agent(customer, at)``,
    the agent of the customer's latest conversation at the refund's time (None: nobody)."""
    found: dict[int | None, dict[str, Any]] = {}
    for r in refunds:
        client_id = queued_by_marker(r.note)
        agent = queued_here[client_id] if client_id in queued_here else last_agent(r.customer_id, r.created_at)
        mine = found.setdefault(agent, {"count": 0, "amounts": defaultdict(float)})
        mine["count"] += 1
        mine["amounts"][r.currency] += r.amount
    return {a: {"count": v["count"], "amounts": _rounded(v["amounts"])} for a, v in found.items()}


def refund_rows(conn: Connection, period: Period) -> list[RefundRow]:
    """The refunds the shops recorded in the period, with their order's customer."""
    return [RefundRow(int(at), float(amount or 0), currency or "", note, customer) for at, amount, currency, note,
            customer in rows(conn, "SELECT r.created_at, r.amount, r.currency, r.note, o.customer_id"
                                   ' FROM order_refund r INDEXED BY ix_order_refund_created JOIN "order" o'
                                   " ON o.id = r.order_id WHERE r.created_at >= ? AND r.created_at < ?",
                             [period.start, period.end])]


def queued_here(conn: Connection) -> dict[str, int | None]:
    """Client id -> agent, for the refunds this profile queued: each is the signed-in agent's."""
    me = rows(conn, "SELECT id FROM agent WHERE is_me = 1 ORDER BY id LIMIT 1")
    agent = int(me[0][0]) if me else None
    return {client_id: agent for (client_id,) in rows(conn, "SELECT client_id FROM order_action WHERE kind = ?",
                                                      ["order_refund"])}


def latest_assignee(conn: Connection) -> Callable[[int | None, int], int | None]:
    """The assignee of the customer's latest conversation created at or before a moment (None: none)."""

    def find(customer: int | None, at: int) -> int | None:
        if customer is None:
            return None
        found = rows(conn, "SELECT assignee_id FROM kpi_conversation INDEXED BY ix_kpi_conv_customer"
                           " WHERE customer_id = ? AND created_at <= ? ORDER BY created_at DESC, conversation_id DESC"
                           " LIMIT 1", [customer, at])
        return found[0][0] if found else None

    return find


def refunds_issued(conn: Connection, period: Period, filters: Filters) -> dict[str, Any]:
    """{"count": n, "amounts": {currency: total}, "by_agent": {agent: {"count", "amounts"}}} under
    FORMULAS["refunds"]; of the filters only the agents apply (a refund belongs to no conversation)."""
    by_agent = refunds_by_agent(refund_rows(conn, period), queued_here=queued_here(conn),
                                last_agent=latest_assignee(conn))
    if filters.agent_ids:
        by_agent = {a: v for a, v in by_agent.items() if a in filters.agent_ids}
    amounts: dict[str, float] = defaultdict(float)
    for figures in by_agent.values():
        for currency, total in figures["amounts"].items():
            amounts[currency] += total
    return {"count": sum(v["count"] for v in by_agent.values()), "amounts": _rounded(amounts), "by_agent": by_agent}
