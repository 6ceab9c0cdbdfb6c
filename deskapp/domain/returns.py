"""Return eligibility of an order and its items under the team's return policy, for the order panel, the
copilot's template context and the KPIs. Pure functions over plain facts: no I/O, no clock of their own.

Rules (docs/user-guide.md, "Returns"):
- the window counts from delivery; a shipment whose carrier reports no delivery counts from when it was
  fulfilled; a parcel still under way, or an order not shipped, is "not delivered yet"; a shipped order
  with neither date is "no delivery date" (never a guess);
- the window closes at the end of the day ``window_days`` after that date, in the team's time zone;
- cancelled, unpaid and fully refunded orders are not returnable; an item is not returnable when a product
  tag or type the policy excludes is on it (compared without case), or when all of it was refunded;
- the refundable amount is the price of what is still returnable less the restocking fee, never more than
  what the order has left to refund.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal

log = logging.getLogger(__name__)

# the policy's keys in the profile's ``setting`` table (and the cache's copy of it)
SETTING_WINDOW = "returns.window_days"
SETTING_TAGS = "returns.excluded_tags"  # JSON list
SETTING_TYPES = "returns.excluded_types"  # JSON list
SETTING_FEE = "returns.restocking_fee_pct"
SETTING_PREFIX = "returns."

MAX_WINDOW_DAYS = 365
MAX_EXCLUSIONS = 50
MAX_EXCLUSION_LENGTH = 60
CENT = Decimal("0.01")
MAX_AMOUNT = 1e12  # a price or total above this is junk, not money
MAX_QUANTITY = 1_000_000

UNPAID = {"pending", "authorized", "voided", "expired"}
NO_DELIVERY_DATE = "no delivery date"  # shipped, but neither a delivery nor a shipping date is known
NOT_SHIPPED = {"unfulfilled", "pending_fulfillment", "open", "in_progress", "on_hold", "scheduled",
               "request_declined", "unknown", ""}


class PolicyError(ValueError):
    """A return policy value the team cannot save: the message says which and why."""


@dataclass(frozen=True, slots=True)
class ReturnPolicy:
    window_days: int = 30
    excluded_tags: tuple[str, ...] = ("final-sale",)
    excluded_types: tuple[str, ...] = ()
    restocking_fee_pct: Decimal = Decimal(0)


DEFAULT_POLICY = ReturnPolicy()


def _names(values: object, what: str) -> tuple[str, ...]:
    """Tags or product types as the policy keeps them: trimmed, lower-cased, once each, in the order given."""
    if isinstance(values, str):
        values = values.split(",")
    if not isinstance(values, list | tuple):
        raise PolicyError(f"{what} must be a list of names")
    names = tuple(dict.fromkeys(str(v).strip().casefold() for v in values if str(v).strip()))
    if len(names) > MAX_EXCLUSIONS:
        raise PolicyError(f"at most {MAX_EXCLUSIONS} {what}")
    long = next((n for n in names if len(n) > MAX_EXCLUSION_LENGTH), None)
    if long is not None:
        raise PolicyError(f"{what}: {long[:20]!r}… is longer than {MAX_EXCLUSION_LENGTH} characters")
    return names


def make_policy(window_days: object, excluded_tags: object, excluded_types: object,
                restocking_fee_pct: object) -> ReturnPolicy:
    """A validated policy from what the agent typed (or what was stored); PolicyError says what is wrong."""
    try:
        days = int(str(window_days).strip())
    except ValueError:
        raise PolicyError(f"the return window must be a whole number of days, not {str(window_days)[:20]!r}") from None
    if not 0 <= days <= MAX_WINDOW_DAYS:
        raise PolicyError(f"the return window must be from 0 to {MAX_WINDOW_DAYS} days")
    try:
        fee = Decimal(str(restocking_fee_pct).strip().rstrip("%").strip() or "0")
    except ArithmeticError:
        raise PolicyError(f"the restocking fee must be a number, not {str(restocking_fee_pct)[:20]!r}") from None
    if not fee.is_finite() or not 0 <= fee <= 100:
        raise PolicyError("the restocking fee must be from 0 to 100 %")
    if fee != fee.quantize(CENT):
        raise PolicyError("the restocking fee takes at most two decimals")
    return ReturnPolicy(days, _names(excluded_tags, "excluded tags"), _names(excluded_types, "excluded product types"),
                        fee.quantize(CENT).normalize() if fee else Decimal(0))


def policy_settings(policy: ReturnPolicy) -> dict[str, str]:
    """The policy as the ``setting`` rows that keep it."""
    return {SETTING_WINDOW: str(policy.window_days), SETTING_TAGS: json.dumps(list(policy.excluded_tags)),
            SETTING_TYPES: json.dumps(list(policy.excluded_types)), SETTING_FEE: str(policy.restocking_fee_pct)}


def _stored_list(raw: str) -> object:
    try:
        return json.loads(raw)
    except ValueError:
        return None  # not the JSON list it is written as: unreadable


def policy_from_settings(values: Mapping[str, str]) -> ReturnPolicy:
    """The stored policy; a missing value takes the default, an unreadable one too (logged), field by field."""
    d = DEFAULT_POLICY
    fields = {SETTING_WINDOW: d.window_days, SETTING_TAGS: list(d.excluded_tags),
              SETTING_TYPES: list(d.excluded_types), SETTING_FEE: d.restocking_fee_pct}
    for key in fields:
        raw = values.get(key)
        if raw is None:
            continue
        candidate = dict(fields, **{key: _stored_list(raw) if key in (SETTING_TAGS, SETTING_TYPES) else raw})
        try:
            make_policy(*candidate.values())
        except PolicyError as exc:
            log.warning("stored return policy %s unreadable (%s): the default is used", key, exc)
            continue
        fields = candidate
    return make_policy(*fields.values())


# --- the facts of an order ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemFacts:
    title: str
    quantity: int
    unit_price: float
    refunded_quantity: int = 0
    product_tags: tuple[str, ...] = ()
    product_type: str = ""


@dataclass(frozen=True, slots=True)
class OrderFacts:
    financial_status: str
    fulfillment_status: str
    total: float
    currency: str = ""
    total_refunded: float = 0.0
    cancelled: bool = False
    delivered_at: datetime | None = None  # the latest delivery a carrier reported
    fulfilled_at: datetime | None = None  # the latest shipment
    in_transit: bool = False  # a shipment is still under way
    items: tuple[ItemFacts, ...] = ()


@dataclass(frozen=True, slots=True)
class ItemEligibility:
    title: str
    eligible: bool
    reason: str  # why not ("final sale", "already refunded"); "" when eligible
    returnable_quantity: int
    refundable: Decimal


@dataclass(frozen=True, slots=True)
class Eligibility:
    eligible: bool
    reason: str  # why not, in the words the panel and templates use; "" when eligible
    deadline: datetime | None  # the last moment a return is accepted (aware, in the team's zone)
    refundable: Decimal  # after the restocking fee
    currency: str
    items: tuple[ItemEligibility, ...] = field(default=())


def _money(value: object) -> Decimal:
    """A non-negative amount in cents from whatever the cache held (NaN, negative, huge or junk count as 0)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return Decimal(0)
    if not math.isfinite(number) or not 0 < number <= MAX_AMOUNT:
        return Decimal(0)
    return Decimal(repr(number)).quantize(CENT, ROUND_HALF_UP)


