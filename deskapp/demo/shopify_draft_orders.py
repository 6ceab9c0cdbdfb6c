"""The demo shop's draftOrderCreate (a replacement sent at no charge) and the draftOrders query, with Shopify's
userErrors for no lines and bad quantities; ``query`` understands ``tag:``."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from deskapp.demo.shopify_nodes import connection, iso, money
from deskapp.demo.state import DemoState


def _decimal(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)
    return amount if amount.is_finite() else Decimal(0)


class DraftOrders:
    """Drafts created through the API (under ``state.lock``), oldest first."""

    def __init__(self, state: DemoState) -> None:
        self.state = state
        self.drafts: list[dict] = []

    def create(self, info: Any, input: dict) -> dict:
        lines = input.get("lineItems") or []
        errors = []
        if not lines:
            errors.append({"field": ["lineItems"], "message": "Add at least 1 product"})
        for n, line in enumerate(lines):
            if int(line.get("quantity") or 0) < 1:
                errors.append({"field": ["lineItems", str(n), "quantity"],
                               "message": "Quantity must be greater than or equal to 1"})
            if not line.get("title"):
                errors.append({"field": ["lineItems", str(n), "title"], "message": "Title can't be blank"})
        if errors:
            return {"draftOrder": None, "userErrors": errors}
        subtotal = sum((_decimal((line.get("originalUnitPriceWithCurrency") or {}).get("amount"))
                        * int(line["quantity"]) for line in lines), Decimal(0))
        discount = input.get("appliedDiscount") or {}
        value = _decimal(discount.get("value"))
        off = subtotal * value / 100 if discount.get("valueType") == "PERCENTAGE" else value
        number = len(self.drafts) + 1
        draft = {"id": f"gid://shopify/DraftOrder/{700000 + number}", "name": f"#D{number}", "status": "OPEN",
                 "tags": list(input.get("tags") or []), "email": input.get("email"),
                 "createdAt": iso(int(self.state.now())), "totalPriceSet": money(max(Decimal(0), subtotal - off)),
                 "input": input}
        self.drafts.append(draft)
        return {"draftOrder": draft, "userErrors": []}

    def query(self, info: Any, **args: Any) -> dict:
        wanted = [t[4:].strip("'\"") for t in (args.get("query") or "").split() if t.startswith("tag:")]
        return connection(self.drafts, args, sort_keys={"ID": lambda d: (d["id"],)}, default_sort="ID",
                          matches=lambda d: all(t in d["tags"] for t in wanted), node=lambda d: d)
