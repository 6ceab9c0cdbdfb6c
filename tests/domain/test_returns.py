"""Return eligibility: the window's last day, time zones, missing delivery, refunds, exclusions, bad data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from deskapp.domain.returns import (
    DEFAULT_POLICY,
    ItemFacts,
    OrderFacts,
    PolicyError,
    ReturnPolicy,
    eligibility,
    make_policy,
    policy_from_settings,
    policy_settings,
    summary,
)

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
DELIVERED = datetime(2026, 11, 14, 9, 30, tzinfo=UTC)
SHIRT = ItemFacts("Merino Crew", 2, 28.0)
SALE = ItemFacts("Linen Scarf", 1, 15.0, product_tags=("Final-Sale",))


def facts(**kw) -> OrderFacts:
    values = dict(financial_status="paid", fulfillment_status="fulfilled", total=71.0, currency="EUR",
                  delivered_at=DELIVERED, fulfilled_at=DELIVERED - timedelta(days=3), items=(SHIRT, SALE))
    values.update(kw)
    return OrderFacts(**values)


def test_delivered_order_is_eligible_until_the_end_of_the_windows_last_day_with_the_final_sale_item_left_out():
    result = eligibility(facts(), DEFAULT_POLICY, NOW, UTC)
    assert result.eligible
    assert result.deadline == datetime(2026, 12, 14, 23, 59, 59, tzinfo=UTC)
    assert summary(result, NOW) == "Eligible for return until 14 Dec"
    shirt, scarf = result.items
    assert (shirt.eligible, shirt.returnable_quantity, shirt.refundable) == (True, 2, Decimal("56.00"))
    assert (scarf.eligible, scarf.reason) == (False, "final sale")
    assert result.refundable == Decimal("56.00")


def test_the_last_second_of_the_last_day_is_in_and_the_next_is_out():
    last = datetime(2026, 12, 14, 23, 59, 59, tzinfo=UTC)
    assert eligibility(facts(), DEFAULT_POLICY, last, UTC).eligible
    after = eligibility(facts(), DEFAULT_POLICY, last + timedelta(seconds=1), UTC)
    assert not after.eligible
    assert after.reason == "window closed on 14 Dec"
    assert summary(after, NOW) == "Not returnable: window closed on 14 Dec"


def test_the_day_counts_in_the_teams_time_zone():
    # 23:30 UTC on 14 Nov is already 15 Nov in Tokyo and still 14 Nov in New York
    late = datetime(2026, 11, 14, 23, 30, tzinfo=UTC)
    tokyo, new_york = ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York")
    in_tokyo = eligibility(facts(delivered_at=late), DEFAULT_POLICY, NOW, tokyo)
    in_new_york = eligibility(facts(delivered_at=late), DEFAULT_POLICY, NOW, new_york)
    assert in_tokyo.deadline == datetime(2026, 12, 15, 23, 59, 59, tzinfo=tokyo)
    assert in_new_york.deadline == datetime(2026, 12, 14, 23, 59, 59, tzinfo=new_york)
    # at 01:00 UTC on 15 Dec (10:00 in Tokyo, 20:00 on 14 Dec in New York) both windows are open
    moment = datetime(2026, 12, 15, 1, 0, tzinfo=UTC)
    assert eligibility(facts(delivered_at=late), DEFAULT_POLICY, moment, tokyo).eligible
    assert eligibility(facts(delivered_at=late), DEFAULT_POLICY, moment, new_york).eligible
    moment = datetime(2026, 12, 15, 5, 0, tzinfo=UTC)  # 00:00 on 15 Dec in New York
    assert not eligibility(facts(delivered_at=late), DEFAULT_POLICY, moment, new_york).eligible


def test_without_a_delivery_date_a_parcel_under_way_or_not_shipped_waits_and_a_shipped_one_counts_from_shipping():
    under_way = eligibility(facts(delivered_at=None, in_transit=True), DEFAULT_POLICY, NOW, UTC)
    assert (under_way.eligible, under_way.reason, under_way.deadline) == (False, "not delivered yet", None)
    assert summary(under_way, NOW) == "Not returnable: not delivered yet"
    unshipped = eligibility(facts(delivered_at=None, fulfilled_at=None, fulfillment_status="unfulfilled"),
                            DEFAULT_POLICY, NOW, UTC)
    assert unshipped.reason == "not delivered yet"
    shipped = eligibility(facts(delivered_at=None, fulfilled_at=datetime(2026, 11, 20, tzinfo=UTC)),
                          DEFAULT_POLICY, NOW, UTC)
    assert shipped.eligible and shipped.deadline == datetime(2026, 12, 20, 23, 59, 59, tzinfo=UTC)
    nothing_known = eligibility(facts(delivered_at=None, fulfilled_at=None), DEFAULT_POLICY, NOW, UTC)
    assert nothing_known.reason == "no delivery date"
    assert summary(nothing_known, NOW) == "Return window unknown"


def test_partial_refunds_leave_the_rest_returnable_and_full_refunds_close_the_order():
    partly = facts(items=(ItemFacts("Merino Crew", 3, 28.0, refunded_quantity=1), SALE), total=99.0,
                   total_refunded=28.0, financial_status="partially_refunded")
    result = eligibility(partly, DEFAULT_POLICY, NOW, UTC)
    assert result.eligible and result.items[0].returnable_quantity == 2
    assert result.refundable == Decimal("56.00")
    all_items_back = facts(items=(ItemFacts("Merino Crew", 2, 28.0, refunded_quantity=2),))
    assert eligibility(all_items_back, DEFAULT_POLICY, NOW, UTC).reason == "already refunded"
    assert eligibility(facts(financial_status="refunded"), DEFAULT_POLICY, NOW, UTC).reason == "already refunded"
    # the shop's refunded total reaching the order total means refunded, whatever the status word says
    assert eligibility(facts(total_refunded=71.0), DEFAULT_POLICY, NOW, UTC).reason == "already refunded"
    # never more than what is left to refund on the order
    capped = eligibility(facts(total_refunded=60.0, items=(SHIRT,)), DEFAULT_POLICY, NOW, UTC)
    assert capped.refundable == Decimal("11.00")


def test_excluded_tags_and_types_compare_without_case_and_the_fee_comes_off():
    policy = make_policy("14", " FINAL-sale, Clearance ", "Gift Card", "10")
    items = (ItemFacts("Voucher", 1, 50.0, product_type="gift card"),
             ItemFacts("Old Tee", 1, 10.0, product_tags=("clearance",)),
             ItemFacts("Socks", 3, 9.99, product_tags=("cotton",)))
    result = eligibility(facts(items=items, total=89.97), policy, NOW, UTC)
    voucher, tee, socks = result.items
    assert voucher.reason == "gift card is not returnable"
    assert tee.reason == "clearance"
    assert socks.eligible and socks.refundable == Decimal("26.97")  # 29.97 less 10 %
    assert result.deadline == datetime(2026, 11, 28, 23, 59, 59, tzinfo=UTC)
    assert not result.eligible  # 14 days from 14 Nov closed before 7 Dec
    only_sale = eligibility(facts(items=(SALE,)), DEFAULT_POLICY, NOW, UTC)
    assert (only_sale.eligible, only_sale.reason) == (False, "final sale")


def test_cancelled_and_unpaid_orders_are_not_returnable():
    assert eligibility(facts(cancelled=True), DEFAULT_POLICY, NOW, UTC).reason == "cancelled"
    assert eligibility(facts(financial_status="PENDING"), DEFAULT_POLICY, NOW, UTC).reason == "not paid"
    assert eligibility(facts(financial_status="voided"), DEFAULT_POLICY, NOW, UTC).reason == "not paid"


def test_a_deadline_in_another_year_names_the_year():
    result = eligibility(facts(), DEFAULT_POLICY, datetime(2027, 3, 1, tzinfo=UTC), UTC)
    assert result.reason == "window closed on 14 Dec 2026"


def test_malformed_and_huge_data_never_raises_and_never_refunds_junk():
    junk = (ItemFacts("", -4, float("nan")), ItemFacts("Big", 10**12, 1e300),
            ItemFacts("Neg", 1, -20.0, refunded_quantity=-3), ItemFacts("Inf", 1, float("inf")))
    result = eligibility(facts(items=junk, total=float("nan"), total_refunded=-5), DEFAULT_POLICY, NOW, UTC)
    assert result.items[0].reason == "removed from the order"
    assert all(i.refundable >= 0 for i in result.items)
    assert result.refundable == Decimal(0)  # nothing sensible is left to refund on a NaN total
    many = tuple(ItemFacts(f"Item {n}", 1, 1.0) for n in range(20_000))
    assert eligibility(facts(items=many, total=20_000.0), DEFAULT_POLICY, NOW, UTC).refundable == Decimal("20000.00")
    quarter_fee = ReturnPolicy(restocking_fee_pct=Decimal(25))
    no_items = eligibility(facts(items=(), total=40.0, total_refunded=10.0), quarter_fee, NOW, UTC)
    assert no_items.eligible and no_items.refundable == Decimal("22.50")  # 30.00 left, less 25 %


@pytest.mark.parametrize(("args", "message"), [
    (("thirty", "", "", "0"), "whole number of days"),
    (("-1", "", "", "0"), "from 0 to 365"),
    (("366", "", "", "0"), "from 0 to 365"),
    (("30", "", "", "101"), "from 0 to 100"),
    (("30", "", "", "-5"), "from 0 to 100"),
    (("30", "", "", "abc"), "must be a number"),
    (("30", "", "", "NaN"), "from 0 to 100"),
    (("30", "", "", "2.555"), "two decimals"),
    (("30", "x" * 61, "", "0"), "longer than 60"),
    (("30", ",".join(f"t{n}" for n in range(51)), "", "0"), "at most 50"),
    (("30", 7, "", "0"), "list of names"),
])
def test_policy_validation_says_what_is_wrong(args, message):
    with pytest.raises(PolicyError, match=message):
        make_policy(*args)


def test_policy_values_are_normalised():
    policy = make_policy(" 45 ", ["Final-Sale", "final-sale ", "", "Outlet"], "Gift Card,", "12.50 %")
    assert policy == ReturnPolicy(45, ("final-sale", "outlet"), ("gift card",), Decimal("12.5"))
    assert make_policy(30, "final-sale", "", "0") == DEFAULT_POLICY


def test_stored_policy_round_trips_and_a_bad_stored_value_falls_back_to_its_default_alone(caplog):
    policy = make_policy("21", "final-sale, Outlet", "Gift Card", "7.5")
    assert policy_from_settings(policy_settings(policy)) == policy
    assert policy_from_settings({}) == DEFAULT_POLICY
    stored = policy_settings(policy) | {"returns.window_days": "forever", "returns.excluded_types": "[1, 2"}
    read = policy_from_settings(stored)
    assert read == ReturnPolicy(30, ("final-sale", "outlet"), (), Decimal("7.5"))
    assert "returns.window_days" in caplog.text and "returns.excluded_types" in caplog.text
    assert policy_from_settings({"returns.restocking_fee_pct": "250"}).restocking_fee_pct == 0