def _count(value: object) -> int:
    try:
        number: int = int(value)  # type: ignore[call-overload]  # whatever JSON held; a bad one fails below
        return min(MAX_QUANTITY, max(0, number))
    except (TypeError, ValueError, OverflowError):
        return 0


def _after_fee(amount: Decimal, policy: ReturnPolicy) -> Decimal:
    return (amount * (100 - policy.restocking_fee_pct) / 100).quantize(CENT, ROUND_HALF_UP)


def day_text(when: datetime, now: datetime) -> str:
    """'14 Dec' within the current year, '14 Dec 2027' otherwise (both in ``when``'s zone)."""
    return f"{when.day} {when:%b}" if when.year == now.astimezone(when.tzinfo).year else f"{when.day} {when:%b %Y}"


def deadline(start: datetime, policy: ReturnPolicy, tz: tzinfo) -> datetime:
    """The end of the day ``window_days`` after ``start``'s calendar day in ``tz``."""
    local = start.astimezone(tz)
    last_day = local.date() + timedelta(days=policy.window_days)
    return datetime.combine(last_day, time(23, 59, 59), tzinfo=tz)


def _item(item: ItemFacts, policy: ReturnPolicy) -> ItemEligibility:
    quantity = _count(item.quantity)
    left = max(0, quantity - _count(item.refunded_quantity))
    tags = {str(t).strip().casefold() for t in item.product_tags}
    reason = ""
    excluded_tag = next((t for t in policy.excluded_tags if t in tags), None)
    if quantity == 0:
        reason = "removed from the order"
    elif excluded_tag is not None:
        reason = excluded_tag.replace("-", " ").replace("_", " ")
    elif (item.product_type or "").strip().casefold() in policy.excluded_types:
        reason = f"{item.product_type.strip()} is not returnable"
    elif left == 0:
        reason = "already refunded"
    if reason:
        return ItemEligibility(item.title, False, reason, 0, Decimal(0))
    return ItemEligibility(item.title, True, "", left, _after_fee(_money(item.unit_price) * left, policy))


