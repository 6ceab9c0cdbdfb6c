"""Table models of the supervisor's floor (agents, SLA at risk, unassigned queue) for ui.floor_view: rows are
plain records from deskapp.services.floor; ages and countdowns are computed from the view's clock, so the
countdown moves every second without reading the cache again. Queue rows drag out as conversation ids."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from PySide6.QtCore import QAbstractTableModel, QMimeData, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from deskapp.domain.durations import duration_text
from deskapp.services.floor import AgentLine, QueueLine

CONVERSATIONS_MIME = "application/x-deskapp-conversation-ids"
Index = QModelIndex | QPersistentModelIndex
Row = AgentLine | QueueLine


def _age(since: int | None, now: float) -> str:
    return "–" if since is None else duration_text(max(0.0, now - since), compact=True)


def _left(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{duration_text(seconds, compact=True)} left" if seconds >= 0 else \
        f"{duration_text(-seconds, compact=True)} over"


class RowsModel(QAbstractTableModel):
    """Rows of one kind with columns (title, text of a row); ``key`` names a row across refreshes."""

    columns: ClassVar[tuple[tuple[str, Callable[[Any, float], str]], ...]] = ()

    def __init__(self, clock: Callable[[], float], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        self.rows: list[Row] = []

    @staticmethod
    def key(row: Row) -> int:
        return row.id if isinstance(row, AgentLine) else row.conversation_id

    def set_rows(self, rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def tick(self) -> None:
        """The clock moved: the ages and countdowns are read again."""
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(self.columns) - 1),
                                  [Qt.ItemDataRole.DisplayRole])

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section][0]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.columns[index.column()][1](row, self.clock())
        if role == Qt.ItemDataRole.UserRole:
            return self.key(row)
        return self.styled(row, index.column(), role)

    def styled(self, row: Row, column: int, role: int) -> object:
        return None


class AgentsModel(RowsModel):
    columns = (
        ("Agent", lambda a, _n: a.name + (" (me)" if a.is_me else "")),
        ("Availability", lambda a, _n: a.availability or "unknown"),
        ("Open", lambda a, _n: str(a.open)),
        ("Pending", lambda a, _n: str(a.pending)),
        ("Snoozed", lambda a, _n: str(a.snoozed)),
        ("Oldest waiting", lambda a, n: _age(a.oldest_waiting_since, n)),
    )
    DOTS: ClassVar[dict[str, str]] = {"online": "#2e9d57", "busy": "#d98a00", "offline": "#8a8f98"}

    def styled(self, row: Row, column: int, role: int) -> object:
        if column == 1 and role == Qt.ItemDataRole.ForegroundRole and isinstance(row, AgentLine):
            return QColor(self.DOTS.get(row.availability, "#8a8f98"))
        if column >= 2 and role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class QueueModel(RowsModel):
    """Conversations (at risk, or unassigned); rows drag out as their ids."""

    def flags(self, index: Index) -> Qt.ItemFlag:
        return super().flags(index) | Qt.ItemFlag.ItemIsDragEnabled

    def mimeTypes(self) -> list[str]:
        return [CONVERSATIONS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        ids = sorted({self.key(self.rows[i.row()]) for i in indexes if i.isValid()})
        data = QMimeData()
        data.setData(CONVERSATIONS_MIME, ",".join(map(str, ids)).encode())
        return data

    def styled(self, row: Row, column: int, role: int) -> object:
        breaching = isinstance(row, QueueLine) and row.sla_state == "breaching"
        if role == Qt.ItemDataRole.ForegroundRole and breaching and column == 3:
            return QColor("#c62828")
        return None


def _subject(q: QueueLine, _now: float) -> str:
    return f"#{q.conversation_id} {q.subject}".strip()


class AtRiskModel(QueueModel):
    columns = (
        ("Conversation", _subject),
        ("Assignee", lambda q, _n: q.assignee or "unassigned"),
        ("Channel", lambda q, _n: q.channel),
        ("First reply due", lambda q, n: _left(None if q.due_at is None else q.due_at - n)),
    )


class UnassignedModel(QueueModel):
    columns = (
        ("Conversation", _subject),
        ("Channel", lambda q, _n: q.channel),
        ("Inbox", lambda q, _n: q.inbox_name),
        ("Waiting", lambda q, n: "replied" if q.waiting_since is None else _age(q.waiting_since, n)),
    )


def dropped_ids(data: QMimeData) -> list[int]:
    """The conversation ids a drag carries (none when it carries something else or garbage)."""
    if not data.hasFormat(CONVERSATIONS_MIME):
        return []
    raw = bytes(data.data(CONVERSATIONS_MIME).data()).decode("ascii", "replace")
    return [int(p) for p in raw.split(",") if p.strip().isdigit()]
