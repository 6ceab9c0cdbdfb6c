"""Order actions for ShopifyConnector.push: refundCreate (amounts from suggestedRefund), orderCancel (then its
Job followed), orderUpdate of the shipping address, discountCodeBasicCreate for the order's customer,
draftOrderCreate for a replacement at no charge (tagged with the client id, looked up before a retry),
returnRequest then returnApproveRequest (the marker in each line's customer note); Admin GraphQL 2025-01.

Exactly once: refundCreate has no idempotency key, so the refund's ``note`` carries ``[deskapp:<client id>]``
and any attempt that may follow one which reached the shop (an earlier attempt of the item, or a retry
after a 5xx or a timeout in this one) first reads the order's refunds and stops if the marker is there.
A cancel that finds the order cancelled is done if we may have sent it, else a conflict (someone else did);
an address change is a set-to-value, safe to repeat, and not repeated once the order shows it. ``userErrors``
and a missing access scope are conflicts for the agent, with the shop's words; THROTTLED, 429 and 5xx go
through the one retry layer.

A mutation whose answer never came (a timeout, a connection dropped, a gateway timeout) is not sent again in
the same pass: the shop may still be applying it, so a look-up right away can miss it and a second send
would make a second refund. The item goes back to the outbox (``OutcomeUnknown``) and the next pass, after
waiting longer than a request may take, looks it up first. An answered failure (HTTP 500 after the write,
THROTTLED) means the shop is done with the request: the same pass looks it up and retries.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from deskapp.connectors.base import PayloadError
from deskapp.connectors.http import RetryableError, unknown_outcome
from deskapp.connectors.wire import as_dict, dig, log
from deskapp.domain import OutboxItem, OutboxKind, PushResult

if TYPE_CHECKING:
    from deskapp.connectors.shopify import ShopifyConnector

JOB_POLLS = 10
JOB_POLL_S = 0.2

ORDER_QUERY = """query DeskappOrderForAction($id: ID!) {
  order(id: $id) {
    id name cancelledAt displayFinancialStatus displayFulfillmentStatus currencyCode
    email
    shippingAddress { firstName lastName address1 address2 city zip province countryCodeV2 phone }
    customer { id }
    lineItems(first: 50) { nodes { id sku title name quantity currentQuantity
                                   originalUnitPriceSet { shopMoney { amount currencyCode } } } }
    refunds(first: 100) { id note }
  }
}"""
SUGGEST_QUERY = """query DeskappSuggestRefund($id: ID!, $lines: [RefundLineItemInput!], $shipping: Boolean,
                                      $full: Boolean) {
  order(id: $id) {
    suggestedRefund(refundLineItems: $lines, refundShipping: $shipping, suggestFullRefund: $full) {
      amountSet { shopMoney { amount currencyCode } }
      maximumRefundableSet { shopMoney { amount currencyCode } }
      refundLineItems { quantity lineItem { id } }
      suggestedTransactions { gateway kind amountSet { shopMoney { amount } } parentTransaction { id } }
    }
  }
}"""
REFUND_MUTATION = """mutation DeskappRefund($input: RefundInput!) {
  refundCreate(input: $input) {
    refund { id totalRefundedSet { shopMoney { amount currencyCode } } }
    userErrors { field message }
  }
}"""
CANCEL_MUTATION = """mutation DeskappCancel($id: ID!, $refund: Boolean!, $restock: Boolean!,
                                 $reason: OrderCancelReason!, $notify: Boolean, $staffNote: String) {
  orderCancel(orderId: $id, refund: $refund, restock: $restock, reason: $reason, notifyCustomer: $notify,
              staffNote: $staffNote) {
    job { id done }
    orderCancelUserErrors { code field message }
  }
}"""
JOB_QUERY = """query DeskappJob($id: ID!) { job(id: $id) { id done } }"""
ADDRESS_MUTATION = """mutation DeskappAddress($input: OrderInput!) {
  orderUpdate(input: $input) {
    order { id shippingAddress { address1 city zip countryCodeV2 } }
    userErrors { field message }
  }
}"""
DISCOUNT_MUTATION = """mutation DeskappDiscount($input: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $input) {
    codeDiscountNode { id }
    userErrors { code field message }
  }
}"""
DISCOUNT_QUERY = """query DeskappDiscountByCode($code: String!) { codeDiscountNodeByCode(code: $code) { id } }"""
DRAFT_MUTATION = """mutation DeskappReplacement($input: DraftOrderInput!) {
  draftOrderCreate(input: $input) {
    draftOrder { id name totalPriceSet { shopMoney { amount currencyCode } } }
    userErrors { field message }
  }
}"""
DRAFT_QUERY = """query DeskappDraftByTag($query: String!) {
  draftOrders(first: 1, query: $query) { nodes { id name } }
}"""
RETURN_ORDER_QUERY = """query DeskappOrderReturns($id: ID!) {
  order(id: $id) {
    id name
    fulfillments(first: 10) {
      fulfillmentLineItems(first: 50) { nodes { id quantity lineItem { id sku title name } } }
    }
    returns(first: 20) { nodes { id name status returnLineItems(first: 20) { nodes { customerNote } } } }
  }
}"""
RETURN_MUTATION = """mutation DeskappReturn($input: ReturnRequestInput!) {
  returnRequest(input: $input) { return { id name status } userErrors { code field message } }
}"""
APPROVE_MUTATION = """mutation DeskappApproveReturn($input: ReturnApproveRequestInput!) {
  returnApproveRequest(input: $input) { return { id name status } userErrors { code field message } }
}"""
RETURN_REASONS = ("SIZE_TOO_SMALL", "SIZE_TOO_LARGE", "UNWANTED", "NOT_AS_DESCRIBED", "WRONG_ITEM", "DEFECTIVE",
                  "STYLE", "COLOR", "OTHER")
CANCEL_REASONS = ("CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "STAFF", "OTHER")


def _mutate(connector: ShopifyConnector, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """One mutation; an answer lost on the way raises OutcomeUnknown instead of a same-pass retry."""
    try:
        return connector.graphql_once(query, variables)
    except RetryableError as exc:
        unknown = unknown_outcome(exc, connector.http.timeout, "shopify mutation")
        if unknown is None:
            raise  # the shop answered (it is done with the request) or never got it: a look-up now is right
        raise unknown from exc


def marker(client_id: str) -> str:
    """What a refund's note carries so that a retry can tell the refund already exists."""
    return f"[deskapp:{client_id}]"


