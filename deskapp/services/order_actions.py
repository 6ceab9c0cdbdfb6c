"""Order actions (refund, cancel, return, change the shipping address, a replacement, a discount code for the
customer) for the order panel, the palette and `deskapp order`.

``plan_*`` checks the action against the cached order and says exactly what will happen (a Plan: the
lines, the estimated amount, restock, notification) without writing anything; ``queue`` writes the plan
to the durable outbox first (sent to the shop account, in order per order), then shows it beside the
order in the cache, before returning. The replayer sends it exactly once and, when the shop took it,
queues the private note that records it on the conversation.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from deskapp.domain import OutboxKind
from deskapp.domain.order_actions import describe
from deskapp.store import optimistic
from deskapp.store import order_actions as order_store
from deskapp.store.engine import CACHE_ERRORS, Database
from deskapp.store.outbox import (
    UNDO_WINDOW_S,
    OutboxRow,
    OutboxStore,
    StorageError,
    new_client_id,
    storage_message,
)

log = logging.getLogger(__name__)

__all__ = ["OrderActionError", "OrderActionService", "Plan", "StorageError"]

REFUND_REASONS = ("damaged", "not received", "wrong item", "not as described", "changed mind", "late", "other")
CANCEL_REASONS = ("CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "STAFF", "OTHER")
RETURN_REASONS = ("DEFECTIVE", "WRONG_ITEM", "NOT_AS_DESCRIBED", "SIZE_TOO_SMALL", "SIZE_TOO_LARGE", "UNWANTED",
                  "STYLE", "COLOR", "OTHER")
REFUNDABLE = ("paid", "partially_refunded", "partially_paid")
NOT_SHIPPED = ("unfulfilled", "unknown", "")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_ZIP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{1,9}$")


class OrderActionError(ValueError):
    """The action cannot be done on this order (unknown order, nothing chosen, already cancelled...)."""


@dataclass(frozen=True)
class Plan:
    """One action, checked, ready to confirm: ``summary`` and ``details`` say exactly what will happen."""

    kind: OutboxKind
    order: order_store.OrderRef
    payload: dict[str, Any]
    summary: str
    details: tuple[str, ...] = field(default=())


def _money(value: float) -> str:
    return f"{value:.2f}"


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class OrderActionService:
    """Plans and queues order actions over the cache and the outbox."""

    def __init__(self, db: Database, outbox: OutboxStore, *, undoable: bool = True,
                 on_change: Callable[[int | None], None] | None = None) -> None:
        self.db, self.outbox, self.on_change = db, outbox, on_change
        self._date_back = 0.0 if undoable else UNDO_WINDOW_S

    # --- reading ------------------------------------------------------------------------------------

    def order(self, ref: str | int) -> order_store.OrderRef:
        with self.db.read() as conn:
            order = order_store.find_order(conn, ref)
        if order is None:
            raise OrderActionError(f"no order {ref!r} in the cache (sync the shop first)")
        return order

    def show(self, ref: str | int) -> dict[str, Any]:
        """The order with its lines and the actions queued, done or refused on it."""
        order = self.order(ref)
        with self.db.read() as conn:
            actions = order_store.for_order(conn, order.account_id, order.external_id)
        return order_store.order_json(order, actions)

    def actions_for_orders(self, order_ids: list[int]) -> dict[int, list[order_store.OrderActionRow]]:
        """Cache order id -> the actions queued, done or refused on it (for the order panel)."""
        with self.db.read() as conn:
            return order_store.for_orders(conn, order_ids)

    # --- planning -----------------------------------------------------------------------------------

    def plan_refund(self, ref: str | int, *, lines: dict[int, int] | None = None, shipping: bool = False,
                    amount: float | None = None, whole: bool = False, reason: str = "other",
                    notify: bool = True, restock: bool = False) -> Plan:
        """``lines``: line index (0-based, as `order show` lists them) -> quantity; ``whole``: every line and
        the shipping; ``amount``: a set amount instead of the lines' worth."""
        order = self.order(ref)
        if order.financial_status not in REFUNDABLE:
            raise OrderActionError(f"order {order.number} is {order.financial_status or 'not paid'}: nothing to refund")
        chosen = dict(lines or {})
        if whole:
            chosen, shipping = {i: line.quantity for i, line in enumerate(order.lines)}, True
        picked = self._lines(order, chosen, "refund")
        if amount is not None and not 0 < amount <= order.total:
            raise OrderActionError(f"the amount must be more than 0 and at most the order's {_money(order.total)}")
        if not picked and not shipping and amount is None:
            raise OrderActionError("choose lines, the shipping, the whole order or an amount to refund")
        estimate = sum(line.unit_price * quantity for line, quantity in picked)
        shipping_paid = max(0.0, order.total - sum(x.unit_price * x.quantity for x in order.lines))
        estimate += shipping_paid if shipping else 0.0
        payload = {"order_id": order.external_id, "order_name": order.number, "currency": order.currency,
                   "lines": [{"title": line.title, "sku": line.sku, "quantity": q} for line, q in picked],
                   "shipping": bool(shipping), "amount": _money(amount) if amount is not None else None,
                   "estimate": _money(min(estimate, order.total)), "reason": reason.strip() or "other",
                   "notify": bool(notify), "restock": bool(restock and picked)}
        details = [f"{q} × {line.title} ({line.sku}) at {_money(line.unit_price)} {order.currency}"
                   for line, q in picked]
        if shipping:
            details.append(f"shipping {_money(shipping_paid)} {order.currency}")
        details.append(f"amount: {payload['amount']} {order.currency} (set by you)" if amount is not None else
                       f"amount: about {payload['estimate']} {order.currency}; the shop's suggested refund (taxes, "
                       "discounts) decides")
        details.append("items go back to stock" if payload["restock"] else "no restock")
        details.append("the customer is notified by the shop" if notify else "the customer is not notified")
        return Plan(OutboxKind.ORDER_REFUND, order, payload, describe(OutboxKind.ORDER_REFUND, payload),
                    tuple(details))

    def plan_cancel(self, ref: str | int, *, refund: bool = True, restock: bool = True, reason: str = "CUSTOMER",
                    notify: bool = True) -> Plan:
        order = self.order(ref)
        if order.cancelled_at is not None:
            raise OrderActionError(f"order {order.number} is already cancelled")
        if order.fulfillment_status not in NOT_SHIPPED:
            raise OrderActionError(f"order {order.number} is {order.fulfillment_status}: refund or return it instead")
        reason = reason.strip().upper()
        if reason not in CANCEL_REASONS:
            raise OrderActionError(f"the reason is one of {', '.join(CANCEL_REASONS)}")
        payload = {"order_id": order.external_id, "order_name": order.number, "refund": bool(refund),
                   "restock": bool(restock), "reason": reason, "notify": bool(notify), "currency": order.currency}
        details = (f"{sum(x.quantity for x in order.lines)} items, {_money(order.total)} {order.currency}",
                   f"refund what was paid ({order.financial_status})" if refund else "no refund",
                   "items go back to stock" if restock else "no restock",
                   "the customer is notified by the shop" if notify else "the customer is not notified")
        return Plan(OutboxKind.ORDER_CANCEL, order, payload, describe(OutboxKind.ORDER_CANCEL, payload), details)

    def plan_address(self, ref: str | int, address: dict[str, str]) -> Plan:
        order = self.order(ref)
        if order.cancelled_at is not None or order.fulfillment_status not in NOT_SHIPPED:
            raise OrderActionError(f"order {order.number} has shipped or is cancelled: its address cannot change")
        clean = {k: str(v).strip() for k, v in address.items() if v is not None and str(v).strip()}
        known = ("address1", "address2", "city", "company", "countryCode", "firstName", "lastName", "phone",
                 "provinceCode", "zip")
        unknown = set(clean) - set(known)
        if unknown:
            raise OrderActionError(f"unknown address fields: {', '.join(sorted(unknown))}")
        for key in ("address1", "city", "countryCode", "zip"):
            if not clean.get(key):
                raise OrderActionError(f"the new address needs {key}")
        clean["countryCode"] = clean["countryCode"].upper()
        if not _COUNTRY.match(clean["countryCode"]):
            raise OrderActionError("countryCode is two letters (ISO 3166), e.g. DE")
        if not _ZIP.match(clean["zip"]):
            raise OrderActionError(f"{clean['zip']!r} does not look like a postal code")
        payload = {"order_id": order.external_id, "order_name": order.number, "address": clean}
        return Plan(OutboxKind.ORDER_ADDRESS, order, payload, describe(OutboxKind.ORDER_ADDRESS, payload),
                    ("the shop's order gets this shipping address; the customer is not notified",))

    def plan_return(self, ref: str | int, *, lines: dict[int, int], reason: str = "DEFECTIVE", note: str = "",
                    notify: bool = True) -> Plan:
        """A return of these lines (index -> quantity), requested and approved at once; the refund follows
        when the items are back (a separate refund)."""
        order = self.order(ref)
        if order.fulfillment_status in NOT_SHIPPED or order.cancelled_at is not None:
            raise OrderActionError(f"order {order.number} has not shipped: cancel or refund it instead")
        reason = reason.strip().upper().replace(" ", "_")
        if reason not in RETURN_REASONS:
            raise OrderActionError(f"the return reason is one of {', '.join(RETURN_REASONS)}")
        picked = self._pick(order, lines, "return")
        payload = {"order_id": order.external_id, "order_name": order.number, "reason": reason,
                   "note": note.strip(), "notify": bool(notify),
                   "lines": [{"title": line.title, "sku": line.sku, "quantity": q} for line, q in picked]}
        details = (*(f"{q} × {line.title} ({line.sku})" for line, q in picked),
                   f"reason: {reason.lower().replace('_', ' ')}", "requested and approved in the shop",
                   "the customer is notified by the shop" if notify else "the customer is not notified",
                   "no money moves yet: refund the items when they are back")
        return Plan(OutboxKind.ORDER_RETURN, order, payload, describe(OutboxKind.ORDER_RETURN, payload), details)

    def _pick(self, order: order_store.OrderRef, lines: dict[int, int],
              verb: str) -> list[tuple[order_store.OrderLineRef, int]]:
        """The chosen lines, at least one."""
        picked = self._lines(order, lines, verb)
        if not picked:
            raise OrderActionError(f"choose the lines to {verb}")
        return picked

    @staticmethod
    def _lines(order: order_store.OrderRef, lines: dict[int, int],
               verb: str) -> list[tuple[order_store.OrderLineRef, int]]:
        """(line, quantity) for each chosen index, checked against the order; possibly none."""
        picked = []
        for index, quantity in sorted(lines.items()):
            if not 0 <= index < len(order.lines):
                raise OrderActionError(f"order {order.number} has no line {index + 1}")
            line = order.lines[index]
            if not 1 <= quantity <= line.quantity:
                raise OrderActionError(f"{line.title}: {verb} 1 to {line.quantity}, not {quantity}")
            picked.append((line, quantity))
        return picked

    def plan_replacement(self, ref: str | int, *, lines: dict[int, int], reason: str = "damaged") -> Plan:
        """A draft order sending these lines (index -> quantity) again at no charge, to the order's address."""
        order = self.order(ref)
        if order.cancelled_at is not None:
            raise OrderActionError(f"order {order.number} is cancelled: nothing to replace")
        picked = self._pick(order, lines, "send again")
        payload = {"order_id": order.external_id, "order_name": order.number, "reason": reason.strip() or "damaged",
                   "lines": [{"title": line.title, "sku": line.sku, "quantity": q} for line, q in picked]}
        worth = sum(line.unit_price * q for line, q in picked)
        details = (*(f"{q} × {line.title} ({line.sku})" for line, q in picked),
                   f"worth {_money(worth)} {order.currency}, discounted 100 %: the customer pays nothing",
                   "a draft order in the shop, to the order's shipping address; complete it there to ship")
        return Plan(OutboxKind.ORDER_REPLACE, order, payload, describe(OutboxKind.ORDER_REPLACE, payload), details)

    def plan_discount(self, ref: str | int, *, percentage: float | None = None, amount: float | None = None,
                      days: int = 30, now: float | None = None) -> Plan:
        """A single-use discount code for the order's customer, valid ``days`` from ``now``."""
        order = self.order(ref)
        if (percentage is None) == (amount is None):
            raise OrderActionError("give either a percentage or an amount off")
        if percentage is not None and not 0 < percentage <= 100:
            raise OrderActionError("the percentage is more than 0 and at most 100")
        if amount is not None and not 0 < amount <= 10 * max(order.total, 1.0):
            raise OrderActionError("the amount off must be more than 0 (and not ten times the order)")
        if not 1 <= days <= 365:
            raise OrderActionError("the code is valid 1 to 365 days")
        start = time.time() if now is None else now
        client_id = new_client_id()
        payload = {"order_id": order.external_id, "order_name": order.number, "currency": order.currency,
                   "code": "SORRY-" + client_id.replace("-", "")[:8].upper(), "client_id": client_id,
                   "percentage": percentage, "amount": _money(amount) if amount is not None else None,
                   "starts_at": _iso(start), "ends_at": _iso(start + days * 86400),
                   "ends_on": datetime.fromtimestamp(start + days * 86400, UTC).strftime("%d %b %Y")}
        details = ("one use, by this customer only, on any product",
                   f"valid from today for {days} days", "the shop does not send it: tell the customer the code")
        return Plan(OutboxKind.ORDER_DISCOUNT, order, payload, describe(OutboxKind.ORDER_DISCOUNT, payload), details)

    # --- queueing -----------------------------------------------------------------------------------

    def queue(self, plan: Plan, *, conversation_id: int | None = None) -> str:
        """Durably queue a confirmed plan; with ``conversation_id``, a private note records it there once done."""
        payload = {**plan.payload, "summary": plan.summary}
        row: OutboxRow | None = None
        try:
            with self.db.write() as conn:
                if conversation_id is not None:
                    ref = optimistic.conversation_ref(conn, int(conversation_id))
                    if ref is None:
                        raise OrderActionError(f"no conversation with id {conversation_id}")
                    payload["note_on"] = {"account_id": ref[0], "conversation": ref[1]}
                row = self.outbox.append(account_id=plan.order.account_id,
                                         conversation_external_id=plan.order.external_id, kind=plan.kind,
                                         payload=payload, client_id=plan.payload.get("client_id"),
                                         now=time.time() - self._date_back)
                optimistic.apply_item(conn, account_id=row.account_id,
                                      conversation_external_id=row.conversation_external_id, kind=row.kind,
                                      payload=row.payload, client_id=row.client_id, created_at=row.created_at)
        except CACHE_ERRORS as exc:
            if row is not None:  # the agent is told it failed: it must not go out
                self.outbox.delete(row.client_id)
            raise StorageError(storage_message(exc, "cache")) from exc
        if self.on_change is not None:
            try:
                self.on_change(conversation_id)
            except Exception:
                log.exception("on_change listener failed")
        return row.client_id
