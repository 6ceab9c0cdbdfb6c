"""Shopify Customer/Order/LineItem/Fulfillment objects for the demo GraphQL API, Relay connections with opaque
cursors, and the subset of Shopify's search syntax clients use (`updated_at:>'…'`, `email:…`, ...)."""

from __future__ import annotations

import base64
import bisect
import json
import random
import re
import shlex
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any

from graphql import GraphQLError

from deskapp.demo import texts
from deskapp.demo.seed import CUSTOMER_GID_BASE, DAY, ORDER_GID_BASE, Order, Person
from deskapp.demo.state import DemoState

MAX_PAGE = 250
SHIPPING = Decimal("4.95")
# product title -> (productType, tags): socks and beanies are sold as final sale, a gift card is no garment
PRODUCT_FACTS = {
    "Merino Crew Sweater": ("Knitwear", []), "Linen Button-Down Shirt": ("Shirts", []),
    "Trail Running Shoes": ("Footwear", []), "Canvas Weekender Bag": ("Bags", []),
    "Organic Cotton Tee": ("T-Shirts", ["organic"]), "Ceramic Pour-Over Set": ("Homeware", ["fragile"]),
    "Wool Beanie": ("Accessories", ["final-sale", "clearance"]), "Slim Chino Trousers": ("Trousers", []),
    "Rain Shell Jacket": ("Outerwear", []), "Leather Card Wallet": ("Accessories", []),
    "Bamboo Socks 3-Pack": ("Socks", ["Final-Sale", "hygiene"]), "Insulated Water Bottle": ("Homeware", []),
    "Yoga Mat Pro": ("Sports", []), "Gift Card": ("Gift Card", []),
}


def iso(ts: int | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def money(amount: Decimal) -> dict:
    value = {"amount": str(amount.quantize(Decimal("0.01"))), "currencyCode": "USD"}
    return {"shopMoney": value, "presentmentMoney": dict(value)}


def _cursor(key: tuple) -> str:
    return base64.b64encode(json.dumps(list(key)).encode()).decode()


def _uncursor(cursor: str) -> tuple:
    try:
        return tuple(json.loads(base64.b64decode(cursor.encode(), validate=True)))
    except (ValueError, TypeError):
        raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor!r}") from None


class SortedView:
    """Items in ascending key order, kept until the shop data changes (sorting 50k orders per page is slow)."""

    def __init__(self, items: list, key: Callable[[Any], tuple]) -> None:
        pairs = sorted(((key(x), x) for x in items), key=lambda kv: kv[0])
        self.keys = [k for k, _ in pairs]
        self.items = [x for _, x in pairs]


def connection(items: list | SortedView, args: dict, *, sort_keys: dict[str, Callable[[Any], tuple]],
               default_sort: str, matches: Callable[[Any], bool], node: Callable[[Any], dict]) -> dict:
    """A Relay connection over `items`: sorted by sortKey (+ id), filtered, sliced by first/after/last/before."""
    first, last, after, before = args.get("first"), args.get("last"), args.get("after"), args.get("before")
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last")
    for n in (first, last):
        if n is not None and not 0 <= n <= MAX_PAGE:
            raise GraphQLError(f"The first/last argument must be from 0 to {MAX_PAGE}")
    view = items if isinstance(items, SortedView) else SortedView(
        items, sort_keys.get(args.get("sortKey") or default_sort, sort_keys["ID"]))
    keys, n = view.keys, len(view.keys)
    reverse = bool(args.get("reverse"))
    # the window between the cursors, as ascending indexes [lo, hi)
    lo, hi = 0, n
    if after is not None:
        mark = _uncursor(after)
        if reverse:
            hi = bisect.bisect_left(keys, mark)
        else:
            lo = bisect.bisect_right(keys, mark)
    if before is not None:
        mark = _uncursor(before)
        if reverse:
            lo = max(lo, bisect.bisect_right(keys, mark))
        else:
            hi = min(hi, bisect.bisect_left(keys, mark))
    order = range(hi - 1, lo - 1, -1) if reverse else range(lo, hi)
    want = first if first is not None else None
    picked: list[int] = []
    more = False
    if want is not None:  # scan forward only as far as needed, one extra for hasNextPage
        for i in order:
            if matches(view.items[i]):
                if len(picked) == want:
                    more = True
                    break
                picked.append(i)
    else:
        picked = [i for i in order if matches(view.items[i])]
    if last is not None:
        more_before = len(picked) > last
        picked = picked[-last:] if last else []
    else:
        more_before = False
    edges = [{"cursor": _cursor(keys[i]), "node": node(view.items[i])} for i in picked]
    return {"edges": edges, "nodes": [e["node"] for e in edges], "pageInfo": {
        "hasNextPage": more or (before is not None and last is not None),
        "hasPreviousPage": more_before or after is not None,
        "startCursor": edges[0]["cursor"] if edges else None, "endCursor": edges[-1]["cursor"] if edges else None}}


