"""ShopifyConnector: orders (with their customers) and customers from the Admin GraphQL API 2025-01.

Streams: "customers" (Contact) and "orders" (the order's customer as a Contact, then the Order).
Both page with relay cursors sorted by ``UPDATED_AT``; once through, later pulls ask only for
``updated_at:>'<newest updatedAt seen, minus a margin>'``. Cursor (opaque JSON text):
``{"since": ISO|null, "after": relay cursor|null, "high": ISO|null}``.
Cost-based throttling: a THROTTLED answer (HTTP 200 or 429) waits until the bucket holds the query's
cost again (``extensions.cost.throttleStatus``), through the one retry layer; other GraphQL errors
are PayloadError. Pushes are the order actions of ``shopify_actions``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from deskapp.connectors import shopify_mapping as sm
from deskapp.connectors.base import PayloadError
from deskapp.connectors.http import HttpClient, HttpStatusError, RetryableError, decode_json
from deskapp.connectors.wire import as_dict, as_float, dig, log, map_each, parse_time
from deskapp.domain import Batch, Contact, OutboxItem, PushResult

API_VERSION = "2025-01"
LINES_PER_ORDER = 10
PAGE_SIZE = 18  # 18 orders x 10 lines (each with its product): ~960 cost points, under the 1000-point cap
THROTTLE_SLACK = 0.25  # seconds on top of the computed refill, so the retry is not throttled again


def throttle_wait(body: Any) -> float | None:
    """Seconds until the leaky bucket holds this query's cost again; None when the answer does not say."""
    cost = dig(body, "extensions", "cost")
    status = dig(cost, "throttleStatus")
    if not isinstance(status, dict):
        return None
    needed = as_float(dig(cost, "requestedQueryCost"), default=-1.0)
    available = as_float(status.get("currentlyAvailable"), default=-1.0)
    rate = as_float(status.get("restoreRate"))
    if needed < 0 or available < 0 or rate <= 0:
        return None
    needed = min(needed, as_float(status.get("maximumAvailable"), default=needed))
    return max(0.0, (needed - available) / rate) + THROTTLE_SLACK


def _is_throttled(body: Any) -> bool:
    errors = body.get("errors") if isinstance(body, dict) else None
    return isinstance(errors, list) and any(
        dig(e, "extensions", "code") == "THROTTLED" or dig(e, "message") == "Throttled" for e in errors)


class CostTooHigh(PayloadError):
    """MAX_COST_EXCEEDED: this query asks for more than one request may cost; ask for fewer records."""


class AccessDenied(PayloadError):
    """ACCESS_DENIED: the app's token lacks the access scope this query or mutation needs (write_orders)."""


def _error_text(errors: Any) -> str:
    if isinstance(errors, list):
        return "; ".join(str(dig(e, "message") or e) for e in errors)[:500]
    return str(errors)[:500]


