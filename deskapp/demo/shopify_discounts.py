"""The demo shop's discountCodeBasicCreate: a code for one customer (the agent's "sorry" gesture), with the
DiscountUserErrors Shopify gives for a blank or taken code and a value out of range."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from deskapp.demo.state import DemoState

FIELD = "basicCodeDiscount"


def _error(code: str, field: list[str], message: str) -> dict:
    return {"code": code, "extraInfo": None, "field": [FIELD, *field], "message": message}


class Discounts:
    """Codes created through the API (under ``state.lock``): code (case-insensitive) -> what was asked."""

    def __init__(self, state: DemoState) -> None:
        self.state = state
        self.codes: dict[str, dict] = {}

    def create(self, info: Any, basicCodeDiscount: dict) -> dict:
        asked = basicCodeDiscount
        code = str(asked.get("code") or "").strip()
        errors = []
        if not code:
            errors.append(_error("BLANK", ["code"], "Code can't be blank"))
        elif code.upper() in self.codes:
            errors.append(_error("TAKEN", ["code"], "Code must be unique. Please try a different code."))
        value = (asked.get("customerGets") or {}).get("value") or {}
        percentage, amount = value.get("percentage"), (value.get("discountAmount") or {}).get("amount")
        if percentage is None and amount is None:
            errors.append(_error("BLANK", ["customerGets", "value"], "Value can't be blank"))
        elif percentage is not None and not 0 < float(percentage) <= 1:
            errors.append(_error("VALUE_OUTSIDE_RANGE", ["customerGets", "value", "percentage"],
                                 "Value must be between 0.0 and 1.0"))
        elif amount is not None and not _positive(amount):
            errors.append(_error("GREATER_THAN", ["customerGets", "value", "discountAmount", "amount"],
                                 "Value must be greater than 0"))
        if errors:
            return {"codeDiscountNode": None, "userErrors": errors}
        node = {"id": f"gid://shopify/DiscountCodeNode/{900000 + len(self.codes) + 1}"}
        self.codes[code.upper()] = {**asked, "id": node["id"], "created_at": int(self.state.now())}
        return {"codeDiscountNode": node, "userErrors": []}

    def by_code(self, info: Any, code: str) -> dict | None:
        found = self.codes.get(str(code).strip().upper())
        return {"id": found["id"]} if found else None


def _positive(value: Any) -> bool:
    try:
        return Decimal(str(value)) > 0
    except (InvalidOperation, ValueError):
        return False
