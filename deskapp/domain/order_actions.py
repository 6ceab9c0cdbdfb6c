"""How an order action reads for people (the confirmation, the order panel, the thread's private note): plain
functions over an action's outbox payload, shared by the service, the replayer and the UI."""

from __future__ import annotations

from typing import Any

from deskapp.domain.enums import OutboxKind


def _lines(payload: dict[str, Any]) -> str:
    lines = payload.get("lines") or []
    return ", ".join(f"{int(line.get('quantity', 1))} × {line.get('title', '?')}" for line in lines)


def describe(kind: OutboxKind | str, payload: dict[str, Any], *, amount: str | None = None, done: bool = False) -> str:
    """"Refund 28.00 USD for 1 × Merino Crew, reason damaged" (``done``: "Refunded ..."); ``amount``: what the
    shop actually refunded, else the payload's own figure (an estimate made from the cache)."""
    kind = OutboxKind(kind)
    order = payload.get("order_name") or payload.get("order_id", "")
    if kind == OutboxKind.ORDER_REFUND:
        figure = amount or payload.get("amount") or payload.get("estimate")
        money = f" {figure} {payload.get('currency', '')}".rstrip() if figure else ""
        what = _lines(payload)
        if payload.get("shipping"):
            what = f"{what} + shipping" if what else "shipping"
        parts = [f"{'Refunded' if done else 'Refund'}{money} on {order}"]
        if what:
            parts.append(f"for {what}")
        text = " ".join(parts)
        if payload.get("reason"):
            text += f", reason {payload['reason']}"
        if payload.get("restock"):
            text += ", restocked"
        return text
    if kind == OutboxKind.ORDER_CANCEL:
        text = f"{'Cancelled' if done else 'Cancel'} order {order}, reason {str(payload.get('reason', '')).lower()}"
        text += ", refunded" if payload.get("refund") else ", not refunded"
        if payload.get("restock"):
            text += ", restocked"
        return text
    if kind == OutboxKind.ORDER_ADDRESS:
        a = payload.get("address") or {}
        where = ", ".join(str(a[k]) for k in ("address1", "address2", "zip", "city", "countryCode") if a.get(k))
        return f"{'Changed' if done else 'Change'} the shipping address of {order} to {where}"
    if kind == OutboxKind.ORDER_DISCOUNT:
        value = (f"{payload['percentage']:g}% off" if payload.get("percentage") is not None
                 else f"{payload.get('amount')} {payload.get('currency', '')} off".replace("  ", " "))
        return (f"{'Created' if done else 'Create'} discount code {payload.get('code')} ({value}, once, until "
                f"{payload.get('ends_on')}) for the customer of {order}")
    if kind == OutboxKind.ORDER_RETURN:
        reason = str(payload.get("reason", "")).lower().replace("_", " ")
        return f"{'Opened a return' if done else 'Return'} of {_lines(payload)} on {order}, reason {reason}"
    if kind == OutboxKind.ORDER_REPLACE:
        verb = "Created a replacement draft order" if done else "Replace"
        return f"{verb} at no charge for {_lines(payload)} of {order}"
    raise ValueError(f"{kind} is not an order action")
