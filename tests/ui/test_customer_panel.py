"""The customer panel at its usual width: orders as cards (number, date, status chips, total, tracking;
items on expand), previous conversations wrapped, identities that never widen the panel."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, QPoint, Qt, Slot
from PySide6.QtGui import QDesktopServices, QFont, QFontMetrics
from PySide6.QtTest import QTest

from deskapp.services.customers import CustomerProfile, OrderInfo, PastConversation
from deskapp.ui.chips import Chip
from deskapp.ui.customer_cards import DATA_ROLE, order_chips, wrap
from deskapp.ui.customer_panel import CustomerPanel

PLACED = 1_795_000_000
LONG_TRACKING = "JD014600006281303541"


def _order(number: str, **kw) -> OrderInfo:
    values = dict(id=int(number.strip("#")), number=number, placed_at=PLACED, total=158.0, currency="USD",
                  financial_status="paid", fulfillment_status="fulfilled", tracking_numbers=["RM1GB"],
                  tracking_urls=["https://track.example.com/RM1GB"], cancelled_at=None,
                  lines=[("Insulated Water Bottle", 2, "IWB-750", 34.0), ("Yoga Mat Pro", 1, "", 90.0)])
    values.update(kw)
    return OrderInfo(**values)


def _profile(**kw) -> CustomerProfile:
    values = dict(
        id=1, name="Chloe Taylor", identities=[("email", "chloe.taylor107@yahoo.com"), ("phone", "+33930720310")],
        lifetime_value={"USD": 316.0}, order_count=2, proposals=[], first_seen=PLACED - 86400 * 400,
        orders=[_order("#2190"), _order("#2191", financial_status="refunded", fulfillment_status="on_hold",
                                        cancelled_at=PLACED, tracking_numbers=[LONG_TRACKING, "X2"],
                                        tracking_urls=[f"https://track.example.com/{LONG_TRACKING}",
                                                       "https://track.example.com/X2"]),
                _order("#2192", tracking_numbers=[], tracking_urls=[], financial_status="PARTIALLY_PAID",
                       fulfillment_status="weird_new_state")],
        conversations=[
            PastConversation(5, "email", "Where is my parcel? It was supposed to arrive last Tuesday and the"
                             " tracking page has not changed for a week now, can you check with the carrier",
                             "", "resolved", PLACED, PLACED),
            PastConversation(6, "whatsapp", "", "Thanks!", "open", PLACED, None)])
    values.update(kw)
    return CustomerProfile(**values)


@pytest.fixture
def panel(qtbot):
    panel = CustomerPanel()
    qtbot.addWidget(panel)
    panel.resize(300, 800)
    panel.show()
    panel.show_profile(_profile())
    qtbot.waitUntil(lambda: panel.orders.topLevelItemCount() == 3, timeout=5000)
    return panel


def test_order_chips_name_and_colour_each_status():
    assert order_chips(_order("#1")) == [Chip("paid", "ok"), Chip("fulfilled", "ok")]
    cancelled = _order("#2", financial_status="refunded", fulfillment_status="on_hold", cancelled_at=PLACED)
    assert order_chips(cancelled) == [Chip("cancelled", "alert"), Chip("refunded", "neutral"), Chip("on hold", "warn")]
    odd = _order("#3", financial_status="PARTIALLY_PAID", fulfillment_status="weird_new_state")
    assert order_chips(odd) == [Chip("partly paid", "warn"), Chip("weird new state", "neutral")]
    assert order_chips(_order("#4", financial_status="", fulfillment_status="")) == []


def test_orders_read_at_a_glance_and_open_on_expand(panel):
    first = panel.orders.topLevelItem(0)
    text = first.text(0)
    for part in ("#2190", "paid", "fulfilled", "158.00 USD", "tracking RM1GB"):
        assert part in text
    kind, order = first.data(0, DATA_ROLE)
    assert kind == "order" and order.number == "#2190"
    children = [first.child(i).data(0, DATA_ROLE) for i in range(first.childCount())]
    assert children == [("line", ("2 × Insulated Water Bottle (IWB-750)", "68.00 USD")),
                        ("line", ("1 × Yoga Mat Pro", "90.00 USD")),
                        ("track", ("RM1GB", "https://track.example.com/RM1GB"))]
    assert "cancelled" in panel.orders.topLevelItem(1).text(0)
    assert panel.orders.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff


def test_a_long_tracking_number_gets_its_own_line(panel):
    delegate, tree = panel.orders.itemDelegate(), panel.orders
    short = tree.visualItemRect(tree.topLevelItem(0)).height()
    long = tree.visualItemRect(tree.topLevelItem(1)).height()
    none = tree.visualItemRect(tree.topLevelItem(2)).height()
    line = QFontMetrics(tree.font()).height()
    assert short == none and long >= short + line  # three lines only where the link would not fit beside the chips
    rect = tree.visualItemRect(tree.topLevelItem(1))
    link = delegate.track_rect(rect.adjusted(6, 0, -6, 0), tree.topLevelItem(1).data(0, DATA_ROLE)[1])
    assert rect.contains(link) and link.width() <= rect.width()


class _Browser(QObject):
    """Stands in for the desktop's browser: QDesktopServices hands https links to it."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot("QUrl")
    def open(self, url) -> None:
        self.opened.append(url.toString())


