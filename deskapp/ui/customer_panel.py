"""The customer panel beside the thread: identities, merge proposals, lifetime value, orders (cards with
status chips, total and tracking; line items on expand) and previous conversations (wrapped)."""

from __future__ import annotations

import html as html_lib

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSizePolicy,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from deskapp.services.customers import CustomerProfile
from deskapp.services.inbox import channel_title
from deskapp.ui.customer_cards import (
    DATA_ROLE,
    FALLBACK_WIDTH,
    OrderDelegate,
    OrdersTree,
    PastDelegate,
    date_text,
    item_return_note,
    money,
    order_summary,
)

ORDERS_FIRST = 50  # shown at once; the rest follow a chunk per event-loop turn
ORDERS_CHUNK = 150
ORDER_MENU = (("refund", "Refund…"), ("return", "Return items…"), ("cancel", "Cancel order…"),
              ("address", "Change shipping address…"),
              ("replace", "Send again at no charge…"), ("discount", "Discount code for the customer…"))
ACTION_ROLE = DATA_ROLE + 1  # marks the rows of order actions under an order card
ACTION_MARKS = {"queued": "Queued", "done": "Done", "refused": "Refused"}
IDENTITY_KINDS = {"email": "Email", "phone": "Phone", "handle": "Handle", "external": "ID", "external_id": "ID"}