class ShopifyConnector:
    """One shop. ``page_size`` records per request keeps a query under Shopify's 1000-point cap (halved
    and retried when the shop still says MAX_COST_EXCEEDED)."""

    messages_per_conversation = False

    def __init__(self, shop_url: str, token: str, *, http: HttpClient | None = None, page_size: int = PAGE_SIZE,
                 margin: timedelta = timedelta(seconds=60)) -> None:
        self.http = http or HttpClient(shop_url, {"X-Shopify-Access-Token": token, "Accept": "application/json"})
        self.path = f"/admin/api/{API_VERSION}/graphql.json"
        self.page_size = page_size
        self.margin = margin

    def streams(self) -> list[str]:
        return ["customers", "orders"]

    def stop_waiting_on(self, event: threading.Event) -> None:
        """A throttle or backoff wait ends at once (Cancelled) when ``event`` is set: the engine's stop."""
        self.http.stop_waiting_on(event)

    def pull(self, stream: str, cursor: str | None) -> Batch:
        if stream == "orders":
            return self._pull("orders", sm.ORDERS_QUERY, self._order_records, cursor, {"lines": LINES_PER_ORDER})
        if stream == "customers":
            return self._pull("customers", sm.CUSTOMERS_QUERY, self._customer_records, cursor, {})
        raise ValueError(f"unknown shopify stream {stream!r}")

    def push(self, item: OutboxItem) -> PushResult:
        """An order action (refund, cancel, shipping address); other kinds belong to a help desk."""
        from deskapp.connectors import shopify_actions

        return shopify_actions.push(self, item)

    # -- GraphQL with cost-based throttling ----------------------------------------------------------
    def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """``data`` of one query; THROTTLED is retried after the bucket refills, other errors raise."""
        return self.http.call(lambda: self.graphql_once(query, variables), what="shopify graphql")

    def graphql_once(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """One request: ``data``, or RetryableError (THROTTLED, 429, 5xx, timeouts) for the caller's retry
        layer, AccessDenied (a missing access scope), CostTooHigh or PayloadError."""
        try:
            response = self.http.attempt("POST", self.path, json={"query": query, "variables": variables})
        except RetryableError as exc:
            if exc.response is not None and exc.response.status_code == 429:
                try:
                    wait = throttle_wait(decode_json(exc.response))
                except PayloadError:
                    wait = None
                hint = wait if wait is not None else exc.retry_after
                raise RetryableError("Shopify throttled (HTTP 429)", retry_after=hint,
                                     response=exc.response) from exc
            raise
        if not 200 <= response.status_code < 300:
            raise HttpStatusError(f"POST {self.path}: HTTP {response.status_code}", response=response)
        body = decode_json(response, "shopify graphql")
        if not isinstance(body, dict):
            raise PayloadError(f"shopify graphql: expected an object, got {type(body).__name__}")
        if _is_throttled(body):
            raise RetryableError("Shopify THROTTLED", retry_after=throttle_wait(body), response=response)
        errors = body.get("errors")
        codes = {dig(e, "extensions", "code") for e in errors} if isinstance(errors, list) else set()
        if "MAX_COST_EXCEEDED" in codes:
            raise CostTooHigh(f"shopify graphql: {_error_text(errors)}")
        if "ACCESS_DENIED" in codes:
            raise AccessDenied(_error_text(errors))
        if errors:
            raise PayloadError(f"shopify graphql errors: {_error_text(errors)}")
        if not isinstance(body.get("data"), dict):
            raise PayloadError("shopify graphql: no data in the answer")
        return body["data"]

    # -- streams -------------------------------------------------------------------------------------
    def _pull(self, field: str, query: str, to_records: Callable[[list[Any]], list[Any]], cursor: str | None,
              extra: dict[str, Any]) -> Batch:
        state = _load(cursor)
        since, after, high = state.get("since"), state.get("after"), state.get("high")
        search = None
        if since and (since_at := parse_time(since)):
            search = f"updated_at:>'{_iso(since_at - self.margin)}'"
        while True:
            try:
                data = self.graphql(query, {"first": self.page_size, "after": after, "query": search, **extra})
                break
            except CostTooHigh:
                if self.page_size <= 1:
                    raise
                self.page_size = max(1, self.page_size // 2)  # kept for later pages: the cost is per record
                log.warning("shopify %s: query too costly, asking for %d per page", field, self.page_size)
        connection = data.get(field)
        if not isinstance(connection, dict):
            raise PayloadError(f"shopify {field}: no connection in the answer")
        nodes = connection.get("nodes")
        if not isinstance(nodes, list):
            nodes = [dig(e, "node") for e in connection.get("edges") or []]
        nodes = [n for n in nodes if isinstance(n, dict)]
        for node in nodes:
            updated = parse_time(node.get("updatedAt"))
            if updated and (not high or updated > (parse_time(high) or updated)):
                high = _iso(updated)
        info = as_dict(connection.get("pageInfo"))
        end = info.get("endCursor")
        more = bool(info.get("hasNextPage")) and bool(nodes)
        if more and (not end or end == after):
            log.warning("shopify %s: page cursor did not advance (%r): ending this pass", field, end)
            more = False
        records = to_records(nodes)
        if more:
            return Batch(records, json.dumps({"since": since, "after": end, "high": high}), False)
        return Batch(records, json.dumps({"since": high or since, "after": None, "high": high}), True)

    def _customer_records(self, nodes: list[Any]) -> list[Any]:
        return map_each(nodes, sm.customer, "customer")

    def _order_records(self, nodes: list[Any]) -> list[Any]:
        contacts: dict[str, Contact] = {}
        for node in nodes:
            buyer = node.get("customer")
            if isinstance(buyer, dict):
                for contact in map_each([buyer], sm.customer, "customer"):
                    contacts[contact.external_id] = contact
        return [*contacts.values(), *map_each(nodes, sm.order, "order")]


def _load(cursor: str | None) -> dict[str, Any]:
    if not cursor:
        return {}
    try:
        state = json.loads(cursor)
    except ValueError:
        log.warning("unreadable shopify cursor %r: starting over", cursor[:80])
        return {}
    return state if isinstance(state, dict) else {}


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
