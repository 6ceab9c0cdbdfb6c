"""The conversation list's model for the main window: a QAbstractTableModel over ids with an on-demand row cache.

Like Anki's browser table: the model holds only the view's ids; rows are read by id, a page at a
time, when the view first asks for them (a primary-key lookup of a millisecond or two), and the
cache is dropped wholesale once it grows past a few screens. Memory follows the viewport: the ids are
one packed array (8 bytes each, a million-row view is 8 MB), and an id's row is found by a byte search
in it (a few milliseconds at a million) and remembered only for the ids actually asked about.
"""

from __future__ import annotations

import sys
import time
from array import array
from collections.abc import Callable, Sequence
from functools import partial

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from deskapp.services.inbox import ConversationRow, channel_title, relative_time, sla_text
from deskapp.ui import icons
from deskapp.ui.conversation_row import RowContent, row_content

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ["Customer", "Subject", "Labels", "Status", "Age", "Assignee"]  # for data(); the list paints RowContent
PAGE = 64
MAX_CACHED = 2048
FEW_ROWS = 16  # invalidate() finds the rows of this many ids one by one (each a search of the ids)
MAX_REMEMBERED = 4096  # rows of ids asked about, kept until the ids change
ID_ROLE = Qt.ItemDataRole.UserRole + 1


def packed(ids: Sequence[int]) -> array:
    """``ids`` as the model keeps them (as is when they already are): a worker can pack a big view's ids."""
    return ids if isinstance(ids, array) and ids.typecode == "q" else array("q", ids)


RowsCallback = Callable[[dict[int, ConversationRow]], None]