class CustomerPanel(QWidget):
    """Signals: ``conversation_opened(id)``, ``merge_decided(proposal_id, other_customer_id, accepted)``,
    ``order_action_chosen(kind, order)`` (from the order's context menu)."""

    conversation_opened = Signal(int)
    merge_decided = Signal(int, int, bool)
    order_action_chosen = Signal(str, object)  # refund | return | cancel | address | replace | discount; the OrderInfo

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Customer panel")
        self.setMinimumWidth(FALLBACK_WIDTH)
        self.profile: CustomerProfile | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.name = QLabel("No conversation open")
        self.name.setObjectName("customerName")
        self.name.setWordWrap(True)
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.identities = QWidget()
        self.identities.setAccessibleName("Customer identities")
        self.identity_grid = QGridLayout(self.identities)
        self.identity_grid.setContentsMargins(0, 2, 0, 2)
        self.identity_grid.setHorizontalSpacing(8)
        self.identity_grid.setVerticalSpacing(1)
        self.identity_grid.setColumnStretch(1, 1)
        self.value = QLabel()
        self.value.setWordWrap(True)
        self.value.setAccessibleName("Lifetime value")
        self.proposals = QVBoxLayout()
        self._orders_generation = 0
        self.orders = OrdersTree()
        self.orders.setAccessibleName("Orders")
        self.orders.setColumnCount(1)
        self.orders.setHeaderHidden(True)
        self.orders.setRootIsDecorated(True)
        self.orders.setIndentation(14)
        self.orders.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.orders.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.orders.setItemDelegate(OrderDelegate(self.orders))
        self.orders.itemActivated.connect(self._order_activated)
        self.orders.itemDoubleClicked.connect(self._order_activated)
        self.orders.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.orders.customContextMenuRequested.connect(self._order_menu)
        self.past = QListWidget()
        self.past.setAccessibleName("Previous conversations")
        self.past.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.past.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.past.setResizeMode(QListView.ResizeMode.Adjust)  # wrapped again at the new width
        self.past.setItemDelegate(PastDelegate(self.past))
        self.past.itemActivated.connect(self._past_activated)
        self.past.itemDoubleClicked.connect(self._past_activated)
        layout.addWidget(self.name)
        layout.addWidget(self.identities)
        layout.addWidget(self.value)
        layout.addLayout(self.proposals)
        self.orders_title = QLabel("<b>Orders</b>")
        layout.addWidget(self.orders_title)
        layout.addWidget(self.orders, 3)
        self.past_title = QLabel("<b>Previous conversations</b>")
        layout.addWidget(self.past_title)
        layout.addWidget(self.past, 2)
        layout.addStretch(0)  # takes the room only when both lists are hidden (nothing to list)
        self._hide_lists()

    def clear(self) -> None:
        self.profile = None
        self.name.setText("No customer")
        self._show_identities([])
        self.value.clear()
        self._orders_generation += 1  # a chunked fill still under way stops
        self.orders.clear()
        self.past.clear()
        self._clear_proposals()
        self._hide_lists()

    def _hide_lists(self) -> None:
        for widget in (self.orders_title, self.orders, self.past_title, self.past):
            widget.hide()

    def _clear_proposals(self) -> None:
        while self.proposals.count():
            item = self.proposals.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget:
                widget.deleteLater()

    def show_profile(self, p: CustomerProfile | None, current_conversation: int | None = None) -> None:
        if p is None:
            self.clear()
            return
        self.profile = p
        self.name.setText(f"<h3 style='margin:0'>{html_lib.escape(p.name)}</h3>"
                          f"<span style='color:gray'>customer since {date_text(p.first_seen)}</span>")
        self._show_identities(p.identities)
        ltv = " + ".join(money(v, c) for c, v in sorted(p.lifetime_value.items())) or "0"
        self.value.setText(f"<b>Lifetime value:</b> {ltv} · {p.order_count} order(s)")
        self._clear_proposals()
        for prop in p.proposals:
            self.proposals.addWidget(self._proposal_widget(prop))
        self._fill_orders(p)
        self.past.clear()
        for conv in p.conversations:
            if conv.id == current_conversation:
                continue
            item = QListWidgetItem(f"{date_text(conv.last_message_at or conv.created_at)}, {conv.status}, "
                                   f"{channel_title(conv.channel)}: {(conv.subject or conv.snippet)[:200]}")
            item.setData(Qt.ItemDataRole.UserRole, conv.id)
            item.setData(DATA_ROLE, conv)
            item.setToolTip(f"{channel_title(conv.channel)}: {conv.snippet[:300]}")
            self.past.addItem(item)
        self.past_title.setText(self._title("Previous conversations", self.past.count()))
        self.past_title.show()
        self.past.setVisible(self.past.count() > 0)  # an empty box says less than "none"

    @staticmethod
    def _title(what: str, count: int) -> str:
        return f"<b>{what}</b> ({count})" if count else f"<b>{what}</b> · none"

    def _show_identities(self, identities: list[tuple[str, str]]) -> None:
        """One row per identity: what it is (muted) and the value, selectable; a value too long for the
        panel is clipped on screen, never in what is copied (its tooltip shows it whole)."""
        while self.identity_grid.count():
            item = self.identity_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget:
                widget.deleteLater()
        if not identities:
            none = QLabel("<i>no identities</i>")
            self.identity_grid.addWidget(none, 0, 0, 1, 2)
            return
        for row, (kind, value) in enumerate(identities):
            name = QLabel(IDENTITY_KINDS.get(kind, kind.replace("_", " ").capitalize()))
            name.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            shown = QLabel(value)
            shown.setTextFormat(Qt.TextFormat.PlainText)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            shown.setToolTip(value)
            shown.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            shown.setAccessibleName(f"{name.text()}: {value}")
            self.identity_grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            self.identity_grid.addWidget(shown, row, 1)

    def _fill_orders(self, p: CustomerProfile) -> None:
        """The first orders at once, the rest a chunk per event-loop turn: a customer with hundreds of
        orders never holds the GUI thread for long (the list of a profile shown since stops filling)."""
        self._orders_generation += 1
        generation = self._orders_generation
        self.orders.clear()
        self._add_orders(p.orders[:ORDERS_FIRST])
        self.orders_title.setText(self._title("Orders", len(p.orders)))
        self.orders_title.show()
        self.orders.setVisible(bool(p.orders))

        def more(start: int) -> None:
            if generation != self._orders_generation:
                return
            self._add_orders(p.orders[start:start + ORDERS_CHUNK])
            if start + ORDERS_CHUNK < len(p.orders):
                QTimer.singleShot(0, self, lambda: more(start + ORDERS_CHUNK))

        if len(p.orders) > ORDERS_FIRST:
            QTimer.singleShot(0, self, lambda: more(ORDERS_FIRST))

    def _add_orders(self, orders: list) -> None:
        items = []
        for o in orders:
            summary = order_summary(o)
            item = QTreeWidgetItem([summary])
            item.setToolTip(0, summary)
            item.setData(0, DATA_ROLE, ("order", o))
            for n, (title, qty, sku, price) in enumerate(o.lines):
                note = item_return_note(o, n)
                text = f"{qty} × {title}" + (f" ({sku})" if sku else "") + (f" — {note}" if note else "")
                line = QTreeWidgetItem([f"{text}, {money(price * qty, o.currency)}"])
                line.setData(0, DATA_ROLE, ("line", (text, money(price * qty, o.currency))))
                line.setToolTip(0, text)
                item.addChild(line)
            for number, url in zip(o.tracking_numbers or [""] * len(o.tracking_urls), o.tracking_urls, strict=False):
                track = QTreeWidgetItem([f"Track {number}".strip()])
                track.setData(0, Qt.ItemDataRole.UserRole, url)
                track.setData(0, DATA_ROLE, ("track", (number, url)))
                track.setToolTip(0, url)
                item.addChild(track)
            items.append(item)
        self.orders.setUpdatesEnabled(False)
        self.orders.addTopLevelItems(items)
        self.orders.setUpdatesEnabled(True)

    def _proposal_widget(self, prop) -> QWidget:
        box = QFrame()
        box.setFrameShape(QFrame.Shape.StyledPanel)
        box.setAccessibleName(f"Merge proposal with {prop.other_name}")
        row = QVBoxLayout(box)
        # a social contact is often named by its handle: "lucia_chen536 (lucia_chen536)" says nothing more
        ids = ", ".join([v for _, v in prop.other_identities if v.casefold() != prop.other_name.casefold()][:3])
        also = f" ({html_lib.escape(ids)})" if ids else ""
        label = QLabel(f"Same person as <b>{html_lib.escape(prop.other_name)}</b>{also}?"
                       f"<br><small>{html_lib.escape(prop.reason)}</small>")
        label.setWordWrap(True)
        buttons = QHBoxLayout()
        yes = QPushButton("Merge")
        yes.setAccessibleName(f"Confirm merge with {prop.other_name}")
        no = QPushButton("Not the same")
        no.setAccessibleName(f"Reject merge with {prop.other_name}")
        yes.clicked.connect(lambda: self.merge_decided.emit(prop.id, prop.other_customer_id, True))
        no.clicked.connect(lambda: self.merge_decided.emit(prop.id, prop.other_customer_id, False))
        buttons.addWidget(yes)
        buttons.addWidget(no)
        row.addWidget(label)
        row.addLayout(buttons)
        return box

    def _order_activated(self, item: QTreeWidgetItem, _col: int = 0) -> None:
        url = item.data(0, Qt.ItemDataRole.UserRole)
        if url and str(url).lower().startswith(("http://", "https://")):
            QDesktopServices.openUrl(QUrl(str(url)))

    def selected_order(self):
        """The order chosen in the list (a line or link under it counts), else the newest; None without orders."""
        item = self.orders.currentItem()
        while item is not None and item.parent() is not None:
            item = item.parent()
        if item is not None:
            return item.data(0, DATA_ROLE)[1]
        return self.profile.orders[0] if self.profile is not None and self.profile.orders else None

    def _order_menu(self, pos) -> None:
        item = self.orders.itemAt(pos)
        if item is None:
            return
        self.orders.setCurrentItem(item)
        order = self.selected_order()
        menu = QMenu(self)
        for kind, text in ORDER_MENU:
            menu.addAction(text, lambda k=kind: self.order_action_chosen.emit(k, order))
        menu.popup(self.orders.viewport().mapToGlobal(pos))

    def show_order_actions(self, actions: dict) -> None:
        """Under each order card, the actions queued, done or refused on it (order id -> OrderActionRow list)."""
        for i in range(self.orders.topLevelItemCount()):
            item = self.orders.topLevelItem(i)
            if item is None:
                continue
            order = item.data(0, DATA_ROLE)[1]
            for n in reversed(range(item.childCount())):
                child = item.child(n)
                if child is not None and child.data(0, ACTION_ROLE) == "action":
                    item.removeChild(child)
            for action in actions.get(order.id, []):
                mark = ACTION_MARKS.get(action.state, action.state)
                text = f"{mark}: {action.summary}" + (f" ({action.detail})" if action.detail else "")
                row = QTreeWidgetItem([text])
                row.setData(0, DATA_ROLE, ("line", (text, "")))
                row.setData(0, ACTION_ROLE, "action")
                row.setToolTip(0, text)
                item.insertChild(0, row)
                if action.state != "done":
                    item.setExpanded(True)

    def _past_activated(self, item: QListWidgetItem) -> None:
        cid = item.data(Qt.ItemDataRole.UserRole)
        if cid:
            self.conversation_opened.emit(int(cid))
