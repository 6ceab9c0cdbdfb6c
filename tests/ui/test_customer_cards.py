"""The order and previous-conversation delegates before their panel was ever shown, and after their view
is gone: a sensible size and a quiet paint, never a crash."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem

from deskapp.ui.customer_cards import FALLBACK_WIDTH, PAD, OrderDelegate, OrdersTree, PastDelegate
from deskapp.ui.customer_panel import CustomerPanel
from tests.ui.test_customer_panel import _profile


def _sizes_and_paint(view, delegate) -> list[QSize]:
    model = view.model()
    image = QImage(400, 200, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    sizes = []
    try:
        for row in range(model.rowCount()):
            index = model.index(row, 0)
            option = QStyleOptionViewItem()
            option.rect = view.visualRect(index)
            sizes.append(delegate.sizeHint(option, index))
            delegate.paint(painter, option, index)
    finally:
        painter.end()
    return sizes


def _sizes_and_paint_one(delegate, index) -> None:
    image = QImage(400, 200, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        option = QStyleOptionViewItem()
        option.rect = QRect(0, 0, 300, 60)
        delegate.paint(painter, option, index)
    finally:
        painter.end()


def test_a_panel_never_shown_sizes_its_cards_at_a_sensible_width(qtbot):
    panel = CustomerPanel()
    qtbot.addWidget(panel)
    panel.show_profile(_profile())
    qtbot.waitUntil(lambda: panel.orders.topLevelItemCount() == 3, timeout=5000)
    orders = panel.orders.itemDelegate()
    assert isinstance(orders, OrderDelegate)
    assert not panel.orders.isVisible()
    # Qt's default size of a widget never shown is no width of the panel's: its narrowest is used instead.
    assert orders._card_width() == FALLBACK_WIDTH - panel.orders.indentation() - 2 * PAD
    sizes = _sizes_and_paint(panel.orders, orders)
    assert len(sizes) == 3 and all(s.height() > 0 for s in sizes)
    past = panel.past.itemDelegate()
    assert isinstance(past, PastDelegate)
    assert [s.width() for s in _sizes_and_paint(panel.past, past)] == [FALLBACK_WIDTH - 2 * PAD] * 2
    panel.resize(300, 800)
    panel.show()
    qtbot.waitExposed(panel)
    assert orders._card_width() == panel.orders.viewport().width() - panel.orders.indentation() - 2 * PAD
    for row in range(3):  # laid out again at the real width once shown
        index = panel.orders.model().index(row, 0)
        qtbot.waitUntil(lambda index=index: panel.orders.visualRect(index).height()
                        == orders.sizeHint(QStyleOptionViewItem(), index).height(), timeout=5000)


def test_a_delegate_whose_view_is_gone_still_answers(qtbot):
    panel = CustomerPanel()
    qtbot.addWidget(panel)
    panel.show_profile(_profile())
    qtbot.waitUntil(lambda: panel.orders.topLevelItemCount() == 3, timeout=5000)
    gone = OrdersTree()
    orders = OrderDelegate(gone)
    orders.setParent(None)  # outlives its view, as a size request queued before the view went may
    gone.deleteLater()
    qtbot.waitUntil(lambda: not orders.has_view(), timeout=5000)
    index = panel.orders.model().index(1, 0)  # a card with a long tracking number: needs the width
    assert orders._card_width() == FALLBACK_WIDTH - 2 * PAD
    assert orders.sizeHint(QStyleOptionViewItem(), index).height() > 0
    _sizes_and_paint_one(orders, index)
