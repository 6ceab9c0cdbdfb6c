"""How the customer panel draws orders and previous conversations: delegates that fit the panel's width
(two-line order cards with status chips, total and tracking; line items on expand; previous
conversations word-wrapped), so nothing scrolls sideways and nothing is cut to a few letters."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
)

from deskapp.domain.returns import summary as return_summary
from deskapp.services.customers import OrderInfo, PastConversation
from deskapp.ui import icons, theme
from deskapp.ui.chips import Chip, ChipPainter

ItemIndex = QModelIndex | QPersistentModelIndex  # what Qt hands item delegates

DATA_ROLE = Qt.ItemDataRole.UserRole + 1  # ("order", OrderInfo) | ("line", (text, amount)) | ("track", (number, url))
PAD = 6
SPACE = 8
# The customer panel's narrowest width: what a view never shown yet (Qt's default size, not the panel's), or one
# already deleted, is measured at, so that a card laid out then has at least the lines it needs.
FALLBACK_WIDTH = 240

# Shopify's displayFinancialStatus / displayFulfillmentStatus, as the panel names and colours them
FINANCIAL = {"paid": ("paid", "ok"), "partially_paid": ("partly paid", "warn"), "pending": ("payment pending", "warn"),
             "authorized": ("authorized", "warn"), "partially_refunded": ("partly refunded", "neutral"),
             "refunded": ("refunded", "neutral"), "voided": ("voided", "alert"), "expired": ("expired", "alert")}
FULFILLMENT = {"fulfilled": ("fulfilled", "ok"), "unfulfilled": ("unfulfilled", "neutral"),
               "partially_fulfilled": ("partly fulfilled", "neutral"), "in_progress": ("in progress", "neutral"),
               "on_hold": ("on hold", "warn"), "scheduled": ("scheduled", "neutral"),
               "restocked": ("restocked", "neutral"), "request_declined": ("declined", "alert")}
CONVERSATION_TONES = {"open": "label", "pending": "warn", "snoozed": "neutral", "resolved": "ok"}


def date_text(epoch: int | None) -> str:
    return datetime.fromtimestamp(epoch).strftime("%d %b %Y") if epoch else ""


def short_date(epoch: int | None, now: float) -> str:
    """'27 Nov' in the current year, '27 Nov 2025' before: what an order card has room for."""
    if not epoch:
        return ""
    day = datetime.fromtimestamp(epoch)
    return day.strftime("%d %b") if day.year == datetime.fromtimestamp(now).year else day.strftime("%d %b %Y")


def money(amount: float, currency: str) -> str:
    return f"{amount:,.2f} {currency}".strip()


def order_chips(o: OrderInfo) -> list[Chip]:
    """Cancelled (when it is), then the payment and the fulfilment status, each with its tone."""
    found = [Chip("cancelled", "alert")] if o.cancelled_at else []
    for status, names in ((o.financial_status, FINANCIAL), (o.fulfillment_status, FULFILLMENT)):
        key = (status or "").strip().lower()
        if key:
            text, tone = names.get(key, (key.replace("_", " "), "neutral"))
            found.append(Chip(text, tone))
    return found


def return_line(o: OrderInfo, now: float) -> str:
    """'Eligible for return until 14 Dec' or why not; '' when the order was not judged."""
    if o.returns is None:
        return ""
    return return_summary(o.returns, datetime.fromtimestamp(now, UTC))


def item_return_note(o: OrderInfo, index: int) -> str:
    """Why line item ``index`` cannot be returned when the order can (the exception to the card's line)."""
    items = o.returns.items if o.returns is not None else ()
    if o.returns is None or not o.returns.eligible or index >= len(items) or items[index].eligible:
        return ""
    return f"not returnable: {items[index].reason}"


def order_summary(o: OrderInfo, now: float | None = None) -> str:
    """The whole order in one line: for screen readers and tooltips."""
    parts = [o.number, date_text(o.placed_at), *(c.text for c in order_chips(o)), money(o.total, o.currency)]
    parts += [f"tracking {n}" for n in o.tracking_numbers if n]
    parts.append(return_line(o, time.time() if now is None else now))
    return ", ".join(p for p in parts if p)


def wrap(metrics: QFontMetrics, text: str, width: int, max_lines: int = 2) -> list[str]:
    """``text`` word-wrapped to ``width``, at most ``max_lines`` lines, the last one elided."""
    words = text.split()
    lines: list[str] = []
    current = ""
    for i, word in enumerate(words):
        trial = f"{current} {word}" if current else word
        if not current or metrics.horizontalAdvance(trial) <= width:
            current = trial  # (one word wider than the line is elided below)
            continue
        lines.append(current)
        current = word
        if len(lines) == max_lines - 1:
            current = " ".join(words[i:])
            break
    if current:
        lines.append(current)
    return [metrics.elidedText(line, Qt.TextElideMode.ElideRight, max(0, width)) for line in lines]


class _CardDelegate(QStyledItemDelegate):
    """Shared by both lists: fonts, the selection background, the text colours."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self.view = view
        self._chips: tuple[str, ChipPainter] | None = None

    def has_view(self) -> bool:
        return shiboken6.isValid(self.view)

    def view_font(self) -> QFont:
        return self.view.font() if self.has_view() else QFont()

    def view_width(self) -> int:
        """The width the items are laid out in: the viewport's once the view was shown, else FALLBACK_WIDTH."""
        if not self.has_view() or not self.view.testAttribute(Qt.WidgetAttribute.WA_WState_Created):
            return FALLBACK_WIDTH
        width = self.view.viewport().width()
        return width if width > 0 else FALLBACK_WIDTH

    def fonts(self) -> tuple[QFont, QFont]:
        font = QFont(self.view_font())
        bold = QFont(font)
        bold.setBold(True)
        return font, bold

    def chips(self) -> ChipPainter:
        """Chips a little smaller than the view's font (made again if that font changes)."""
        key = self.view_font().key()
        if self._chips is None or self._chips[0] != key:
            small = QFont(self.view_font())
            small.setPointSizeF(max(6.0, small.pointSizeF() * 0.88))
            self._chips = (key, ChipPainter(small))
        return self._chips[1]

    def background(self, painter: QPainter, option: QStyleOptionViewItem) -> tuple[QColor, QColor, QColor]:
        """Draws the item's background (selection, hover); returns its text, muted and link colours."""
        view = self.view if self.has_view() else None
        style = view.style() if view is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, view)
        palette = option.palette
        if option.state & QStyle.StateFlag.State_Selected:
            text = palette.color(QPalette.ColorRole.HighlightedText)
            return text, text, text
        return (palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.PlaceholderText),
                palette.color(QPalette.ColorRole.Link))


