"""Keyboard-first pickers for the main window: a filterable choice list (assign, snooze, priority, command
palette, templates), a label editor and the shortcut help."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QIcon, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

# How far the arrow and page keys move the highlighted entry (QKeyEvent.key() gives the plain int).
_LIST_STEPS: dict[int, int] = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 10, Qt.Key.Key_PageUp: -10}


class ChoiceDialog(QDialog):
    """Type to filter, arrows to move, Enter to choose; ``chosen`` holds the item's data."""

    def __init__(self, title: str, items: list[tuple[str, Any]] | list[tuple[str, Any, str]], *,
                 parent: QWidget | None = None, filter_text: str = "", placeholder: str = "Type to filter",
                 icons: dict[str, QIcon] | None = None, preview: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.resize(460, 380)
        self.chosen: Any = None
        self._items = items
        layout = QVBoxLayout(self)
        self.filter = QLineEdit(filter_text)
        self.filter.setPlaceholderText(placeholder)
        self.filter.setAccessibleName(f"{title}: filter")
        self.list = QListWidget()
        self.list.setAccessibleName(title)
        self.preview = QLabel() if preview else None
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        if self.preview is not None:
            self.preview.setWordWrap(True)
            self.preview.setAccessibleName("Preview")
            self.preview.setTextFormat(Qt.TextFormat.PlainText)
            self.preview.setMaximumHeight(140)
            layout.addWidget(self.preview)
            self.list.currentItemChanged.connect(self._preview)
        self.filter.textChanged.connect(self._refill)
        self.filter.installEventFilter(self)
        self.list.itemActivated.connect(self._accept_item)
        self.list.itemDoubleClicked.connect(self._accept_item)
        self._icons = icons or {}
        self._refill()

    def _refill(self) -> None:
        words = self.filter.text().lower().split()
        self.list.clear()
        for entry in self._items:
            label, data = entry[0], entry[1]
            hint = entry[2] if len(entry) > 2 else ""
            hay = f"{label} {hint}".lower()
            if all(w in hay for w in words):
                item = QListWidgetItem(label if not hint or self.preview else f"{label}    {hint}")
                item.setData(Qt.ItemDataRole.UserRole, data)
                item.setData(Qt.ItemDataRole.UserRole + 1, hint)
                if label in self._icons:
                    item.setIcon(self._icons[label])
                self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _preview(self, item: QListWidgetItem | None, _prev=None) -> None:
        if self.preview is not None:
            self.preview.setText(str(item.data(Qt.ItemDataRole.UserRole + 1)) if item else "")

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.filter and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                row = self.list.currentRow() + _LIST_STEPS[key]
                self.list.setCurrentRow(max(0, min(self.list.count() - 1, row)))
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self.list.currentItem() is not None:
                    self._accept_item(self.list.currentItem())
                return True
        return super().eventFilter(obj, event)

    def _accept_item(self, item: QListWidgetItem) -> None:
        self.chosen = item.data(Qt.ItemDataRole.UserRole)
        self.accept()


class LabelDialog(QDialog):
    """Tick the conversation's labels; type a new one and press Enter to add it."""

    def __init__(self, current: list[str], known: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Labels")
        self.setAccessibleName("Labels")
        self.resize(360, 380)
        layout = QVBoxLayout(self)
        self.new = QLineEdit()
        self.new.setPlaceholderText("New label, Enter to add")
        self.new.setAccessibleName("New label")
        self.new.returnPressed.connect(self._add)
        self.list = QListWidget()
        self.list.setAccessibleName("Labels")
        for label in dict.fromkeys([*current, *known]):
            self._item(label, label in current)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(self.new)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.list.itemActivated.connect(self._toggle)

    def _item(self, label: str, checked: bool) -> None:
        item = QListWidgetItem(label)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.list.addItem(item)

    def _toggle(self, item: QListWidgetItem) -> None:
        item.setCheckState(Qt.CheckState.Unchecked if item.checkState() == Qt.CheckState.Checked
                           else Qt.CheckState.Checked)

    def _add(self) -> None:
        label = self.new.text().strip()
        if label:
            existing = self.list.findItems(label, Qt.MatchFlag.MatchFixedString)
            if existing:
                existing[0].setCheckState(Qt.CheckState.Checked)
            else:
                self._item(label, True)
            self.new.clear()
        else:
            self.accept()

    def labels(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]


class HelpDialog(QDialog):
    """Every shortcut and command, from the window's actions."""

    def __init__(self, rows: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setAccessibleName("Keyboard shortcuts")
        self.resize(440, 520)
        table = QTableWidget(len(rows), 2)
        table.setHorizontalHeaderLabels(["Key", "Action"])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for i, (key, what) in enumerate(rows):
            table.setItem(i, 0, QTableWidgetItem(key))
            table.setItem(i, 1, QTableWidgetItem(what))
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