def test_clicking_the_tracking_link_on_a_card_opens_it(panel, qtbot):
    browser = _Browser()
    QDesktopServices.setUrlHandler("https", browser, "open")
    try:
        tree = panel.orders
        item = tree.topLevelItem(0)
        rect = tree.visualItemRect(item)
        link = tree.itemDelegate().track_rect(rect.adjusted(6, 0, -6, 0), item.data(0, DATA_ROLE)[1])
        QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=link.center())
        assert browser.opened == ["https://track.example.com/RM1GB"]
        QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.left() + 40, rect.top() + 8))
        assert browser.opened == ["https://track.example.com/RM1GB"]  # elsewhere on the card: no link
    finally:
        QDesktopServices.unsetUrlHandler("https")


def test_previous_conversations_wrap_instead_of_scrolling_sideways(panel, qtbot):
    past = panel.past
    assert past.count() == 2 and past.item(0).data(DATA_ROLE).id == 5
    assert "resolved" in past.item(0).text() and "Email" in past.item(0).text()
    assert past.horizontalScrollBar().maximum() == 0
    long, short = past.visualItemRect(past.item(0)), past.visualItemRect(past.item(1))
    line = QFontMetrics(past.font()).height()
    assert long.height() == short.height() + line  # two lines of subject against one
    assert long.width() <= past.viewport().width()
    with qtbot.waitSignal(panel.conversation_opened) as opened:
        past.itemActivated.emit(past.item(1))
    assert opened.args == [6]


def test_identities_are_labelled_and_never_widen_the_panel(qtbot):
    panel = CustomerPanel()
    qtbot.addWidget(panel)
    long = "a-very-long-mailbox-name-that-goes-on-and-on@" + "sub." * 10 + "example.com"
    panel.show_profile(_profile(identities=[("email", long), ("phone", "+33930720310"), ("external", "kev_42")]))
    grid = panel.identity_grid
    labels = [grid.itemAtPosition(r, 0).widget().text() for r in range(3)]
    values = [grid.itemAtPosition(r, 1).widget() for r in range(3)]
    assert labels == ["Email", "Phone", "ID"]
    assert values[0].text() == long and values[0].toolTip() == long  # copied whole, clipped only on screen
    assert panel.minimumSizeHint().width() <= 300
    panel.show_profile(_profile(identities=[]))
    assert grid.itemAtPosition(0, 0).widget().text() == "<i>no identities</i>"


def test_wrap_fills_two_lines_then_elides():
    metrics = QFontMetrics(QFont())
    width = metrics.horizontalAdvance("word " * 6)
    lines = wrap(metrics, "word " * 40, width)
    assert len(lines) == 2 and lines[1].endswith("…") and all(metrics.horizontalAdvance(x) <= width for x in lines)
    assert wrap(metrics, "short", width) == ["short"]
    assert wrap(metrics, "", width) == []
    one = wrap(metrics, "x" * 400, width)  # one word wider than the line
    assert len(one) == 1 and one[0].endswith("…")


def test_order_dates_drop_the_year_of_this_year():
    from datetime import datetime

    from deskapp.ui.customer_cards import short_date

    now = datetime(2026, 12, 2, 12, 0).timestamp()
    assert short_date(int(datetime(2026, 11, 28, 9, 0).timestamp()), now) == "28 Nov"
    assert short_date(int(datetime(2025, 11, 28, 9, 0).timestamp()), now) == "28 Nov 2025"
    assert short_date(None, now) == ""


def test_nothing_to_list_says_none_instead_of_an_empty_box(qtbot):
    panel = CustomerPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_profile(_profile(orders=[], conversations=[]))
    assert panel.orders_title.text() == "<b>Orders</b> · none" and not panel.orders.isVisible()
    assert panel.past_title.text() == "<b>Previous conversations</b> · none" and not panel.past.isVisible()
    panel.show_profile(_profile())
    assert panel.orders_title.text() == "<b>Orders</b> (3)" and panel.orders.isVisible() and panel.past.isVisible()
    panel.show_profile(None)
    assert panel.name.text() == "No customer" and not panel.orders_title.isVisible()


def test_a_merge_proposal_names_the_other_customer_once(panel):
    from PySide6.QtWidgets import QLabel

    from deskapp.services.customers import MergeProposalInfo

    handle = MergeProposalInfo(7, 9, "chloe_t107", [("handle", "chloe_t107")], "social contact resembling this"
                               " customer's name")
    email = MergeProposalInfo(8, 10, "Chloe Taylor", [("email", "c.taylor@example.com"), ("phone", "+33930720310")],
                              "same name and order email")
    panel.show_profile(_profile(proposals=[handle, email]))
    texts = [w.text() for w in panel.findChildren(QLabel) if w.text().startswith("Same person as")]
    assert texts[0].startswith("Same person as <b>chloe_t107</b>?")  # not "chloe_t107 (chloe_t107)"
    assert texts[1].startswith("Same person as <b>Chloe Taylor</b> (c.taylor@example.com, +33930720310)?")
