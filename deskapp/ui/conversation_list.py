"""The conversation list of the inbox page: a QListView of two-line rows (conversation_row) whose delegate
paints a whole row in one Python call, a sort picker above it, and scroll anchoring across refreshes.

Why not QTableView: it calls into Python once per cell and role (hundreds of calls per paint); while
sync threads hold the GIL each call can wait, and scrolling during a full sync stutters. One call per
row keeps a paint of the whole viewport within a few milliseconds even then.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QSignalBlocker,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QPainter, QPalette, QPixmap, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from deskapp.ui.conversation_row import RowPainter
from deskapp.ui.inbox_model import ConversationModel

ItemIndex = QModelIndex | QPersistentModelIndex  # what Qt hands item delegates

# (sort key of services.inbox.SORT_COLUMNS, descending, what the picker says)
SORTS = [
    ("last_message_at", True, "Latest activity"),
    ("last_message_at", False, "Oldest activity"),
    ("sla_due_at", False, "SLA due first"),
    ("priority", True, "Priority"),
    ("created_at", True, "Newest created"),
    ("customer", False, "Customer A–Z"),
]


class RowDelegate(QStyledItemDelegate):
    """Paints each row once into a pixmap keyed by what it shows; a paint is then one drawPixmap.

    Every call from Python into Qt may hand the GIL to a sync thread and wait to get it back, so a
    paint that makes few calls stays fast even while a full sync runs.
    """

    MAX_CACHED = 300  # row pixmaps (two-line rows: 300 hold as many screens as 600 single-line rows did)

    def __init__(self, view: ConversationListView) -> None:
        super().__init__(view)
        self.view = view
        self._pixmaps: dict[tuple, QPixmap] = {}
        self._seen: set[tuple] = set()

    def sizeHint(self, option: QStyleOptionViewItem, index: ItemIndex) -> QSize:
        return QSize(100, self.view.painter.height)

    def clear(self) -> None:
        self._pixmaps.clear()
        self._seen.clear()

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ItemIndex) -> None:
        view = self.view
        content = view.conversations.content(index.row())
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        key = (content, selected, bool(state & QStyle.StateFlag.State_MouseOver),
               bool(state & QStyle.StateFlag.State_HasFocus), view.layout_key)
        top = option.rect.top()
        pixmap = self._pixmaps.get(key)
        if pixmap is not None:
            painter.drawPixmap(0, top, pixmap)
            return
        if key not in self._seen:
            # First sight (scrolling): draw straight away, it is cheaper than a pixmap when idle.
            if len(self._seen) >= self.MAX_CACHED * 4:
                self._seen.clear()
            self._seen.add(key)
            painter.save()
            painter.translate(0, top)
            self._draw(painter, option, content, selected)
            painter.restore()
            return
        # Painted again unchanged (refresh, hover, a sync tick): worth keeping as one pixmap.
        width = max(view.viewport().width(), 1)
        ratio = view.devicePixelRatioF()
        pixmap = QPixmap(int(width * ratio), int(view.painter.height * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        offscreen = QPainter(pixmap)
        self._draw(offscreen, option, content, selected)
        offscreen.end()
        if len(self._pixmaps) >= self.MAX_CACHED:
            self._pixmaps.clear()
        self._pixmaps[key] = pixmap
        painter.drawPixmap(0, top, pixmap)

    def _draw(self, painter: QPainter, option: QStyleOptionViewItem, content, selected: bool) -> None:
        view = self.view
        width = max(view.viewport().width(), 1)
        opt = QStyleOptionViewItem(option)
        opt.rect = opt.rect.translated(0, -opt.rect.top())
        opt.rect.setWidth(width)
        style = view.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewRow, opt, painter, view)
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, view)
        view.painter.paint(painter, width, content, option.palette, selected=selected)


class ConversationListView(QListView):
    """Rows of a ConversationModel, two lines each; ``anchor()``/``restore_anchor()`` keep what the agent
    looks at in place while a refresh re-sorts or inserts rows."""

    def __init__(self, model: ConversationModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conversations = model
        # The view lays out and selects rows of a C++ model that only mirrors the row count: laying out
        # 100k rows must not call Python (rowCount/index) 100k times. Rows are painted from `model`.
        self.rows = QStandardItemModel(0, 1, self)
        self.setModel(self.rows)
        model.modelReset.connect(self._sync_rows)
        model.rowsInserted.connect(lambda *_: self.rows.setRowCount(model.rowCount()))  # appended at the end
        model.dataChanged.connect(self._data_changed)
        self._sync_rows()
        self.painter = RowPainter(self.font())
        self.layout_key: tuple = ()
        self.empty_text = ""  # shown when the view has no rows (set once its ids are known, not while loading)
        self.setUniformItemSizes(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setLayoutMode(QListView.LayoutMode.SinglePass)  # uniform rows of a C++ model: fast, and the
        # scroll range is right at once (batched layout grows it step by step)
        self.setMouseTracking(True)
        self.setItemDelegate(RowDelegate(self))
        self._layout_changed()

    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.selectionModel().selectedIndexes()})

    def current_row(self) -> int:
        return self.currentIndex().row()

    def set_current_row(self, row: int) -> None:
        self.selectionModel().setCurrentIndex(self.rows.index(row, 0),
                                              QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def select_row(self, row: int, *, add: bool = True) -> None:
        flags = QItemSelectionModel.SelectionFlag.Select if add else QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.selectionModel().select(self.rows.index(row, 0), flags)

    def scroll_to_row(self, row: int) -> None:
        self.scrollTo(self.rows.index(row, 0))

    def row_top(self, row: int) -> int:
        """Where ``row`` starts, in viewport pixels (negative: above the visible part)."""
        return self.visualRect(self.rows.index(row, 0)).top()

    # --- keeping the viewport still across refreshes ------------------------------------------------

    def anchor(self) -> list[tuple[int, int]]:
        """(conversation id, viewport y) to hold in place: the current row when on screen, then every row
        on screen from the top. Empty at the very top with no current row on screen (new rows may show)."""
        model, height = self.conversations, self.viewport().height()
        first = self.indexAt(QPoint(0, 0)).row()
        if first < 0:
            return []
        on_screen = []
        for row in range(first, model.rowCount()):
            y = self.row_top(row)
            if y >= height:
                break
            cid = model.id_at(row)
            if cid is not None:
                on_screen.append((cid, y))
        current = model.id_at(self.current_row()) if self.current_row() >= 0 else None
        focus = [(cid, y) for cid, y in on_screen if cid == current]
        if not focus and self.verticalScrollBar().value() == 0:
            return []
        return focus + [item for item in on_screen if item not in focus]

    def restore_anchor(self, anchor: list[tuple[int, int]]) -> None:
        """Scroll so that the first anchored conversation still listed is back where it was."""
        model = self.conversations
        for cid, y in anchor:
            row = model.row_of(cid)
            if row >= 0:
                self.executeDelayedItemsLayout()  # the new row count's scroll range, now
                bar = self.verticalScrollBar()
                bar.setValue(bar.value() + self.row_top(row) - y)
                return

    # --- the mirror model -------------------------------------------------------------------------

    def _sync_rows(self) -> None:
        """The conversations were reset: same row count as them, nothing selected (the page restores it)."""
        if self.selectionModel() is not None:
            self.selectionModel().clear()
            self.selectionModel().clearCurrentIndex()  # rows now mean other conversations
        wanted = self.conversations.rowCount()
        if self.rows.rowCount() != wanted:  # grown or shrunk at the end: the scroll position stays
            self.rows.setRowCount(wanted)
        self.viewport().update()  # (accessible texts are rewritten as the rows' pages arrive)

    def _data_changed(self, top: QModelIndex, bottom: QModelIndex, *_roles) -> None:
        """Rows arrived or changed: repaint, and give screen readers their text (the mirror holds it)."""
        model = self.conversations
        if bottom.row() - top.row() < 256:
            # Quietly: the list view answers any dataChanged of its model by laying out every row again
            # on the next paint (a pass over all of them: 100 ms for a million), and it repaints below anyway.
            blocker = QSignalBlocker(self.rows)
            for row in range(top.row(), bottom.row() + 1):
                cid = model.id_at(row)
                content = model.content(row) if cid is not None and model.cached_row(cid) is not None else None
                if content is not None:
                    self.rows.setData(self.rows.index(row, 0), content.accessible_text(),
                                      Qt.ItemDataRole.AccessibleTextRole)
            blocker.unblock()
        self.viewport().update()

    def _layout_changed(self) -> None:
        self.layout_key = (self.viewport().width(), self.palette().cacheKey(), self.font().key())
        self.viewport().update()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.painter = RowPainter(self.font())
            self.scheduleDelayedItemsLayout()  # uniform rows: the size hint is asked again
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._layout_changed()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._layout_changed()

    def set_empty_text(self, text: str) -> None:
        if text != self.empty_text:
            self.empty_text = text
            self.viewport().update()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.empty_text and not self.conversations.rowCount():
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.viewport().rect().adjusted(12, 24, -12, 0),
                             int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap),
                             self.empty_text)
            painter.end()

    def viewportEvent(self, event) -> bool:
        """Tooltips come from the conversations (the mirror model the view sees holds none)."""
        if event.type() == QEvent.Type.ToolTip:
            row = self.indexAt(event.pos()).row()
            r = self.conversations.row_at(row) if row >= 0 else None
            if r is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.conversations.tooltip(r), self.viewport())
            return True
        return super().viewportEvent(event)


class SortPicker(QWidget):
    """"Sort: [Latest activity]" above the list; ``sort_chosen(key, descending)``."""

    sort_chosen = Signal(str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setAccessibleName("Sort conversations by")
        for key, descending, title in SORTS:
            self.combo.addItem(title, (key, descending))
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.currentIndexChanged.connect(self._chosen)
        label = QLabel("Sort")
        label.setBuddy(self.combo)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 2, 2)
        layout.addStretch(1)
        layout.addWidget(label)
        layout.addWidget(self.combo)
        # never the reason the list pane cannot be made narrow (the splitter honours minimum widths)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def current(self) -> tuple[str, bool]:
        key, descending = self.combo.currentData()
        return str(key), bool(descending)

    def set_current(self, key: str, descending: bool) -> None:
        for i, (k, d, _title) in enumerate(SORTS):
            if (k, d) == (key, descending):
                self.combo.setCurrentIndex(i)
                return

    def _chosen(self, _index: int) -> None:
        self.sort_chosen.emit(*self.current())
