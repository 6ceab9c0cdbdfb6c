"""The demo shop's returns: returnRequest (items of a fulfillment, with a reason) and returnApproveRequest, the
ReturnUserErrors Shopify gives, and what they leave on orders (``returns``, each fulfillment's line items)."""

from __future__ import annotations

from typing import Any

from deskapp.demo.seed import ORDER_GID_BASE, Order
from deskapp.demo.shopify_nodes import NodeFactory, connection
from deskapp.demo.state import DemoState


def _error(code: str, field: list[str], message: str) -> dict:
    return {"code": code, "field": field, "message": message}


def _plain(items: list) -> dict:
    return {"nodes": items, "pageInfo": {"hasNextPage": False, "hasPreviousPage": False,
                                         "startCursor": None, "endCursor": None}}


class Returns:
    """Returns per order idx (under ``state.lock``); chained onto the order nodes after the other writes."""

    def __init__(self, state: DemoState, nodes: NodeFactory) -> None:
        self.state, self.nodes = state, nodes
        self.returns: dict[int, list[dict]] = {}
        self._next = 1
        earlier = nodes.decorate_order
        nodes.decorate_order = lambda o, node: self.decorate(o, earlier(o, node))

    def fulfillment_lines(self, o: Order) -> list[dict]:
        if o.fulfilled_at is None:
            return []
        return [{"id": item["id"].replace("/LineItem/", "/FulfillmentLineItem/"), "lineItem": item,
                 "quantity": item["quantity"]} for item in self.nodes.line_items(o)]

    def decorate(self, o: Order, node: dict) -> dict:
        lines = self.fulfillment_lines(o)
        shipped = node["fulfillments"]

        def fulfillments(info: Any, first: int | None = None) -> list[dict]:
            return [{**f, "fulfillmentLineItems": lambda info_, **args: connection(
                lines, args, sort_keys={"ID": lambda x: (x["id"],)}, default_sort="ID", matches=lambda x: True,
                node=lambda x: x)} for f in shipped(info, first)]

        made = [self._node(r) for r in self.returns.get(o.idx, [])]
        node["fulfillments"] = fulfillments
        node["returns"] = lambda info, **args: connection(made, args, sort_keys={"ID": lambda r: (r["id"],)},
                                                          default_sort="ID", matches=lambda r: True,
                                                          node=lambda r: r)
        return node

    def _node(self, made: dict) -> dict:
        lines = [{"__typename": "ReturnLineItem", **line} for line in made["lines"]]
        return {"id": made["id"], "name": made["name"], "status": made["status"],
                "totalQuantity": sum(line["quantity"] for line in made["lines"]),
                "returnLineItems": lambda info, **args: _plain(lines[: args.get("first")])}

    def _order(self, gid: Any) -> Order | None:
        text = str(gid or "")
        prefix = "gid://shopify/Order/"
        if not text.startswith(prefix) or not text[len(prefix):].isdigit():
            return None
        idx = int(text[len(prefix):]) - ORDER_GID_BASE
        orders = self.state.world.orders
        return orders[idx] if 0 <= idx < len(orders) else None

    def request(self, info: Any, input: dict) -> dict:
        o = self._order(input.get("orderId"))
        if o is None:
            return {"return": None, "userErrors": [_error("NOT_FOUND", ["input", "orderId"], "Order not found")]}
        available = {f["id"]: f for f in self.fulfillment_lines(o)}
        for earlier in self.returns.get(o.idx, []):
            for line in earlier["lines"]:
                if earlier["status"] != "DECLINED" and line["fulfillment_line_id"] in available:
                    taken = available[line["fulfillment_line_id"]]
                    available[line["fulfillment_line_id"]] = {**taken, "quantity": taken["quantity"] - line["quantity"]}
        errors, lines = [], []
        for n, want in enumerate(input.get("returnLineItems") or []):
            where = ["input", "returnLineItems", str(n)]
            fli = available.get(want.get("fulfillmentLineItemId"))
            if fli is None:
                errors.append(_error("NOT_FOUND", [*where, "fulfillmentLineItemId"], "Fulfillment line item not found"))
            elif not 1 <= int(want.get("quantity") or 0) <= fli["quantity"]:
                errors.append(_error("GREATER_THAN", [*where, "quantity"],
                                     f"Quantity must be between 1 and the {fli['quantity']} still returnable"))
            else:
                lines.append({"id": f"gid://shopify/ReturnLineItem/{o.gid_num * 100 + self._next * 10 + n}",
                              "fulfillment_line_id": fli["id"], "fulfillmentLineItem": fli,
                              "quantity": int(want["quantity"]), "returnReason": want.get("returnReason"),
                              "customerNote": want.get("customerNote")})
        if not errors and not lines:
            errors.append(_error("BLANK", ["input", "returnLineItems"], "Return line items can't be blank"))
        if errors:
            return {"return": None, "userErrors": errors}
        count = len(self.returns.get(o.idx, [])) + 1
        made = {"id": f"gid://shopify/Return/{o.gid_num * 10 + self._next}", "name": f"{o.name}-R{count}",
                "status": "REQUESTED", "lines": lines}
        self._next += 1
        self.returns.setdefault(o.idx, []).append(made)
        self.state.shop_version += 1
        return {"return": self._node(made), "userErrors": []}

    def approve(self, info: Any, input: dict) -> dict:
        made = next((r for rs in self.returns.values() for r in rs if r["id"] == input.get("id")), None)
        if made is None:
            return {"return": None, "userErrors": [_error("NOT_FOUND", ["input", "id"], "Return not found")]}
        if made["status"] != "REQUESTED":
            return {"return": None, "userErrors": [_error(
                "INVALID_STATE", ["input", "id"],
                "Return is not approvable. Only returns with status REQUESTED can be approved.")]}
        made["status"] = "OPEN"
        return {"return": self._node(made), "userErrors": []}