class OrderDelegate(_CardDelegate):
    """Orders as cards: number · date and the total; status chips and the tracking link (on a line of
    its own when both do not fit). Their children (on expand): line items with their amount, and
    tracking links."""

    def _track_text(self, o: OrderInfo) -> str:
        number = next((n for n in o.tracking_numbers if n), "")
        more = f" +{len(o.tracking_urls) - 1}" if len(o.tracking_urls) > 1 else ""
        return " ".join(f"Track {number}{more} ↗".split())

    def _card_width(self) -> int:
        indent = self.view.indentation() if self.has_view() and isinstance(self.view, QTreeWidget) else 0
        return self.view_width() - indent - 2 * PAD

    def _link_own_line(self, o: OrderInfo, width: int) -> bool:
        if not o.tracking_urls:
            return False
        needed = self.chips().row_width(order_chips(o)) + SPACE
        return needed + QFontMetrics(self.view_font()).horizontalAdvance(self._track_text(o)) > width

    def track_rect(self, rect: QRect, o: OrderInfo) -> QRect:
        """Where the card's tracking link is: right of line 2, or all of line 3."""
        if not o.tracking_urls:
            return QRect()
        metrics = QFontMetrics(self.view_font())
        line = metrics.height()
        if self._link_own_line(o, rect.width()):
            return QRect(rect.left(), rect.top() + PAD + 2 * (line + PAD // 2), rect.width(), line)
        width = metrics.horizontalAdvance(self._track_text(o))
        return QRect(rect.right() - width + 1, rect.top() + PAD + line + PAD // 2, width, line)

    def sizeHint(self, option: QStyleOptionViewItem, index: ItemIndex) -> QSize:
        line = QFontMetrics(self.view_font()).height()
        value: Any  # an OrderInfo for an order card, else what its line shows
        kind, value = index.data(DATA_ROLE) or ("line", None)
        if kind != "order":
            return QSize(100, line + PAD)
        lines = (3 if self._link_own_line(value, self._card_width()) else 2) + (value.returns is not None)
        return QSize(100, lines * line + (lines - 1) * (PAD // 2) + 2 * PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ItemIndex) -> None:
        value: Any  # an OrderInfo for an order card, else (text, amount)
        kind, value = index.data(DATA_ROLE) or ("line", ("", ""))
        painter.save()
        text, muted, link_colour = self.background(painter, option)
        font, bold = self.fonts()
        rect = option.rect.adjusted(PAD, 0, -PAD, 0)
        metrics = QFontMetrics(font)
        if kind == "order":
            self._order(painter, rect, value, (font, bold), text, muted, link_colour,
                        theme.is_dark_palette(option.palette))
        elif kind == "track":
            number, _url = value
            icons.icon("open_external").paint(painter, QRect(rect.left(), rect.top() + (rect.height() - 16) // 2,
                                                             16, 16))
            painter.setFont(font)
            painter.setPen(link_colour)
            label = metrics.elidedText(f"Track {number}".strip(), Qt.TextElideMode.ElideMiddle,
                                       max(0, rect.width() - 22))
            painter.drawText(rect.adjusted(22, 0, 0, 0), int(Qt.AlignmentFlag.AlignVCenter), label)
        else:
            title, amount = value
            painter.setFont(font)
            painter.setPen(muted)
            w = metrics.horizontalAdvance(amount)
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight), amount)
            painter.setPen(text)
            painter.drawText(rect.adjusted(0, 0, -(w + SPACE), 0), int(Qt.AlignmentFlag.AlignVCenter),
                             metrics.elidedText(title, Qt.TextElideMode.ElideRight, max(0, rect.width() - w - SPACE)))
        painter.restore()

    def _order(self, painter: QPainter, rect: QRect, o: OrderInfo, fonts, text, muted, link_colour,
               dark: bool) -> None:
        font, bold = fonts
        bold_metrics, metrics, chip_painter = QFontMetrics(bold), QFontMetrics(font), self.chips()
        line = metrics.height()
        first = QRect(rect.left(), rect.top() + PAD, rect.width(), line)
        total = money(o.total, o.currency)
        painter.setFont(bold)
        painter.setPen(text)
        painter.drawText(first, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight), total)
        room = rect.width() - bold_metrics.horizontalAdvance(total) - SPACE
        number = bold_metrics.elidedText(o.number, Qt.TextElideMode.ElideRight, max(0, room))
        painter.drawText(first, int(Qt.AlignmentFlag.AlignVCenter), number)
        left = bold_metrics.horizontalAdvance(number) + SPACE
        painter.setFont(font)
        painter.setPen(muted)
        painter.drawText(first.adjusted(left, 0, 0, 0), int(Qt.AlignmentFlag.AlignVCenter),
                         metrics.elidedText(short_date(o.placed_at, time.time()), Qt.TextElideMode.ElideRight,
                                            max(0, room - left)))
        second = first.top() + line + PAD // 2
        link = self.track_rect(rect, o)
        beside = link.isValid() and link.top() == second
        shown = chip_painter.fit([], order_chips(o), rect.width() - (link.width() + SPACE if beside else 0))
        chip_painter.paint(painter, shown, rect.left(), second + (line - chip_painter.height) // 2, dark=dark)
        if link.isValid():
            painter.setFont(font)
            painter.setPen(link_colour)
            painter.drawText(link, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight),
                             metrics.elidedText(self._track_text(o), Qt.TextElideMode.ElideMiddle, link.width()))
        returns = return_line(o, time.time())
        if returns:  # the card's last line
            below = link.bottom() + 1 if link.isValid() and not beside else second + line
            painter.setFont(font)
            painter.setPen(text if o.returns is not None and o.returns.eligible else muted)
            painter.drawText(QRect(rect.left(), below + PAD // 2, rect.width(), line),
                             int(Qt.AlignmentFlag.AlignVCenter),
                             metrics.elidedText(f"↩ {returns}", Qt.TextElideMode.ElideRight, rect.width()))

    def editorEvent(self, event, model, option: QStyleOptionViewItem, index: ItemIndex) -> bool:
        """A click on a card's tracking link opens it in the browser."""
        value: Any  # an OrderInfo for an order card
        kind, value = index.data(DATA_ROLE) or ("", None)
        if kind == "order" and event.type() == QEvent.Type.MouseButtonRelease and value.tracking_urls:
            link = self.track_rect(option.rect.adjusted(PAD, 0, -PAD, 0), value)
            if link.contains(event.position().toPoint()):
                url = value.tracking_urls[0]
                if url.lower().startswith(("http://", "https://")):
                    QDesktopServices.openUrl(QUrl(url))
                return True
        return super().editorEvent(event, model, option, index)


class OrdersTree(QTreeWidget):
    """The orders list: cards re-laid out when the panel's width changes (a card may need a third line)."""

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.scheduleDelayedItemsLayout()


class PastDelegate(_CardDelegate):
    """A previous conversation: channel icon, date and status chip; its subject wrapped on two lines."""

    def _lines(self, c: PastConversation, width: int) -> list[str]:
        return wrap(QFontMetrics(self.view_font()), c.subject or c.snippet or "(no subject)", width) or [""]

    def sizeHint(self, option: QStyleOptionViewItem, index: ItemIndex) -> QSize:
        c = index.data(DATA_ROLE)
        line = QFontMetrics(self.view_font()).height()
        if c is None:
            return QSize(100, line + 2 * PAD)
        width = self.view_width() - 2 * PAD
        return QSize(width, line + PAD // 2 + len(self._lines(c, width)) * line + 2 * PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ItemIndex) -> None:
        c: PastConversation | None = index.data(DATA_ROLE)
        if c is None:
            return super().paint(painter, option, index)
        painter.save()
        text, muted, _link = self.background(painter, option)
        font, _bold = self.fonts()
        rect = option.rect.adjusted(PAD, PAD, -PAD, -PAD)
        metrics, chip_painter = QFontMetrics(font), self.chips()
        line = metrics.height()
        icons.icon(c.channel).paint(painter, QRect(rect.left(), rect.top() + (line - 16) // 2, 16, 16))
        status = [Chip(c.status, CONVERSATION_TONES.get(c.status, "neutral"))]
        width = chip_painter.row_width(status)
        chip_painter.paint(painter, status, rect.right() - width + 1, rect.top() + (line - chip_painter.height) // 2,
                           dark=theme.is_dark_palette(option.palette))
        painter.setFont(font)
        painter.setPen(muted)
        painter.drawText(QRect(rect.left() + 22, rect.top(), max(0, rect.width() - 22 - width - SPACE), line),
                         int(Qt.AlignmentFlag.AlignVCenter), date_text(c.last_message_at or c.created_at))
        painter.setPen(text)
        y = rect.top() + line + PAD // 2
        for text_line in self._lines(c, rect.width()):
            painter.drawText(QRect(rect.left(), y, rect.width(), line), int(Qt.AlignmentFlag.AlignVCenter), text_line)
            y += line
        painter.restore()
