"""The Shopify Admin GraphQL API 2025-01 over the demo state: graphql-core executes queries against the schema
subset in `shopify_schema`, with Relay cursors, search-syntax filters and cost-based throttling."""

from __future__ import annotations

import threading
import time
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, OperationType, build_schema, execute_sync, parse, validate

from deskapp.demo.shopify_cost import requested_cost
from deskapp.demo.shopify_discounts import Discounts
from deskapp.demo.shopify_draft_orders import DraftOrders
from deskapp.demo.shopify_nodes import NodeFactory, connection, parse_search
from deskapp.demo.shopify_order_writes import OrderWrites
from deskapp.demo.shopify_returns import Returns
from deskapp.demo.shopify_schema import SDL
from deskapp.demo.state import DemoState

# A Shopify Plus store's bucket: the demo's first sync of its 1,500 orders should take seconds, not
# minutes. Throttling is still exercised: tests empty the bucket with the `shopify_bucket` fault.
MAX_AVAILABLE = 20000.0
RESTORE_RATE = 1000.0  # points per second
MAX_QUERY_COST = 1000


def _objects_returned(data: Any) -> int:
    """The actual cost of an answer: one point per object it holds (connections' pageInfo included)."""
    if isinstance(data, dict):
        return 1 + sum(_objects_returned(v) for v in data.values())
    if isinstance(data, list):
        return sum(_objects_returned(v) for v in data)
    return 0


def _mutation_fields(document: Any, operation: str | None) -> list[str]:
    """The root fields of the mutation this request runs (empty for a query)."""
    for op in document.definitions:
        if isinstance(op, OperationDefinitionNode) and (not operation or (op.name and op.name.value == operation)):
            if op.operation != OperationType.MUTATION:
                return []
            return [sel.name.value for sel in op.selection_set.selections if hasattr(sel, "name")]
    return []


def _access_denied(fields: list[str]) -> dict:
    """Shopify's answer to a mutation the app's access scopes do not allow: a top-level error per field."""
    return {"data": {name: None for name in fields}, "errors": [{
        "message": f"Access denied for {name} field. Required access: `write_orders` access scope.",
        "path": [name], "extensions": {"code": "ACCESS_DENIED", "requiredAccess": "`write_orders` access scope.",
                                       "documentation": "https://shopify.dev/api/usage/access-scopes"}}
        for name in fields]}


class ShopifyApi:
    """`execute(body)` -> (HTTP status, JSON body) for one POST to /admin/api/2025-01/graphql.json."""

    def __init__(self, state: DemoState) -> None:
        self.state = state
        self.schema = build_schema(SDL)
        self.nodes = NodeFactory(state)
        self.writes = OrderWrites(state, self.nodes)
        self.discounts = Discounts(state)
        self.drafts = DraftOrders(state)
        self.returns = Returns(state, self.nodes)
        self._lock = threading.Lock()
        self._available = MAX_AVAILABLE
        self._stamp = time.monotonic()

    def _cost_ext(self, requested: int, actual: int | None) -> dict:
        return {"cost": {"requestedQueryCost": requested, "actualQueryCost": actual,
                         "throttleStatus": {"maximumAvailable": MAX_AVAILABLE,
                                            "currentlyAvailable": int(self._available),
                                            "restoreRate": RESTORE_RATE}}}

    def _refill(self) -> None:
        now = time.monotonic()
        self._available = min(MAX_AVAILABLE, self._available + (now - self._stamp) * RESTORE_RATE)
        self._stamp = now

    def execute(self, body: dict, *, bucket_override: int | None = None, read_only: bool = False,
                fail_after_apply: bool = False, slow_apply_s: float = 0.0) -> tuple[int, dict]:
        """``read_only``: the app lacks the write scopes (mutations answer ACCESS_DENIED); ``fail_after_apply``:
        a mutation is applied, then the answer is an HTTP 500 (the client cannot know it landed);
        ``slow_apply_s``: a mutation waits this long before it is applied (queries meanwhile see no change)."""
        query, variables = body.get("query"), body.get("variables") or {}
        if not isinstance(query, str) or not isinstance(variables, dict):
            return 400, {"errors": {"query": "Required parameter missing or invalid"}}
        try:
            document = parse(query)
        except GraphQLError as exc:
            return 200, {"errors": [exc.formatted]}
        errors = validate(self.schema, document)
        if errors:
            return 200, {"errors": [e.formatted for e in errors]}
        try:
            cost = requested_cost(self.schema, document, variables, body.get("operationName"))
        except GraphQLError as exc:
            return 200, {"errors": [exc.formatted]}
        mutations = _mutation_fields(document, body.get("operationName"))
        if mutations and read_only:
            with self.state.lock:
                self.state.faults_injected["ACCESS_DENIED"] += 1
            return 200, _access_denied(mutations)
        with self._lock:
            self._refill()
            if bucket_override is not None:
                self._available = float(bucket_override)
            if cost > MAX_QUERY_COST:
                return 200, {"errors": [{"message": f"Query cost is {cost}, which exceeds the single query max "
                                                    f"cost limit ({MAX_QUERY_COST}).",
                                         "extensions": {"code": "MAX_COST_EXCEEDED", "cost": cost,
                                                        "maxCost": MAX_QUERY_COST}}],
                             "extensions": self._cost_ext(cost, None)}
            if cost > self._available:
                with self.state.lock:
                    self.state.faults_injected["THROTTLED"] += 1
                return 200, {"errors": [{"message": "Throttled", "extensions": {
                    "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                    "extensions": self._cost_ext(cost, None)}
            self._available -= cost
        if mutations and slow_apply_s:
            with self.state.lock:
                self.state.faults_injected["slow apply"] += 1
            time.sleep(slow_apply_s)  # this handler's thread only: other requests go on meanwhile
        with self.state.lock:
            result = execute_sync(self.schema, document, root_value=self._root(), variable_values=variables,
                                  operation_name=body.get("operationName"))
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [e.formatted for e in result.errors]
        if mutations and fail_after_apply:
            with self.state.lock:
                self.state.faults_injected["500 after apply"] += 1
            return 500, {"errors": "Internal Server Error"}
        actual = min(cost, _objects_returned(result.data))
        with self._lock:
            # Like Shopify: the requested cost is taken up front, the part not used is refunded.
            self._available = min(MAX_AVAILABLE, self._available + (cost - actual))
            payload["extensions"] = self._cost_ext(cost, actual)
        return 200, payload

    def _root(self) -> dict:
        nodes = self.nodes

        def customers(info: Any, **args: Any) -> dict:
            view = nodes.view("customers", args.get("sortKey"), "ID")
            return connection(view, args, sort_keys=nodes.customer_sort_keys, default_sort="ID",
                              matches=parse_search(args.get("query"), nodes.customer_field), node=nodes.customer)

        def orders(info: Any, **args: Any) -> dict:
            view = nodes.view("orders", args.get("sortKey"), "PROCESSED_AT")
            return connection(view, args, sort_keys=nodes.order_sort_keys, default_sort="PROCESSED_AT",
                              matches=parse_search(args.get("query"), nodes.order_field), node=nodes.order)

        return {**self.writes.root(), "discountCodeBasicCreate": self.discounts.create,
                "codeDiscountNodeByCode": self.discounts.by_code, "draftOrderCreate": self.drafts.create,
                "draftOrders": self.drafts.query, "returnRequest": self.returns.request,
                "returnApproveRequest": self.returns.approve,
                "customers": customers, "orders": orders,
                "customer": lambda info, id: nodes.customer_by_gid(id),
                "order": lambda info, id: nodes.order_by_gid(id)}
