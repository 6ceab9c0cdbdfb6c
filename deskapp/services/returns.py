"""The team's return policy (kept in the profile's settings, validated) and the return eligibility of the
cache's orders under it, for Settings, the customer panel and the reply templates' time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from deskapp.domain.returns import (
    SETTING_PREFIX,
    ItemFacts,
    OrderFacts,
    ReturnPolicy,
    eligibility,
    make_policy,
    policy_from_settings,
    policy_settings,
)
from deskapp.kpi import queries as kpi_queries
from deskapp.kpi.definitions import SETTING_TIMEZONE
from deskapp.kpi.period import resolve_timezone
from deskapp.services import profile as profile_service
from deskapp.store.customer_profile import OrderInfo
from deskapp.store.engine import Connection, Database
from deskapp.store.profile import ProfileStore
from deskapp.store.profile_mirror import cached_settings

__all__ = ["cached_policy", "judge_orders", "load_policy", "save_policy", "team_zone"]


def load_policy(profile: ProfileStore) -> ReturnPolicy:
    return policy_from_settings(profile_service.settings(profile, SETTING_PREFIX))


def save_policy(db: Database, profile: ProfileStore, *, window_days: object, excluded_tags: object,
                excluded_types: object, restocking_fee_pct: object) -> ReturnPolicy:
    """Validate (PolicyError says what is wrong, nothing is stored) and keep the policy; returns it as kept."""
    policy = make_policy(window_days, excluded_tags, excluded_types, restocking_fee_pct)
    profile_service.put_settings(db, profile, dict(policy_settings(policy)))
    return policy


def cached_policy(conn: Connection) -> ReturnPolicy:
    """The policy from the cache's copy of the settings, for readers that hold only the cache."""
    return policy_from_settings(cached_settings(conn, SETTING_PREFIX))


def team_zone(conn: Connection) -> ZoneInfo:
    """The zone return windows close in: the team's KPI time zone (an unknown name: the system's)."""
    try:
        return resolve_timezone(kpi_queries.setting(conn, SETTING_TIMEZONE))
    except ValueError:
        return resolve_timezone(None)


def _moment(epoch: int | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


def _facts(o: OrderInfo) -> OrderFacts:
    extras = o.line_facts if len(o.line_facts) == len(o.lines) else [(0, (), "")] * len(o.lines)
    items = tuple(ItemFacts(title, qty, price, refunded, tags, kind)
                  for (title, qty, _sku, price), (refunded, tags, kind) in zip(o.lines, extras, strict=True))
    return OrderFacts(financial_status=o.financial_status, fulfillment_status=o.fulfillment_status, total=o.total,
                      currency=o.currency, total_refunded=o.total_refunded, cancelled=o.cancelled_at is not None,
                      delivered_at=_moment(o.delivered_at), fulfilled_at=_moment(o.fulfilled_at),
                      in_transit=o.in_transit, items=items)


def judge_orders(db: Database, orders: list[OrderInfo], now: datetime | None = None) -> None:
    """Set each order's ``returns`` under the policy in the cache, at ``now`` (default: the clock)."""
    with db.read() as conn:
        policy, zone = cached_policy(conn), team_zone(conn)
    moment = now or datetime.now(UTC)
    for o in orders:
        o.returns = eligibility(_facts(o), policy, moment, zone)
