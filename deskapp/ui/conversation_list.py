"""The conversation list view for the inbox page: a QListView whose delegate paints a whole row (all
columns) in one Python call, under a sortable, resizable QHeaderView.

Why not QTableView: it calls into Python once per cell and role (hundreds of calls per paint); while
sync threads hold the GIL each call can wait, and scrolling during a full sync stutters. One call per
row keeps a paint of the whole viewport within a few milliseconds even then.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPixmap, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from deskapp.ui import icons
from deskapp.ui.inbox_model import COLUMNS, ConversationModel

ROW_HEIGHT = 26
PAD = 6


class RowDelegate(QStyledItemDelegate):
    """Renders each row once into a pixmap keyed by what it shows; a paint is then one drawPixmap.

    Every call from Python into Qt may hand the GIL to a sync thread and wait to get it back, so a
    paint that makes few calls stays fast even while a full sync runs.
    """

    MAX_CACHED = 600

    def __init__(self, view: ConversationListView) -> None:
        super().__init__(view)
        self.view = view
        self._urgent = QColor("#d93025")
        self._pixmaps: dict[tuple, QPixmap] = {}
        self._seen: set[tuple] = set()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return QSize(100, ROW_HEIGHT)

    def clear(self) -> None:
        self._pixmaps.clear()
        self._seen.clear()

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        model = self.view.conversations
        r = model.row_at(index.row())
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        if r is None:
            texts: tuple[str, ...] = ("", "…", "", "", "", "")
            key: tuple = (texts, "", False, selected, (), "")
        else:
            texts = tuple(model.text(r, col) for col in range(len(COLUMNS)))
            urgent = tuple(col for col in (1, 3) if model.urgent_cell(r, col))
            key = (texts, r.channel, bool(r.unread), selected, urgent, "")
        key = (*key, bool(state & QStyle.StateFlag.State_MouseOver), bool(state & QStyle.StateFlag.State_HasFocus),
               bool(option.features & QStyleOptionViewItem.ViewItemFeature.Alternate), self.view.layout_key)
        pixmap = self._pixmaps.get(key)
        if pixmap is not None:
            painter.drawPixmap(0, option.rect.top(), pixmap)
            return
        if key not in self._seen:
            # First sight (scrolling): draw straight away, it is cheaper than a pixmap when idle.
            if len(self._seen) >= self.MAX_CACHED * 4:
                self._seen.clear()
            self._seen.add(key)
            painter.save()
            painter.translate(0, option.rect.top())
            self._draw(painter, option, index, r, texts, key)
            painter.restore()
            return
        # Painted again unchanged (refresh, hover, a sync tick): worth keeping as one pixmap.
        view = self.view
        width = max(view.viewport().width(), 1)
        ratio = view.devicePixelRatioF()
        pixmap = QPixmap(int(width * ratio), int(ROW_HEIGHT * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        offscreen = QPainter(pixmap)
        self._draw(offscreen, option, index, r, texts, key)
        offscreen.end()
        if len(self._pixmaps) >= self.MAX_CACHED:
            self._pixmaps.clear()
        self._pixmaps[key] = pixmap
        painter.drawPixmap(0, option.rect.top(), pixmap)

    def _draw(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex, r,
              texts: tuple[str, ...], key: tuple) -> None:
        """The row at (0, 0) of ``painter``: background, icon, and each column's elided text."""
        view = self.view
        width = max(view.viewport().width(), 1)
        opt = QStyleOptionViewItem(option)
        opt.rect = QRect(0, 0, width, ROW_HEIGHT)
        opt.index = index
        style = view.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewRow, opt, painter, view)
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, view)
        selected = key[3]
        normal = option.palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        font = QFont(option.font)
        font.setBold(key[2])
        painter.setFont(font)
        metrics = painter.fontMetrics()
        for col, (x, size) in enumerate(view.columns):
            if size <= 0:
                continue
            cell = QRect(x + PAD, 0, size - 2 * PAD, ROW_HEIGHT)
            if col == 0 and r is not None:
                icons.icon(r.channel).paint(painter, QRect(cell.left(), ROW_HEIGHT // 2 - 8, 16, 16))
                cell.setLeft(cell.left() + 22)
            painter.setPen(self._urgent if col in key[4] and not selected else normal)
            painter.drawText(cell, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                             metrics.elidedText(texts[col], Qt.TextElideMode.ElideRight, max(cell.width(), 0)))


class ConversationListView(QListView):
    """Rows of a ConversationModel; ``header`` sorts (click) and sizes the columns (drag), persisted."""

    def __init__(self, model: ConversationModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conversations = model
        # The view lays out and selects rows of a C++ model that only mirrors the row count: laying out
        # 100k rows must not call Python (rowCount/index) 100k times. Cells are painted from `model`.
        self.rows = QStandardItemModel(0, 1, self)
        self.setModel(self.rows)
        model.modelReset.connect(self._sync_rows)
        model.rowsInserted.connect(lambda *_: self.rows.setRowCount(model.rowCount()))  # appended at the end
        model.dataChanged.connect(self._data_changed)
        self._sync_rows()
        self.setUniformItemSizes(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAlternatingRowColors(True)
        self.setLayoutMode(QListView.LayoutMode.SinglePass)  # uniform rows of a C++ model: fast, and the
        # scroll range is right at once (batched layout grows it step by step)
        self.setItemDelegate(RowDelegate(self))
        self.header = QHeaderView(Qt.Orientation.Horizontal, self)
        self.header.setModel(model)
        self.header.setSectionsClickable(True)
        self.header.setSortIndicatorShown(True)
        self.header.setHighlightSections(False)
        self.header.setStretchLastSection(False)
        self.header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.header.setSortIndicator(4, Qt.SortOrder.AscendingOrder)
        self.header.sortIndicatorChanged.connect(lambda col, order: model.sort(col, order))
        self.columns: list[tuple[int, int]] = []  # (x, width) per column, hidden = width 0
        self.layout_key: tuple = ()
        self.header.sectionResized.connect(lambda *_: self._columns_changed())
        self.header.sectionMoved.connect(lambda *_: self._columns_changed())
        self.header.geometriesChanged.connect(self._place_header)
        self.header.setAccessibleName("Conversation list columns")

    def columnWidth(self, col: int) -> int:
        return self.header.sectionSize(col)

    def setColumnWidth(self, col: int, width: int) -> None:
        self.header.resizeSection(col, width)

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
            for row in range(top.row(), bottom.row() + 1):
                r = model.cached_row(model.id_at(row) or -1)
                if r is not None:
                    text = ", ".join(t for t in (model.text(r, c) for c in range(len(COLUMNS))) if t)
                    self.rows.setData(self.rows.index(row, 0), text, Qt.ItemDataRole.AccessibleTextRole)
        self.viewport().update()

    def _columns_changed(self) -> None:
        self.columns = [(self.header.sectionViewportPosition(c),
                         0 if self.header.isSectionHidden(c) else self.header.sectionSize(c))
                        for c in range(len(COLUMNS))]
        self.layout_key = (self.viewport().width(), tuple(self.columns), self.palette().cacheKey())
        self.viewport().update()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._columns_changed()

    def _place_header(self) -> None:
        height = self.header.sizeHint().height()
        self.setViewportMargins(0, height, 0, 0)
        rect = self.viewport().geometry()
        self.header.setGeometry(rect.left(), rect.top() - height, rect.width(), height)
        self._columns_changed()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_header()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._place_header()