class ConversationModel(QAbstractTableModel):
    """Rows = ids of the current view; ``fetch_rows(ids) -> {id: ConversationRow}`` fills the cache.

    With ``submit(ids, callback)`` the pages are read on a worker instead: the view shows the row's
    previous (stale) content or a placeholder for a few milliseconds, and the GUI thread never waits
    for SQLite while a sync is writing.
    """

    sort_requested = Signal(str, bool)  # sort key (services.inbox.SORT_COLUMNS), descending
    rows_arrived = Signal(int)  # how many rows a page brought (tests wait on it)

    def __init__(self, fetch_rows: Callable[[list[int]], dict[int, ConversationRow]], parent=None, *,
                 submit: Callable[[list[int], RowsCallback], None] | None = None) -> None:
        super().__init__(parent)
        self._fetch = fetch_rows
        self._submit = submit
        self._ids = array("q")
        self._packed: bytes | None = None  # the ids as bytes, made when a row is first looked up by id
        self._pos: dict[int, int] = {}  # rows found by id since the ids last changed
        self._cache: dict[int, ConversationRow] = {}
        self._stale: set[int] = set()
        self._inflight: set[int] = set()  # ids requested and not yet back
        self.drafts: set[int] = set()
        self.outside: set[int] = set()  # listed although no longer in the view (the open one, until left)
        self.hidden: frozenset[str] = frozenset()  # what the view says already (conversation_row.hidden_parts)
        self._content: dict[int, tuple[ConversationRow, RowContent]] = {}  # valid while its row is the same
        self.fetches = 0  # pages read: benchmarks and tests look at it
        self._bold = QFont()
        self._bold.setBold(True)
        self._urgent = QBrush(QColor("#d93025"))
        self.sort_key, self.sort_descending = "last_message_at", True

    # --- ids -----------------------------------------------------------------------------------------

    def ids(self) -> list[int]:
        return list(self._ids)

    def set_ids(self, ids: Sequence[int], *, keep_cache: bool = False, stale: set[int] | None = None) -> None:
        """``keep_cache``: rows already read stay cached, and ``stale`` ones (all with None) are read again."""
        self.beginResetModel()
        self._ids = array("q", ids)  # a copy: the caller's sequence may change
        self._packed = None
        self._pos.clear()
        if keep_cache and stale is not None:  # only these rows changed: the others merely moved
            self._stale.update(stale & self._cache.keys())
            for cid in stale:
                self._content.pop(cid, None)
        elif keep_cache:  # shown as they were until their fresh copy arrives
            self._stale.update(self._cache)
        else:
            self._cache.clear()
            self._stale.clear()
            self._content.clear()
        self.endResetModel()

    def append_ids(self, more: Sequence[int]) -> None:
        """More rows at the end (the rest of a big view, read after its first screens)."""
        if not more:
            return
        start = len(self._ids)
        self.beginInsertRows(QModelIndex(), start, start + len(more) - 1)
        self._ids.extend(packed(more))
        self._packed = None
        self._pos = {cid: row for cid, row in self._pos.items() if row >= 0}  # "not listed" may be wrong now
        self.endInsertRows()

    def is_prefix_of(self, ids: Sequence[int]) -> bool:
        """Whether ``ids`` begin with the view's ids (the rest of the view read later, say)."""
        return len(self._ids) <= len(ids) and self._ids == packed(ids[:len(self._ids)])

    def update_ids(self, ids: Sequence[int], changed: set[int] | None = None) -> bool:
        """New ids for the same view after a sync: a reset only when membership or order changed; the rows
        of ``changed`` (all with None) are read again."""
        if len(ids) == len(self._ids) and packed(ids) == self._ids:
            self.invalidate(changed)
            return False
        self.set_ids(ids, keep_cache=self._submit is not None, stale=changed)
        return True

    def invalidate(self, ids: set[int] | None = None) -> None:
        """Mark cached rows (all, or these) out of date so the next paint reads them again."""
        if not self._ids:
            return
        if ids is None:
            self._content.clear()
            if self._submit is None:
                self._cache.clear()
            else:
                self._stale.update(self._cache)
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMNS) - 1))
            return
        for cid in ids:
            self._content.pop(cid, None)
            if self._submit is None:
                self._cache.pop(cid, None)
            else:
                self._stale.add(cid)
        if len(ids) > FEW_ROWS:  # one signal for all rather than a search of the ids for each
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMNS) - 1))
            return
        for cid in ids:
            row = self.row_of(cid)
            if row >= 0:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def id_at(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, conversation_id: int) -> int:
        """The row listing ``conversation_id``, or -1."""
        row = self._pos.get(conversation_id)
        if row is None:
            row = self._search(conversation_id)
            if len(self._pos) >= MAX_REMEMBERED:
                self._pos.clear()
            self._pos[conversation_id] = row
        return row

    def _search(self, conversation_id: int) -> int:
        if not -(2**63) <= conversation_id < 2**63:
            return -1
        if self._packed is None:
            self._packed = self._ids.tobytes()
        wanted = conversation_id.to_bytes(8, sys.byteorder, signed=True)
        at = self._packed.find(wanted)
        while at >= 0 and at % 8:  # the bytes straddle two ids: look on
            at = self._packed.find(wanted, at + 1)
        return at // 8 if at >= 0 else -1

    def cached_row(self, conversation_id: int) -> ConversationRow | None:
        return self._cache.get(conversation_id)

    def cache_size(self) -> int:
        return len(self._cache)

    # --- Qt model ---------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    # flags(): QAbstractTableModel's own (enabled, selectable, never has children) — kept in C++ on purpose,
    # the view asks for it per cell on every paint.

    def row_at(self, row: int) -> ConversationRow | None:
        """The row's record for the delegate (may be stale or None while a page is on its way)."""
        return self._row(row) if 0 <= row < len(self._ids) else None

    def set_hidden(self, parts: frozenset[str]) -> None:
        """What the view says already, left out of its rows (conversation_row.hidden_parts)."""
        self.hidden = parts
        self._content.clear()

    def content(self, row: int) -> RowContent | None:
        """What the list paints for ``row`` (None while its page is on its way). Made once per row read:
        the times in it move on with the periodic invalidate() that reads the rows again."""
        r = self.row_at(row)
        if r is None:
            return None
        hit = self._content.get(r.id)
        if hit is not None and hit[0] is r:
            return hit[1]
        if len(self._content) > MAX_CACHED:
            self._content.clear()
        made = row_content(r, self.hidden, now=time.time(), draft=r.id in self.drafts, outside=r.id in self.outside)
        self._content[r.id] = (r, made)
        return made

    def urgent_cell(self, r: ConversationRow, col: int) -> bool:
        return (col == 3 and sla_text(r).startswith("SLA -")) or (col == 1 and r.priority == "urgent")

    def _row(self, row: int) -> ConversationRow | None:
        cid = self._ids[row]
        hit = self._cache.get(cid)
        if hit is not None and cid not in self._stale:
            return hit
        if cid in self._inflight:
            return hit
        if len(self._cache) > MAX_CACHED:
            self._cache = {i: r for i, r in self._cache.items() if i in self._inflight}
            self._stale &= set(self._cache)
        start = row - row % PAGE
        page = [i for i in self._ids[start:start + PAGE]
                if (i not in self._cache or i in self._stale) and i not in self._inflight]
        self.fetches += 1
        if self._submit is None:
            self._cache.update(self._fetch(page))
            self._stale.difference_update(page)
            return self._cache.get(cid)
        self._inflight.update(page)
        self._submit(page, partial(self._arrived, start, page))
        return hit

    def _arrived(self, start: int, asked: list[int], rows: dict[int, ConversationRow]) -> None:
        self._inflight.difference_update(asked)
        self._stale.difference_update(asked)
        for cid in asked:
            if cid not in rows:
                self._cache.pop(cid, None)
        self._cache.update(rows)
        wanted = set(asked)
        positions = [r for r in range(start, min(start + PAGE, len(self._ids))) if self._ids[r] in wanted]
        if len(positions) < len(wanted):  # the ids changed while the page was read: look the others up
            found = set(self._ids[r] for r in positions)
            positions += [r for r in map(self.row_of, wanted - found) if r >= 0]
        if positions:
            self.dataChanged.emit(self.index(min(positions), 0), self.index(max(positions), len(COLUMNS) - 1))
        self.rows_arrived.emit(len(rows))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if role == ID_ROLE:
            return self._ids[index.row()]
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.FontRole,
                        Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole,
                        Qt.ItemDataRole.AccessibleTextRole):
            return None
        r = self._row(index.row())
        if r is None:  # on its way from a worker (or deleted since the ids were read)
            return "…" if role == Qt.ItemDataRole.DisplayRole and index.column() == 1 else None
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.text(r, col)
        if role == Qt.ItemDataRole.DecorationRole:
            return icons.icon(r.channel) if col == 0 else None
        if role == Qt.ItemDataRole.FontRole:
            return self._bold if r.unread else None
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._urgent if self.urgent_cell(r, col) else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(r)
        return None

    def tooltip(self, r: ConversationRow) -> str:
        """All of a row, for when the list is too narrow to show it whole."""
        facts = [r.status, sla_text(r), f"assigned to {r.assignee}" if r.assignee else "unassigned",
                 (r.intent or "").replace("_", " "), ", ".join(r.labels)]
        lines = [f"{r.customer} · {channel_title(r.channel)}", r.subject[:200], r.snippet[:300],
                 " · ".join(f for f in facts if f)]
        return "\n".join(line for line in lines if line)

    def text(self, r: ConversationRow, col: int) -> str:
        if col == 0:
            return r.customer
        if col == 1:
            subject = r.subject or r.snippet
            if r.subject and r.snippet:
                subject = f"{r.subject} — {r.snippet}"
            prefix = "✎ " if r.id in self.drafts else ""
            return prefix + " ".join(subject.split())[:200]
        if col == 2:
            return ", ".join(r.labels)
        if col == 3:
            sla = sla_text(r)
            return f"{r.status} · {sla}" if sla else r.status
        if col == 4:
            return relative_time(r.last_message_at or r.created_at, time.time())
        if col == 5:
            return r.assignee or "—"
        return ""

    def set_sort(self, key: str, descending: bool) -> None:
        """Ask for the view's ids in another order (the page reads them on a worker)."""
        if (key, descending) != (self.sort_key, self.sort_descending):
            self.sort_key, self.sort_descending = key, descending
            self.sort_requested.emit(key, descending)