class _Refused(Exception):
    """The shop (or the order's state) refuses this action: a conflict with these words."""

    def __init__(self, reason: str, message: str, detail: dict | None = None) -> None:
        super().__init__(message)
        self.reason, self.message, self.detail = reason, message, detail or {}


def push(connector: ShopifyConnector, item: OutboxItem) -> PushResult:
    from deskapp.connectors.shopify import AccessDenied

    action = {OutboxKind.ORDER_REFUND: _refund, OutboxKind.ORDER_CANCEL: _cancel,
              OutboxKind.ORDER_ADDRESS: _address, OutboxKind.ORDER_DISCOUNT: _discount,
              OutboxKind.ORDER_REPLACE: _replace, OutboxKind.ORDER_RETURN: _return}.get(item.kind)
    if action is None:
        return PushResult(ok=False, conflict=f"{item.kind.value} cannot be sent to a shop")
    # Whether an earlier attempt may have reached the shop: then every step checks first.
    reached = {"maybe": item.attempts > 0}
    try:
        return connector.http.call(lambda: action(connector, item, reached), what=f"shopify {item.kind.value}")
    except _Refused as refused:
        return PushResult(ok=False, conflict=refused.reason, detail={"message": refused.message, **refused.detail})
    except AccessDenied as exc:
        return PushResult(ok=False, conflict="missing access scope",
                          detail={"message": f"The shop refused: {exc} Ask the shop owner to grant the app the "
                                             "write_orders scope, then retry."})


def _order(connector: ShopifyConnector, order_id: str) -> dict:
    order = connector.graphql_once(ORDER_QUERY, {"id": order_id}).get("order")
    if not isinstance(order, dict):
        raise _Refused("order not found", f"The shop has no order {order_id} (deleted?).")
    return order


def _user_errors(errors: Any) -> str | None:
    if not isinstance(errors, list) or not errors:
        return None
    return "; ".join(str(dig(e, "message") or e) for e in errors)


def _answer(data: dict[str, Any], mutation: str, made: str, what: str,
            errors_key: str = "userErrors") -> dict[str, Any]:
    """What ``mutation`` made (``payload[made]``, an object with an id), or the shop's refusal in its own
    words, or a PayloadError when the answer holds neither."""
    payload = as_dict(data.get(mutation))
    refused = _user_errors(payload.get(errors_key))
    if refused:
        raise _Refused("refused by the shop", refused, {"userErrors": payload[errors_key]})
    found = payload.get(made)
    if not isinstance(found, dict) or not found.get("id"):
        raise PayloadError(f"shopify {mutation}: neither {what} nor userErrors in the answer")
    return found


