"""The return policy kept in the profile (and the cache's copy), validated, and the customer panel's orders
judged under it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from deskapp.domain.returns import DEFAULT_POLICY, PolicyError, ReturnPolicy
from deskapp.services import customers, returns
from deskapp.services import profile as profile_service
from tests.ui.fill import fill

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


def test_unset_policy_is_the_default_and_a_saved_one_comes_back_from_the_profile_and_the_cache(db, profile):
    assert returns.load_policy(profile) == DEFAULT_POLICY == ReturnPolicy(30, ("final-sale",), (), Decimal(0))
    kept = returns.save_policy(db, profile, window_days="14", excluded_tags="Final-Sale, Outlet",
                               excluded_types="Gift Card", restocking_fee_pct="12.5")
    assert kept == ReturnPolicy(14, ("final-sale", "outlet"), ("gift card",), Decimal("12.5"))
    assert returns.load_policy(profile) == kept
    with db.read() as conn:
        assert returns.cached_policy(conn) == kept
    assert profile_service.setting(profile, "returns.window_days") == "14"


@pytest.mark.parametrize(("field", "value"), [("window_days", "400"), ("restocking_fee_pct", "-1"),
                                              ("excluded_tags", "x" * 80), ("window_days", "two weeks")])
def test_an_invalid_policy_is_refused_and_nothing_is_stored(db, profile, field, value):
    returns.save_policy(db, profile, window_days=21, excluded_tags="final-sale", excluded_types="",
                        restocking_fee_pct=5)
    values = dict(window_days=30, excluded_tags="", excluded_types="", restocking_fee_pct=0)
    with pytest.raises(PolicyError):
        returns.save_policy(db, profile, **(values | {field: value}))
    assert returns.load_policy(profile).window_days == 21
    with db.read() as conn:
        assert returns.cached_policy(conn).restocking_fee_pct == 5


def test_the_panels_orders_are_judged_with_what_the_cache_knows(db, profile):
    fill(db, conversations=4)  # customer 1: #1010 paid, unfulfilled; #1011 paid, fulfilled (no delivery date)
    by_number = {o.number: o.returns for o in customers.profile(db, 1, now=NOW).orders}
    assert by_number["#1010"].reason == "not delivered yet"
    assert by_number["#1011"].reason == "no delivery date"
    with db.write() as conn:
        conn.exec_driver_sql('UPDATE "order" SET cancelled_at = 1 WHERE id = 10')
        conn.exec_driver_sql("UPDATE \"order\" SET financial_status = 'refunded' WHERE id = 11")
    by_number = {o.number: o.returns for o in customers.profile(db, 1, now=NOW).orders}
    assert (by_number["#1010"].reason, by_number["#1011"].reason) == ("cancelled", "already refunded")


def test_windows_close_in_the_teams_kpi_zone_and_an_unknown_zone_name_is_no_crash(db, profile):
    profile_service.put_settings(db, profile, {"kpi.timezone": "Asia/Tokyo"})
    with db.read() as conn:
        assert returns.team_zone(conn).key == "Asia/Tokyo"
    profile_service.put_settings(db, profile, {"kpi.timezone": "Mars/Olympus_Mons"})
    with db.read() as conn:
        assert returns.team_zone(conn).key != "Mars/Olympus_Mons"  # the system's zone instead


def test_the_cached_delivery_tags_and_refunds_decide_the_panels_verdict(db, profile):
    """What the cache keeps since 0010 reaches the verdict: the delivery date opens the window, a final-sale
    tag or a refunded quantity closes an item, a refunded total the order, a parcel under way waits."""
    fill(db, conversations=4)  # customer 1: #1011 paid, fulfilled, with its lines
    profile_service.put_settings(db, profile, {"kpi.timezone": "UTC"})
    delivered = int((NOW - timedelta(days=5)).timestamp())
    with db.write() as conn:
        conn.exec_driver_sql('UPDATE "order" SET delivered_at = ?, fulfilled_at = ? WHERE id = 11',
                             (delivered, delivered - 86400))
    judged = {o.number: o for o in customers.profile(db, 1, now=NOW).orders}["#1011"]
    deadline = (NOW - timedelta(days=5)).date() + timedelta(days=DEFAULT_POLICY.window_days)
    assert judged.returns.eligible and judged.returns.deadline.date() == deadline
    items = judged.returns.items
    with db.write() as conn:  # the first line is final sale, the others were refunded in full
        first = conn.exec_driver_sql("SELECT min(id) FROM order_line WHERE order_id = 11").scalar()
        conn.exec_driver_sql("UPDATE order_line SET product_tags = '[\"Final-Sale\"]' WHERE id = ?", (first,))
        conn.exec_driver_sql("UPDATE order_line SET refunded_quantity = quantity WHERE order_id = 11 AND id != ?",
                             (first,))
    judged = {o.number: o for o in customers.profile(db, 1, now=NOW).orders}["#1011"]
    assert not judged.returns.eligible
    assert [i.reason for i in judged.returns.items] == ["final sale"] + ["already refunded"] * (len(items) - 1)
    with db.write() as conn:
        conn.exec_driver_sql('UPDATE "order" SET total_refunded = total WHERE id = 11')
    assert {o.number: o for o in customers.profile(db, 1, now=NOW).orders}["#1011"].returns.reason == \
        "already refunded"
    with db.write() as conn:
        conn.exec_driver_sql('UPDATE "order" SET total_refunded = 0, delivered_at = NULL, in_transit = 1'
                             " WHERE id = 11")
    assert {o.number: o for o in customers.profile(db, 1, now=NOW).orders}["#1011"].returns.reason == \
        "not delivered yet"