_TERM = re.compile(r"^(?P<field>[a-z_]+):(?P<op>>=|<=|>|<|=)?(?P<value>.*)$")


def _when(value: str) -> float:
    try:
        dt = datetime.fromisoformat(value.strip("'\""))
    except ValueError:
        raise GraphQLError(f"Invalid date in search query: {value!r}") from None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()


FieldOf = Callable[[Any, str], Any]


def _has_word(field_of: FieldOf, word: str, x: Any) -> bool:
    return word in str(field_of(x, "text")).lower()


def _compares(field_of: FieldOf, field: str, cmp: Callable[[float, float], bool], bound: float, x: Any) -> bool:
    return cmp(float(field_of(x, field)), bound)


def _equals(field_of: FieldOf, field: str, wanted: str, x: Any) -> bool:
    return str(field_of(x, field)).lower().lstrip("#") == wanted


def parse_search(query: str | None, field_of: Callable[[Any, str], Any]) -> Callable[[Any], bool]:
    """A predicate for Shopify's search syntax: terms ANDed, `field:>value` comparisons, bare words match text."""
    if not query or not query.strip():
        return lambda x: True
    try:
        terms = shlex.split(query.replace(" AND ", " "), posix=True)
    except ValueError:
        terms = query.split()
    checks: list[Callable[[Any], bool]] = []
    for term in terms:
        m = _TERM.match(term)
        if not m:
            word = term.lower()
            checks.append(partial(_has_word, field_of, word))
            continue
        field, op, value = m["field"], m["op"] or "=", m["value"].strip("'\"")
        if field in ("updated_at", "created_at", "processed_at"):
            bound = _when(value)
            cmp = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__,
                   "=": float.__eq__}[op]
            checks.append(partial(_compares, field_of, field, cmp, bound))
        elif field_of(None, field) is not NotImplemented:
            wanted = value.lower().lstrip("#")
            checks.append(partial(_equals, field_of, field, wanted))
        # unknown fields are ignored, as Shopify does
    return lambda x: all(check(x) for check in checks)