def _money(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def _match_lines(order: dict, wanted: list[dict]) -> list[dict]:
    """The payload's lines (sku + title, as the cache knows them) -> RefundLineItemInput."""
    nodes = [n for n in dig(order, "lineItems", "nodes") or [] if isinstance(n, dict)]
    chosen = []
    used: set[str] = set()
    for want in wanted:
        match = next((n for n in nodes if n.get("id") not in used and (n.get("sku") or "") == want.get("sku", "")
                      and want.get("title", "") in (n.get("title"), n.get("name"))), None)
        if match is None:
            match = next((n for n in nodes if n.get("id") not in used and want.get("sku")
                          and n.get("sku") == want["sku"]), None)
        if match is None:
            raise _Refused("line not found", f"Order {order.get('name')} has no line {want.get('title')!r} any more.")
        used.add(match["id"])
        chosen.append({"lineItemId": match["id"], "quantity": int(want.get("quantity", 1)),
                       "restockType": want.get("restock_type", "NO_RESTOCK")})
    return chosen


def _refund(connector: ShopifyConnector, item: OutboxItem, reached: dict) -> PushResult:
    p = item.payload
    order = _order(connector, p["order_id"])
    mark = marker(item.client_id)
    if reached["maybe"]:
        for refund in order.get("refunds") or []:
            if isinstance(refund, dict) and mark in str(refund.get("note") or ""):
                log.info("refund %s already on the shop as %s: not sent again", item.client_id, refund.get("id"))
                return PushResult(ok=True, external_id=str(refund.get("id")))
    restock = "RETURN" if p.get("restock") else "NO_RESTOCK"
    lines = _match_lines(order, [{**w, "restock_type": restock} for w in p.get("lines") or []])
    wanted = _money(p.get("amount")) if p.get("amount") not in (None, "") else None
    # A set amount alone: the full suggestion names the payment to refund it to (gateway, parent transaction).
    full = wanted is not None and not lines and not p.get("shipping")
    suggested = dig(connector.graphql_once(SUGGEST_QUERY, {"id": p["order_id"], "lines": lines or None,
                                                          "shipping": bool(p.get("shipping")), "full": full}),
                    "order", "suggestedRefund")
    if not isinstance(suggested, dict):
        raise PayloadError("shopify suggestedRefund: no answer")
    maximum = _money(dig(suggested, "maximumRefundableSet", "shopMoney", "amount")) or Decimal(0)
    transactions = [t for t in suggested.get("suggestedTransactions") or [] if isinstance(t, dict)]
    if wanted is not None and wanted > maximum:
        raise _Refused("more than refundable", f"{wanted} {order.get('currencyCode', '')} is more than the "
                       f"{maximum} still refundable on {order.get('name')}.", {"refundable": str(maximum)})
    if wanted is None and not lines and not transactions:
        raise _Refused("nothing to refund", f"Nothing is left to refund on {order.get('name')}.")
    money_back = []
    for tx in transactions[:1] if wanted is not None else transactions:
        amount = wanted if wanted is not None else _money(dig(tx, "amountSet", "shopMoney", "amount"))
        if amount is None or amount <= 0:
            continue
        money_back.append({"orderId": p["order_id"], "kind": "REFUND", "gateway": tx.get("gateway") or "",
                           "amount": str(amount), "parentId": dig(tx, "parentTransaction", "id")})
    if wanted is not None and not money_back:
        raise _Refused("more than refundable", f"No payment on {order.get('name')} can take a refund.")
    note = " ".join(x for x in (str(p.get("reason") or "").strip(), mark) if x)
    reached["maybe"] = True  # from here on, the shop may hold the refund even if we never hear back
    data = _mutate(connector, REFUND_MUTATION, {"input": {
        "orderId": p["order_id"], "note": note, "notify": bool(p.get("notify")),
        "refundLineItems": lines or None, "shipping": {"fullRefund": True} if p.get("shipping") else None,
        "transactions": money_back or None}})
    refund = _answer(data, "refundCreate", "refund", "a refund")
    return PushResult(ok=True, external_id=str(refund["id"]),
                      detail={"amount": dig(refund, "totalRefundedSet", "shopMoney", "amount")})


def _cancel(connector: ShopifyConnector, item: OutboxItem, reached: dict) -> PushResult:
    p = item.payload
    order = _order(connector, p["order_id"])
    if order.get("cancelledAt"):
        if reached["maybe"]:  # ours landed before the answer was lost
            return PushResult(ok=True, external_id=str(order.get("id")))
        raise _Refused("already cancelled", f"Order {order.get('name')} was cancelled meanwhile "
                       f"(at {order['cancelledAt']}), by someone else.")
    reason = str(p.get("reason") or "CUSTOMER").upper()
    reached["maybe"] = True
    data = _mutate(connector, CANCEL_MUTATION, {
        "id": p["order_id"], "refund": bool(p.get("refund")), "restock": bool(p.get("restock")),
        "reason": reason if reason in CANCEL_REASONS else "OTHER", "notify": bool(p.get("notify")),
        "staffNote": f"{p.get('note') or ''} {marker(item.client_id)}".strip()})
    made = _answer(data, "orderCancel", "job", "a job", errors_key="orderCancelUserErrors")
    job, done = made["id"], bool(made.get("done"))
    for _ in range(JOB_POLLS):  # the cancel runs as a job: wait (briefly) until the shop says it is done
        if done:
            break
        connector.http.pause(JOB_POLL_S)
        done = bool(dig(connector.graphql_once(JOB_QUERY, {"id": job}), "job", "done"))
    if not done:
        log.info("shopify cancel job %s still running; the next order pull shows the result", job)
    return PushResult(ok=True, external_id=str(job), detail={"job_done": done})


def _address(connector: ShopifyConnector, item: OutboxItem, reached: dict) -> PushResult:
    p = item.payload
    if reached["maybe"]:  # a set-to-value is safe to repeat, but a landed one needs no second write
        now = _order(connector, p["order_id"]).get("shippingAddress") or {}
        wanted = p["address"]
        if all(str(now.get(k) or "") == str(wanted.get(w) or "") for k, w in
               (("address1", "address1"), ("city", "city"), ("zip", "zip"), ("countryCodeV2", "countryCode"))):
            return PushResult(ok=True, external_id=str(p["order_id"]))
    reached["maybe"] = True
    data = _mutate(connector, ADDRESS_MUTATION, {"input": {"id": p["order_id"],
                                                               "shippingAddress": p["address"]}})
    _answer(data, "orderUpdate", "order", "an order")
    return PushResult(ok=True, external_id=str(p["order_id"]))


def _discount(connector: ShopifyConnector, item: OutboxItem, reached: dict) -> PushResult:
    """The code is made from the item's client id: after an attempt that may have landed, the shop is asked
    for that code first."""
    p = item.payload
    if reached["maybe"]:
        found = dig(connector.graphql_once(DISCOUNT_QUERY, {"code": p["code"]}), "codeDiscountNodeByCode", "id")
        if found:
            return PushResult(ok=True, external_id=str(found))
    customer = dig(_order(connector, p["order_id"]), "customer", "id")
    if not customer:
        raise _Refused("no customer", f"Order {p.get('order_name')} has no customer to give a code to.")
    value = ({"percentage": float(p["percentage"]) / 100} if p.get("percentage") is not None
             else {"discountAmount": {"amount": str(p["amount"]), "appliesOnEachItem": False}})
    reached["maybe"] = True
    data = _mutate(connector, DISCOUNT_MUTATION, {"input": {
        "title": f"{p['code']} ({p.get('order_name')})", "code": p["code"], "startsAt": p["starts_at"],
        "endsAt": p["ends_at"], "usageLimit": 1, "appliesOncePerCustomer": True,
        "customerSelection": {"customers": {"add": [customer]}},
        "customerGets": {"value": value, "items": {"all": True}}}})
    node = _answer(data, "discountCodeBasicCreate", "codeDiscountNode", "a discount")
    return PushResult(ok=True, external_id=str(node["id"]))


def _replace(connector: ShopifyConnector, item: OutboxItem, reached: dict) -> PushResult:
    """The chosen lines again, on a draft order with a 100 % discount, to the order's address; tagged
    ``deskapp-<client id>`` so that a retry finds a draft that already landed."""
    p = item.payload
    tag = f"deskapp-{item.client_id}"
    if reached["maybe"]:
        found = dig(connector.graphql_once(DRAFT_QUERY, {"query": f"tag:'{tag}'"}), "draftOrders", "nodes")
        if isinstance(found, list) and found and isinstance(found[0], dict):
            return PushResult(ok=True, external_id=str(found[0].get("id")), detail={"name": found[0].get("name")})
    order = _order(connector, p["order_id"])
    nodes = {n["id"]: n for n in dig(order, "lineItems", "nodes") or [] if isinstance(n, dict) and n.get("id")}
    lines = []
    for chosen in _match_lines(order, p.get("lines") or []):
        node = nodes[chosen["lineItemId"]]
        price = dig(node, "originalUnitPriceSet", "shopMoney") or {}
        lines.append({"title": node.get("title") or node.get("name"), "sku": node.get("sku"),
                      "quantity": chosen["quantity"], "requiresShipping": True,
                      "originalUnitPriceWithCurrency": {"amount": str(price.get("amount") or "0"),
                                                        "currencyCode": price.get("currencyCode")
                                                        or order.get("currencyCode")}})
    address = order.get("shippingAddress") if isinstance(order.get("shippingAddress"), dict) else None
    shipping = None if address is None else {
        k: v for k, v in {"firstName": address.get("firstName"), "lastName": address.get("lastName"),
                          "address1": address.get("address1"), "address2": address.get("address2"),
                          "city": address.get("city"), "zip": address.get("zip"),
                          "countryCode": address.get("countryCodeV2"), "phone": address.get("phone")}.items() if v}
    reached["maybe"] = True
    data = _mutate(connector, DRAFT_MUTATION, {"input": {
        "lineItems": lines, "email": order.get("email"), "shippingAddress": shipping, "tags": [tag, "replacement"],
        "note": f"Replacement for {order.get('name')}: {p.get('reason') or 'sent again'}",
        "appliedDiscount": {"valueType": "PERCENTAGE", "value": 100.0, "title": "Replacement",
                            "description": f"Replacement for {order.get('name')}"}}})
    draft = _answer(data, "draftOrderCreate", "draftOrder", "a draft order")
    return PushResult(ok=True, external_id=str(draft["id"]), detail={"name": draft.get("name")})


def _return(connector: ShopifyConnector, item: OutboxItem, reached: dict) -> PushResult:
    """Request a return of the chosen items (matched to the fulfillment's line items), then approve it. Each
    line's customer note carries the marker, so after an unknown outcome the order's returns tell whether
    the request landed and whether it still needs approving."""
    p = item.payload
    mark = marker(item.client_id)
    order = dig(connector.graphql_once(RETURN_ORDER_QUERY, {"id": p["order_id"]}), "order")
    if not isinstance(order, dict):
        raise _Refused("order not found", f"The shop has no order {p['order_id']} (deleted?).")
    made = None
    if reached["maybe"]:
        made = next((r for r in dig(order, "returns", "nodes") or [] if isinstance(r, dict)
                     and any(mark in str(line.get("customerNote") or "")
                             for line in dig(r, "returnLineItems", "nodes") or [] if isinstance(line, dict))), None)
    if made is None:
        shipped = [n for f in order.get("fulfillments") or [] if isinstance(f, dict)
                   for n in dig(f, "fulfillmentLineItems", "nodes") or [] if isinstance(n, dict)]
        if not shipped:
            raise _Refused("not fulfilled", f"Order {order.get('name')} has not shipped: cancel or refund it instead.")
        as_order = {"name": order.get("name"), "lineItems": {"nodes": [
            {**(n.get("lineItem") or {}), "id": n.get("id")} for n in shipped]}}
        reason = str(p.get("reason") or "OTHER").upper()
        lines = [{"fulfillmentLineItemId": chosen["lineItemId"], "quantity": chosen["quantity"],
                  "returnReason": reason if reason in RETURN_REASONS else "OTHER",
                  "customerNote": f"{p.get('note') or ''} {mark}".strip()}
                 for chosen in _match_lines(as_order, p.get("lines") or [])]
        reached["maybe"] = True
        data = _mutate(connector, RETURN_MUTATION, {"input": {"orderId": p["order_id"], "returnLineItems": lines}})
        made = _answer(data, "returnRequest", "return", "a return")
    if made.get("status") == "REQUESTED":
        data = _mutate(connector, APPROVE_MUTATION, {"input": {"id": made["id"],
                                                                   "notifyCustomer": bool(p.get("notify"))}})
        payload = as_dict(data.get("returnApproveRequest"))
        refused = _user_errors(payload.get("userErrors"))
        if refused:
            raise _Refused("refused by the shop", f"Return {made.get('name')} was requested but not approved: "
                           f"{refused}", {"userErrors": payload["userErrors"], "return": made.get("id")})
    return PushResult(ok=True, external_id=str(made["id"]), detail={"name": made.get("name")})
