"""The views sidebar of the main window: built-in views, one per channel, saved views, each with a live count."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from deskapp.services.inbox import View
from deskapp.ui import icons

KEY_ROLE = Qt.ItemDataRole.UserRole


class ViewsSidebar(QTreeWidget):
    """``view_selected(View)`` when the agent picks a view (click, arrows, Enter)."""

    view_selected = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Views")
        self.setColumnCount(2)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setIndentation(8)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.header().setStretchLastSection(False)
        self.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self._views: dict[str, View] = {}
        self._items: dict[str, QTreeWidgetItem] = {}
        self.counts: dict[str, int] = {}
        self.currentItemChanged.connect(self._changed)

    def set_views(self, views: list[View], current: str | None = None) -> None:
        """Rebuild (when channels or saved views changed), keeping the current selection."""
        keys = [v.key for v in views]
        if keys == list(self._views):
            self._views = {v.key: v for v in views}
            return
        current = current or self.current_key()
        self.blockSignals(True)
        self.clear()
        self._views, self._items = {}, {}
        for view in views:
            name = "saved" if view.saved else (view.key.split(":", 1)[1] if view.key.startswith("channel:")
                                               else view.key)
            item = QTreeWidgetItem([view.title, str(self.counts.get(view.key, ""))])
            item.setIcon(0, icons.icon(name))
            item.setData(0, KEY_ROLE, view.key)
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setData(0, Qt.ItemDataRole.AccessibleTextRole, view.title)
            self.addTopLevelItem(item)
            self._views[view.key] = view
            self._items[view.key] = item
        if current in self._items:
            self.setCurrentItem(self._items[current])
        self.blockSignals(False)

    def set_counts(self, counts: dict[str, int]) -> None:
        self.counts = dict(counts)
        for key, item in self._items.items():
            n = counts.get(key)
            item.setText(1, "" if n is None else str(n))
            item.setData(0, Qt.ItemDataRole.AccessibleTextRole, f"{self._views[key].title}, {n or 0}")

    def current_key(self) -> str | None:
        item = self.currentItem()
        return item.data(0, KEY_ROLE) if item else None

    def view(self, key: str) -> View | None:
        return self._views.get(key)

    def views(self) -> list[View]:
        return list(self._views.values())

    def select(self, key: str) -> None:
        if key in self._items:
            self.setCurrentItem(self._items[key])

    def _changed(self, current: QTreeWidgetItem | None, _previous) -> None:
        if current is not None:
            view = self._views.get(current.data(0, KEY_ROLE))
            if view is not None:
                self.view_selected.emit(view)
