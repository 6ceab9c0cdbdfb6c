"""The demo shop's order mutations (refundCreate, orderCancel and its Job, orderUpdate's shipping address) and
what they leave on the orders (refunds, suggestedRefund, totals, statuses), for the demo GraphQL API.

Answers follow the Admin API 2025-01: refusals are ``userErrors`` (``orderCancelUserErrors`` for a cancel)
with the field path and Shopify's wording; money moves only through the refund's transactions.
"""

from __future__ import annotations

import uuid
from collections import Counter
from decimal import Decimal, InvalidOperation
from typing import Any

from deskapp.demo.seed import ORDER_GID_BASE, Order
from deskapp.demo.shopify_nodes import NodeFactory, connection, iso, money
from deskapp.demo.state import DemoState

GATEWAY = "shopify_payments"
CENTS = Decimal("0.01")


def _num(gid: Any, kind: str) -> int | None:
    prefix = f"gid://shopify/{kind}/"
    text = str(gid or "")
    return int(text[len(prefix):]) if text.startswith(prefix) and text[len(prefix):].isdigit() else None


def _decimal(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def _error(field: list[str], message: str) -> dict:
    return {"field": field, "message": message}


class OrderWrites:
    """Refunds, cancellations and address changes on the demo world's orders (under ``state.lock``)."""

    def __init__(self, state: DemoState, nodes: NodeFactory) -> None:
        self.state, self.nodes = state, nodes
        self.refunds: dict[int, list[dict]] = {}  # order idx -> its refunds, oldest first
        self.addresses: dict[int, dict] = {}  # order idx -> the shipping address an agent set
        self.seeded_refund: dict[int, Decimal] = {}  # order idx -> what the seed had refunded before any write
        self.jobs: dict[str, bool] = {}  # job gid -> done
        self._next_refund = 1
        nodes.decorate_order = self.decorate

    # --- reading ------------------------------------------------------------------------------------

    def _order(self, gid: Any) -> Order | None:
        num = _num(gid, "Order")
        orders = self.state.world.orders
        idx = None if num is None else num - ORDER_GID_BASE
        return orders[idx] if idx is not None and 0 <= idx < len(orders) else None

    def _base_refunded(self, o: Order) -> Decimal:
        if o.idx not in self.seeded_refund:
            total = self.nodes.total(o)
            self.seeded_refund[o.idx] = (total if o.financial == "REFUNDED" else
                                         (total / 2).quantize(CENTS) if o.financial == "PARTIALLY_REFUNDED" else
                                         Decimal(0))
        return self.seeded_refund[o.idx]

    def refunded(self, o: Order) -> Decimal:
        return self._base_refunded(o) + sum((r["amount"] for r in self.refunds.get(o.idx, [])), Decimal(0))

    def refundable(self, o: Order) -> Decimal:
        if o.financial in ("VOIDED", "PENDING", "AUTHORIZED", "EXPIRED"):
            return Decimal(0)  # nothing was captured: there is no payment to give back
        return max(Decimal(0), self.nodes.total(o) - self.refunded(o))

    def refundable_quantities(self, o: Order) -> dict[str, int]:
        taken: Counter[str] = Counter()
        for refund in self.refunds.get(o.idx, []):
            for line in refund["lines"]:
                taken[line["id"]] += line["quantity"]
        seeded_all = self._base_refunded(o) >= self.nodes.total(o) > 0
        return {i["id"]: 0 if seeded_all else max(0, i["quantity"] - taken[i["id"]]) for i in self.nodes.line_items(o)}

    def decorate(self, o: Order, node: dict) -> dict:
        """The order node with its refunds, what is left to refund and the address an agent set."""
        refunded = self.refunded(o)
        left = self.refundable_quantities(o)
        items = self.nodes.line_items(o)
        for item in items:
            item["currentQuantity"] = 0 if o.cancelled_at else left[item["id"]]
            item["refundableQuantity"] = 0 if o.cancelled_at else left[item["id"]]
        by_id = {i["id"]: i for i in items}
        seeded = [{**r, "refundLineItems": lambda info, **args: connection(
                       [], args, sort_keys={"ID": lambda x: (x,)}, default_sort="ID", matches=lambda x: True,
                       node=lambda x: x)}
                  for r in self.nodes.refunds(o, self._base_refunded(o))]
        refunds = seeded + [self._refund_node(r, by_id) for r in self.refunds.get(o.idx, [])]
        node.update({
            "totalRefundedSet": money(refunded), "displayFinancialStatus": o.financial,
            "cancelledAt": iso(o.cancelled_at), "updatedAt": iso(o.updated_at),
            "lineItems": lambda info, **args: connection(items, args, sort_keys={"ID": lambda i: (i["id"],)},
                                                         default_sort="ID", matches=lambda i: True, node=lambda i: i),
            "refunds": lambda info, first=None: refunds[:first] if first is not None else refunds,
            "suggestedRefund": lambda info, **args: self.suggested(o, args),
        })
        if o.idx in self.addresses:
            node["shippingAddress"] = self.addresses[o.idx]
        return node

    def _refund_node(self, refund: dict, by_id: dict[str, dict]) -> dict:
        lines = [{"lineItem": by_id[line["id"]], "quantity": line["quantity"], "restockType": line["restockType"],
                  "subtotalSet": money(line["subtotal"])} for line in refund["lines"]]
        return {"id": refund["id"], "createdAt": iso(refund["created_at"]), "note": refund["note"],
                "totalRefundedSet": money(refund["amount"]),
                "refundLineItems": lambda info, **args: connection(
                    lines, args, sort_keys={"ID": lambda x: (x["lineItem"]["id"],)}, default_sort="ID",
                    matches=lambda x: True, node=lambda x: x)}

    def suggested(self, o: Order, args: dict) -> dict:
        """SuggestedRefund: the chosen lines (capped at what is left of each) plus shipping, capped at the
        amount still refundable; the demo shop charges no tax and has no discounts."""
        items = {i["id"]: i for i in self.nodes.line_items(o)}
        left = self.refundable_quantities(o)
        chosen: list[dict] = []
        wanted: list[dict[str, Any]]
        if args.get("suggestFullRefund"):
            wanted = [{"lineItemId": k, "quantity": v} for k, v in left.items() if v]
        else:
            wanted = args.get("refundLineItems") or []
        subtotal = Decimal(0)
        for want in wanted:
            line_id = str(want.get("lineItemId"))
            item = items.get(line_id)
            quantity = min(int(want.get("quantity") or 0), left.get(line_id, 0))
            if item is None or quantity <= 0:
                continue
            price = Decimal(item["originalUnitPriceSet"]["shopMoney"]["amount"])
            subtotal += price * quantity
            chosen.append({"lineItem": item, "quantity": quantity,
                           "restockType": want.get("restockType") or "NO_RESTOCK",
                           "subtotalSet": money(price * quantity)})
        shipping_paid = self.nodes.total(o) - sum((Decimal(i["originalUnitPriceSet"]["shopMoney"]["amount"])
                                                   * i["quantity"] for i in items.values()), Decimal(0))
        maximum = self.refundable(o)
        shipping = Decimal(0)
        if args.get("refundShipping") or args.get("suggestFullRefund"):
            shipping = shipping_paid
        elif args.get("shippingAmount") is not None:
            shipping = min(shipping_paid, _decimal(args["shippingAmount"]) or Decimal(0))
        amount = min(maximum, subtotal + shipping)
        transactions = [] if amount <= 0 else [{
            "amountSet": money(amount), "gateway": GATEWAY, "kind": "SUGGESTED_REFUND",
            "parentTransaction": {"id": f"gid://shopify/OrderTransaction/{o.gid_num * 7}", "gateway": GATEWAY,
                                  "kind": "SALE"}}]
        return {"amountSet": money(amount), "subtotalSet": money(subtotal), "totalTaxSet": money(Decimal(0)),
                "maximumRefundableSet": money(maximum), "refundLineItems": chosen,
                "shipping": {"amountSet": money(shipping), "maximumRefundableSet": money(min(shipping_paid, maximum))},
                "suggestedTransactions": transactions}

    # --- mutations ----------------------------------------------------------------------------------

    def _touch(self, o: Order) -> None:
        o.updated_at = max(o.updated_at + 1, int(self.state.now()))
        self.state.shop_version += 1

    def refund_create(self, info: Any, input: dict) -> dict:
        o = self._order(input.get("orderId"))
        if o is None:
            return {"order": None, "refund": None, "userErrors": [_error(["orderId"], "Order does not exist")]}
        left = self.refundable_quantities(o)
        lines, errors = [], []
        for n, want in enumerate(input.get("refundLineItems") or []):
            line_id, quantity = want.get("lineItemId"), int(want.get("quantity") or 0)
            if line_id not in left:
                errors.append(_error(["refundLineItems", str(n), "lineItemId"], "Line item does not exist"))
            elif quantity < 1:
                errors.append(_error(["refundLineItems", str(n), "quantity"], "Quantity must be greater than 0"))
            elif quantity > left[line_id]:
                errors.append(_error(["refundLineItems", str(n), "quantity"],
                                     "Quantity cannot refund more items than were purchased"))
            else:
                left[line_id] -= quantity
                lines.append({"id": line_id, "quantity": quantity,
                              "restockType": want.get("restockType") or "NO_RESTOCK"})
        amount = Decimal(0)
        available = self.refundable(o)
        for n, tx in enumerate(input.get("transactions") or []):
            value = _decimal(tx.get("amount"))
            if value is None or value <= 0:
                errors.append(_error(["transactions", str(n), "amount"], "Amount must be greater than 0"))
            elif tx.get("kind") != "REFUND":
                errors.append(_error(["transactions", str(n), "kind"], "Kind is not a refund"))
            else:
                amount += value
        if amount > available:
            errors.append(_error(["transactions", "0", "amount"],
                                 f"Refund amount ${amount.quantize(CENTS)} is greater than net payment received "
                                 f"${available.quantize(CENTS)}"))
        if errors:
            return {"order": None, "refund": None, "userErrors": errors}
        prices = {i["id"]: Decimal(i["originalUnitPriceSet"]["shopMoney"]["amount"]) for i in self.nodes.line_items(o)}
        for line in lines:
            line["subtotal"] = prices[line["id"]] * line["quantity"]
        refund = {"id": f"gid://shopify/Refund/{o.gid_num * 100 + self._next_refund}", "note": input.get("note"),
                  "amount": amount, "lines": lines, "created_at": int(self.state.now())}
        self._next_refund += 1
        self.refunds.setdefault(o.idx, []).append(refund)
        if amount > 0:
            o.financial = "REFUNDED" if self.refunded(o) >= self.nodes.total(o) else "PARTIALLY_REFUNDED"
        self._touch(o)
        by_id = {i["id"]: i for i in self.nodes.line_items(o)}
        return {"order": self.nodes.order(o), "refund": self._refund_node(refund, by_id), "userErrors": []}

    def order_cancel(self, info: Any, orderId: str, refund: bool, restock: bool, reason: str,
                     notifyCustomer: bool = False, staffNote: str | None = None) -> dict:
        o = self._order(orderId)
        if o is None:
            return self._cancel_refused("NOT_FOUND", "Order does not exist")
        if o.cancelled_at is not None:
            return self._cancel_refused("INVALID", "Cannot cancel an order that has already been cancelled")
        if o.fulfilled_at is not None:
            return self._cancel_refused("INVALID", "Cannot cancel an order that has been fulfilled")
        o.cancelled_at = int(self.state.now())
        if refund and self.refundable(o) > 0:
            amount = self.refundable(o)
            lines = [{"id": k, "quantity": v, "restockType": "CANCEL" if restock else "NO_RESTOCK",
                      "subtotal": Decimal(0)} for k, v in self.refundable_quantities(o).items() if v]
            self.refunds.setdefault(o.idx, []).append({
                "id": f"gid://shopify/Refund/{o.gid_num * 100 + self._next_refund}", "note": staffNote,
                "amount": amount, "lines": lines, "created_at": o.cancelled_at})
            self._next_refund += 1
            o.financial = "REFUNDED"
        elif o.financial in ("PENDING", "AUTHORIZED"):
            o.financial = "VOIDED"
        self._touch(o)
        job = f"gid://shopify/Job/{uuid.uuid4()}"
        self.jobs[job] = False  # the first look at it finds it done: the cancel has been applied
        return {"job": {"id": job, "done": False}, "orderCancelUserErrors": [], "userErrors": []}

    @staticmethod
    def _cancel_refused(code: str, message: str) -> dict:
        error = {"code": code, "field": ["orderId"], "message": message}
        return {"job": None, "orderCancelUserErrors": [error], "userErrors": [_error(["orderId"], message)]}

    def job(self, info: Any, id: str) -> dict | None:
        if id not in self.jobs:
            return None
        done = self.jobs[id]
        self.jobs[id] = True
        return {"id": id, "done": done}

    def order_update(self, info: Any, input: dict) -> dict:
        o = self._order(input.get("id"))
        if o is None:
            return {"order": None, "userErrors": [_error(["id"], "Order does not exist")]}
        address = input.get("shippingAddress")
        if address is None:
            return {"order": self.nodes.order(o), "userErrors": []}
        errors = []
        if o.fulfilled_at is not None or o.cancelled_at is not None:
            errors.append(_error(["shippingAddress"], "Shipping address cannot be changed once the order is "
                                                      + ("cancelled" if o.cancelled_at else "fulfilled")))
        for key, label in (("address1", "Address1"), ("city", "City"), ("countryCode", "Country")):
            if not str(address.get(key) or "").strip():
                errors.append(_error(["shippingAddress", key], f"{label} can't be blank"))
        if errors:
            return {"order": None, "userErrors": errors}
        person = self.state.world.people[o.person_idx]
        first = address.get("firstName") or person.first
        last = address.get("lastName") or person.last
        self.addresses[o.idx] = {
            "name": f"{first} {last}".strip(), "firstName": first, "lastName": last,
            "address1": address["address1"], "address2": address.get("address2"), "city": address["city"],
            "province": address.get("provinceCode"), "zip": address.get("zip"), "country": address["countryCode"],
            "countryCodeV2": address["countryCode"], "phone": address.get("phone") or person.phone}
        self._touch(o)
        return {"order": self.nodes.order(o), "userErrors": []}

    def root(self) -> dict:
        return {"refundCreate": self.refund_create, "orderCancel": self.order_cancel,
                "orderUpdate": self.order_update, "job": self.job}