class NodeFactory:
    """Builds GraphQL objects (dicts; fields with arguments are callables) from the demo world."""

    def __init__(self, state: DemoState) -> None:
        self.state = state
        # What the shop's writes left on an order (refunds, a new address): set by the order writes.
        self.decorate_order: Callable[[Order, dict], dict] = lambda o, node: node
        self._views: dict[tuple[str, str], tuple[tuple, SortedView]] = {}
        self.order_sort_keys: dict[str, Callable[[Order], tuple]] = {
            "ID": lambda o: (o.gid_num,), "CREATED_AT": lambda o: (o.created_at, o.gid_num),
            "PROCESSED_AT": lambda o: (o.created_at, o.gid_num), "UPDATED_AT": lambda o: (o.updated_at, o.gid_num),
            "ORDER_NUMBER": lambda o: (o.number, o.gid_num),
        }
        self.customer_sort_keys: dict[str, Callable[[Person], tuple]] = {
            "ID": lambda p: (p.idx,), "CREATED_AT": lambda p: (p.created_at, p.idx),
            "UPDATED_AT": lambda p: (self.customer_updated(p), p.idx), "NAME": lambda p: (p.name.lower(), p.idx),
        }

    def view(self, kind: str, sort_key: str | None, default: str) -> SortedView:
        keys = self.order_sort_keys if kind == "orders" else self.customer_sort_keys
        name = sort_key if sort_key is not None and sort_key in keys else default if default in keys else "ID"
        stamp = (self.state.shop_version, len(self.state.world.orders))
        cached = self._views.get((kind, name))
        if cached is None or cached[0] != stamp:
            items = self.state.world.orders if kind == "orders" else self.state.world.people
            cached = (stamp, SortedView(items, keys[name]))
            self._views[(kind, name)] = cached
        return cached[1]

    # --- search fields ------------------------------------------------------------------------------

    def order_field(self, o: Order | None, field: str) -> Any:
        getters: dict[str, Callable[[Order], Any]] = {
            "updated_at": lambda o: o.updated_at, "created_at": lambda o: o.created_at,
            "processed_at": lambda o: o.created_at, "name": lambda o: o.number, "id": lambda o: o.gid_num,
            "customer_id": lambda o: CUSTOMER_GID_BASE + o.person_idx,
            "email": lambda o: self.state.world.people[o.person_idx].email,
            "financial_status": lambda o: o.financial.lower(), "fulfillment_status": lambda o: o.fulfillment.lower(),
            "text": lambda o: f"{o.number} {self.state.world.people[o.person_idx].email}"}
        if o is None:
            return None if field in getters else NotImplemented
        return getters[field](o)

    def customer_field(self, p: Person | None, field: str) -> Any:
        getters: dict[str, Callable[[Person], Any]] = {
            "updated_at": lambda p: self.customer_updated(p), "created_at": lambda p: p.created_at,
            "email": lambda p: p.email, "phone": lambda p: p.phone, "id": lambda p: CUSTOMER_GID_BASE + p.idx,
            "first_name": lambda p: p.first, "last_name": lambda p: p.last,
            "text": lambda p: f"{p.name} {p.email} {p.phone}"}
        if p is None:
            return None if field in getters else NotImplemented
        return getters[field](p)

    # --- objects ------------------------------------------------------------------------------------

    def customer_updated(self, p: Person) -> int:
        orders = self.state.world.orders
        return max([p.created_at, *(orders[i].updated_at for i in p.order_idxs)])

    def line_items(self, o: Order) -> list[dict]:
        rng = random.Random(o.seed)
        items = []
        for n in range(1 + (rng.random() < 0.35) + (rng.random() < 0.15)):
            product = (o.seed >> (n * 4)) % len(texts.PRODUCTS)
            title, variants, price, sku = texts.PRODUCTS[product]
            variant = rng.choice(variants)
            kind, tags = PRODUCT_FACTS.get(title, ("", []))
            items.append({"id": f"gid://shopify/LineItem/{o.gid_num * 10 + n}", "title": title,
                          "name": f"{title} - {variant}", "variantTitle": variant, "sku": f"{sku}-{variant}".upper(),
                          "quantity": rng.choice((1, 1, 1, 2, 3)), "originalUnitPriceSet": money(Decimal(price)),
                          "product": {"id": f"gid://shopify/Product/{7000 + product}", "title": title,
                                      "productType": kind, "tags": tags}})
        for item in items:
            item["currentQuantity"] = 0 if o.cancelled_at else item["quantity"]
            # an amount refunded leaves the units refundable; a whole refund or a cancellation leaves none
            item["refundableQuantity"] = 0 if o.cancelled_at or o.financial == "REFUNDED" else item["quantity"]
        return items

    def total(self, o: Order) -> Decimal:
        sub = sum((Decimal(i["originalUnitPriceSet"]["shopMoney"]["amount"]) * i["quantity"]
                   for i in self.line_items(o)), Decimal(0))
        return sub + (SHIPPING if sub < 50 else 0)

    def order(self, o: Order) -> dict:
        return self.decorate_order(o, self._seeded_order(o))

    def _seeded_order(self, o: Order) -> dict:
        person = self.state.world.people[o.person_idx]
        total = self.total(o)
        refunded = total if o.financial in ("REFUNDED",) else (
            total / 2 if o.financial == "PARTIALLY_REFUNDED" else Decimal(0))
        items = self.line_items(o)
        closed = o.fulfilled_at + 14 * DAY if o.fulfilled_at else None
        closed = closed if closed and closed < self.state.started else None
        return {
            "id": f"gid://shopify/Order/{o.gid_num}", "legacyResourceId": str(o.gid_num), "name": o.name,
            "confirmationNumber": f"{o.seed % 36 ** 9:09X}"[:9], "createdAt": iso(o.created_at),
            "updatedAt": iso(o.updated_at), "processedAt": iso(o.created_at), "cancelledAt": iso(o.cancelled_at),
            "cancelReason": "CUSTOMER" if o.cancelled_at else None, "closedAt": iso(closed),
            "displayFinancialStatus": o.financial, "displayFulfillmentStatus": o.fulfillment,
            "totalPriceSet": money(total),
            "subtotalPriceSet": money(total - (SHIPPING if total - SHIPPING < 50 else 0)),
            "totalRefundedSet": money(Decimal(refunded)), "currencyCode": "USD", "email": person.email,
            "phone": person.phone, "note": None, "tags": ["vip"] if len(person.order_idxs) >= 4 else [],
            "statusPageUrl": f"https://shop.example.com/orders/{o.seed:x}/authenticate",
            "customer": lambda info: self.customer(person),
            "lineItems": lambda info, **args: connection(items, args, sort_keys={"ID": lambda i: (i["id"],)},
                                                         default_sort="ID", matches=lambda i: True, node=lambda i: i),
            "fulfillments": lambda info, first=None: self.fulfillments(o)[:first],
            "refunds": lambda info, first=None: self.refunds(o, refunded)[:first],
            "shippingAddress": self.address(person),
        }

    def refunds(self, o: Order, amount: Decimal) -> list[dict]:
        """The seeded refund of a (partly) refunded order, made when the order last changed."""
        if not amount:
            return []
        return [{"id": f"gid://shopify/Refund/{o.gid_num + 5}", "createdAt": iso(o.updated_at), "note": None,
                 "totalRefundedSet": money(Decimal(amount))}]

    def fulfillments(self, o: Order) -> list[dict]:
        if o.fulfilled_at is None:
            return []
        now = self.state.started
        delivered = o.fulfilled_at + 3 * DAY
        info = {"company": texts.CARRIERS[o.carrier][0], "number": o.tracking_number, "url": o.tracking_url}
        return [{"id": f"gid://shopify/Fulfillment/{o.gid_num + 3}", "name": f"{o.name}-F1", "status": "SUCCESS",
                 "displayStatus": "DELIVERED" if delivered <= now else "IN_TRANSIT",
                 "createdAt": iso(o.fulfilled_at), "updatedAt": iso(min(delivered, max(now, o.fulfilled_at))),
                 "deliveredAt": iso(delivered) if delivered <= now else None, "estimatedDeliveryAt": iso(delivered),
                 "trackingInfo": lambda info_, first=None: [info][:first]}]

    def address(self, p: Person) -> dict:
        return {"name": p.name, "firstName": p.first, "lastName": p.last, "address1": f"{10 + p.idx % 90} Market St",
                "address2": None, "city": p.city, "province": None, "zip": f"{10000 + p.idx * 7 % 89999}",
                "country": p.country, "countryCodeV2": p.country, "phone": p.phone}

    def customer(self, p: Person) -> dict:
        orders = self.state.world.orders
        spent = sum((self.total(orders[i]) for i in p.order_idxs if orders[i].financial != "VOIDED"), Decimal(0))
        return {
            "id": f"gid://shopify/Customer/{CUSTOMER_GID_BASE + p.idx}",
            "legacyResourceId": str(CUSTOMER_GID_BASE + p.idx),
            "firstName": p.first, "lastName": p.last, "displayName": p.name, "email": p.email, "phone": p.phone,
            "createdAt": iso(p.created_at), "updatedAt": iso(self.customer_updated(p)),
            "numberOfOrders": str(len(p.order_idxs)), "amountSpent": money(spent)["shopMoney"],
            "tags": ["vip"] if len(p.order_idxs) >= 4 else [], "note": None, "state": "ENABLED",
            "verifiedEmail": True, "locale": p.lang, "defaultAddress": self.address(p),
            "orders": lambda info, **args: connection([orders[i] for i in p.order_idxs], args,
                                                      sort_keys=self.order_sort_keys, default_sort="ID",
                                                      matches=parse_search(args.get("query"), self.order_field),
                                                      node=self.order),
        }

    def customer_by_gid(self, gid: str) -> dict | None:
        num = _gid_num(gid, "Customer") - CUSTOMER_GID_BASE
        people = self.state.world.people
        return self.customer(people[num]) if 0 <= num < len(people) else None

    def order_by_gid(self, gid: str) -> dict | None:
        num = _gid_num(gid, "Order") - ORDER_GID_BASE
        orders = self.state.world.orders
        return self.order(orders[num]) if 0 <= num < len(orders) else None


def _gid_num(gid: str, kind: str) -> int:
    prefix = f"gid://shopify/{kind}/"
    if not gid.startswith(prefix) or not gid[len(prefix):].isdigit():
        raise GraphQLError(f"Invalid global id '{gid}'")
    return int(gid[len(prefix):])