def _not(reason: str, currency: str, items: tuple[ItemEligibility, ...] = (),
         when: datetime | None = None) -> Eligibility:
    return Eligibility(False, reason, when, Decimal(0), currency, items)


def eligibility(order: OrderFacts, policy: ReturnPolicy, now: datetime, tz: tzinfo) -> Eligibility:
    """Whether the order (and each item) can be returned at ``now`` (aware), until when, or why not."""
    financial = (order.financial_status or "").strip().lower()
    fulfillment = (order.fulfillment_status or "").strip().lower()
    currency = order.currency or ""
    total, refunded = _money(order.total), _money(order.total_refunded)
    items = tuple(_item(i, policy) for i in order.items)
    if order.cancelled:
        return _not("cancelled", currency)
    if financial == "refunded" or (total > 0 and refunded >= total):
        return _not("already refunded", currency)
    if financial in UNPAID:
        return _not("not paid", currency)
    start = order.delivered_at
    if start is None and not order.in_transit and fulfillment not in NOT_SHIPPED:
        start = order.fulfilled_at  # shipped, and the carrier reports no delivery: count from shipping
    if start is None:
        waiting = order.in_transit or fulfillment in NOT_SHIPPED
        return _not("not delivered yet" if waiting else NO_DELIVERY_DATE, currency, items)
    closes = deadline(start, policy, tz)
    if now > closes:
        return _not(f"window closed on {day_text(closes, now)}", currency, items, closes)
    if items and not any(i.eligible for i in items):
        reasons = {i.reason for i in items}
        return _not(reasons.pop() if len(reasons) == 1 else "no returnable items", currency, items, closes)
    left = max(Decimal(0), total - refunded)
    # items unknown: what is left to refund on the order, less the fee
    amount = sum((i.refundable for i in items), Decimal(0)) if items else _after_fee(left, policy)
    return Eligibility(True, "", closes, min(amount, left), currency, items)


def summary(result: Eligibility, now: datetime) -> str:
    """One line for the order panel: 'Eligible for return until 14 Dec' or 'Not returnable: final sale'."""
    if result.eligible and result.deadline is not None:
        return f"Eligible for return until {day_text(result.deadline, now)}"
    if result.reason == NO_DELIVERY_DATE:  # not known, rather than refused
        return "Return window unknown"
    return f"Not returnable: {result.reason}"
