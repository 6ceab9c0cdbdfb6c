"""Return eligibility in the customer panel (a line on each order card, the exception on an item) and the
return policy section of Settings (loaded, validated as typed, kept)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from deskapp.domain.returns import DEFAULT_POLICY, ItemFacts, OrderFacts, ReturnPolicy, eligibility
from deskapp.services import returns as returns_service
from deskapp.services.customers import CustomerProfile, OrderInfo
from deskapp.ui.customer_cards import DATA_ROLE, OrderDelegate, order_summary, return_line
from deskapp.ui.customer_panel import CustomerPanel

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
LINES = [("Merino Crew Sweater", 1, "MER-M", 89.0), ("Wool Beanie", 1, "WBN-GREY", 24.0)]


def _order(number: str, returns=None) -> OrderInfo:
    return OrderInfo(id=int(number.strip("#")), number=number, placed_at=int((NOW - timedelta(days=20)).timestamp()),
                     total=113.0, currency="USD", financial_status="paid", fulfillment_status="fulfilled",
                     tracking_numbers=[], tracking_urls=[], cancelled_at=None, lines=list(LINES), returns=returns)


def _judged(delivered: datetime | None) -> object:
    facts = OrderFacts("paid", "fulfilled", 113.0, "USD", delivered_at=delivered, items=(
        ItemFacts("Merino Crew Sweater", 1, 89.0), ItemFacts("Wool Beanie", 1, 24.0, product_tags=("final-sale",))))
    return eligibility(facts, DEFAULT_POLICY, NOW, UTC)


def test_the_card_says_until_when_or_why_not_and_the_excluded_item_says_why(qtbot):
    open_order = _order("#1894", _judged(datetime(2026, 11, 14, 9, tzinfo=UTC)))
    closed = _order("#1314", _judged(datetime(2026, 9, 1, tzinfo=UTC)))
    unjudged = _order("#1108")
    now = NOW.timestamp()
    assert return_line(open_order, now) == "Eligible for return until 14 Dec"
    assert return_line(closed, now) == "Not returnable: window closed on 1 Oct"
    assert return_line(unjudged, now) == ""
    assert order_summary(open_order, now).endswith("113.00 USD, Eligible for return until 14 Dec")

    panel = CustomerPanel()
    qtbot.addWidget(panel)
    panel.resize(300, 800)
    panel.show()
    panel.show_profile(CustomerProfile(id=1, name="Anna Schmidt", identities=[], lifetime_value={"USD": 339.0},
                                       order_count=3, orders=[open_order, closed, unjudged], proposals=[],
                                       conversations=[], first_seen=None))
    qtbot.waitUntil(lambda: panel.orders.topLevelItemCount() == 3, timeout=5000)
    first = panel.orders.topLevelItem(0)
    assert "Eligible for return until 14 Dec" in first.text(0)  # "14 Dec 2026" once the clock is past 2026
    items = [first.child(i).data(0, DATA_ROLE)[1][0] for i in range(first.childCount())]
    assert items == ["1 × Merino Crew Sweater (MER-M)", "1 × Wool Beanie (WBN-GREY) — not returnable: final sale"]
    # a closed window is the order's reason: its items are not marked one by one
    second = panel.orders.topLevelItem(1)
    assert [second.child(i).data(0, DATA_ROLE)[1][0] for i in range(2)] == [
        "1 × Merino Crew Sweater (MER-M)", "1 × Wool Beanie (WBN-GREY)"]
    delegate = panel.orders.itemDelegate()
    assert isinstance(delegate, OrderDelegate)
    heights = [panel.orders.visualItemRect(panel.orders.topLevelItem(i)).height() for i in range(3)]
    assert heights[0] == heights[1] > heights[2]  # the judged cards have room for their return line


def test_the_settings_section_loads_checks_and_keeps_the_policy(qtbot, ws):
    from deskapp.ui.return_policy_settings import ReturnPolicyBox
    from deskapp.ui.tasks import TaskRunner

    returns_service.save_policy(ws.db, ws.profile, window_days=45, excluded_tags="final-sale, outlet",
                                excluded_types="", restocking_fee_pct="5")
    tasks = TaskRunner()
    box = ReturnPolicyBox(ws, tasks)
    qtbot.addWidget(box)
    qtbot.waitUntil(lambda: box.window_days.value() == 45, timeout=5000)
    assert (box.tags.text(), box.types.text(), box.fee.value()) == ("final-sale, outlet", "", 5.0)

    box.tags.setText(", ".join(f"tag{n}" for n in range(60)))
    assert not box.save()
    assert box.status.text() == "Not saved: at most 50 excluded tags."
    assert returns_service.load_policy(ws.profile).excluded_tags == ("final-sale", "outlet")

    box.tags.setText("Final-Sale,  Clearance")
    box.types.setText("Gift Card")
    box.window_days.setValue(14)
    box.fee.setValue(12.5)
    with qtbot.waitSignal(box.saved, timeout=5000) as saved:
        assert box.save()
    expected = ReturnPolicy(14, ("final-sale", "clearance"), ("gift card",), Decimal("12.5"))
    assert saved.args == [expected]
    assert returns_service.load_policy(ws.profile) == expected
    assert box.status.text() == "Saved." and box.tags.text() == "final-sale, clearance"
    tasks.wait()


def test_a_delivered_demo_order_reads_eligible_until_its_date_end_to_end(qtbot, ws, capsys, monkeypatch, data_dir):
    """The demo shop's delivery date goes through the connector, the sync and the cache to the panel: a paid
    order delivered 8 to 12 days before the shop's clock reads "Eligible for return until" 30 days after delivery."""
    from zoneinfo import ZoneInfo

    from deskapp.demo.server import DemoServer
    from deskapp.kpi.definitions import SETTING_TIMEZONE
    from deskapp.services import customers as customer_service
    from deskapp.services import profile as profile_service
    from deskapp.store.order_actions import find_order
    from tests.cli.test_order import run
    from tests.demo.conftest import PINNED_NOW
    from tests.faults.conftest import trim_world

    zone = ZoneInfo("Pacific/Auckland")  # far from UTC: the date is the team's, not the machine's
    profile_service.put_settings(ws.db, ws.profile, {SETTING_TIMEZONE: "Pacific/Auckland"})
    returns_service.save_policy(ws.db, ws.profile, window_days=30, excluded_tags="", excluded_types="",
                                restocking_fee_pct="0")
    server = DemoServer(seed=3, scale="small", live=False, now=PINNED_NOW)
    info = server.start()
    trim_world(server, 5)
    day = 86400
    try:
        order = next(o for o in server.state.world.orders if o.financial == "PAID" and o.cancelled_at is None
                     and o.fulfilled_at is not None and PINNED_NOW - 12 * day < o.fulfilled_at + 3 * day
                     < PINNED_NOW - 8 * day)
        assert run(capsys, monkeypatch, data_dir, "account", "add", "shopify", "--shop", info["shop_url"],
                   stdin=info["shopify_token"] + "\n")[0] == 0
        code, _out, err = run(capsys, monkeypatch, data_dir, "sync", "--once")
        assert code == 0, err
    finally:
        server.stop()
    delivered = datetime.fromtimestamp(order.fulfilled_at + 3 * day, UTC)
    last_day = delivered.astimezone(zone).date() + timedelta(days=30)
    with ws.db.read() as conn:
        cached = find_order(conn, order.name)
    assert cached is not None and cached.customer_id is not None
    now = datetime.fromtimestamp(PINNED_NOW, UTC)
    profile = customer_service.profile(ws.db, cached.customer_id, now=now)
    shown = next(o for o in profile.orders if o.number == order.name)
    assert shown.delivered_at == int(delivered.timestamp())
    expected = f"Eligible for return until {last_day.day} {last_day:%b}"
    if last_day.year != now.astimezone(zone).year:
        expected += f" {last_day.year}"
    assert return_line(shown, now.timestamp()) == expected

    panel = CustomerPanel()
    qtbot.addWidget(panel)
    panel.resize(300, 800)
    panel.show()
    panel.show_profile(profile)
    qtbot.waitUntil(lambda: panel.orders.topLevelItemCount() == len(profile.orders), timeout=5000)
    card = next(panel.orders.topLevelItem(i) for i in range(panel.orders.topLevelItemCount())
                if order.name in panel.orders.topLevelItem(i).text(0))
    assert expected in card.text(0)
