"""The floor's table models (pytest-qt, offscreen): rows from the floor service as text on the view's clock, a
countdown that moves without new rows, queue rows dragged out as conversation ids, and drops of anything else."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QModelIndex, Qt

from deskapp.services.floor import AgentLine, QueueLine
from deskapp.ui.floor_models import (
    CONVERSATIONS_MIME,
    AgentsModel,
    AtRiskModel,
    UnassignedModel,
    dropped_ids,
)

NOW = 1_750_000_000
DISPLAY = Qt.ItemDataRole.DisplayRole


def agent(id_: int, name: str, availability: str, *, me: bool = False, since: int | None = None) -> AgentLine:
    return AgentLine(id_, 1, str(id_), name, "agent", me, availability, 3, 1, 0, since)


def line(cid: int, *, due_at: int | None = None, waiting_since: int | None = None, state: str = "",
         assignee: str = "") -> QueueLine:
    return QueueLine(cid, "Where is my parcel?", "email", "Support", assignee, waiting_since, due_at, None, state)


def texts(model, row: int) -> list[str]:
    return [model.data(model.index(row, c), DISPLAY) for c in range(model.columnCount())]


def test_agents_read_as_the_floor_shows_them(qtbot):
    clock = [float(NOW)]
    model = AgentsModel(lambda: clock[0])
    model.set_rows([agent(2, "Sam", "online", me=True, since=NOW - 90), agent(3, "Kim", "")])
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())] == [
        "Agent", "Availability", "Open", "Pending", "Snoozed", "Oldest waiting"]
    assert texts(model, 0) == ["Sam (me)", "online", "3", "1", "0", "1m"]
    assert texts(model, 1) == ["Kim", "unknown", "3", "1", "0", "–"]
    assert model.data(model.index(1, 0), Qt.ItemDataRole.UserRole) == 3
    assert model.data(model.index(0, 1), Qt.ItemDataRole.ForegroundRole).name() == "#2e9d57"
    assert model.data(model.index(1, 1), Qt.ItemDataRole.ForegroundRole).name() == "#8a8f98"  # not heard yet
    clock[0] += 3600
    assert texts(model, 0)[5] == "1h"  # the age follows the clock, the rows are the same


def test_the_countdown_moves_with_the_clock_and_ticks_tell_the_view(qtbot):
    clock = [float(NOW)]
    model = AtRiskModel(lambda: clock[0])
    model.set_rows([line(41, due_at=NOW + 120, state="at_risk", assignee="Kim"),
                    line(42, due_at=NOW - 59, state="breaching"), line(43)])
    assert texts(model, 0) == ["#41 Where is my parcel?", "Kim", "email", "2m left"]
    assert texts(model, 1)[1:] == ["unassigned", "email", "59s over"]
    assert texts(model, 2)[3] == "–"
    assert model.data(model.index(1, 3), Qt.ItemDataRole.ForegroundRole).name() == "#c62828"
    assert model.data(model.index(0, 3), Qt.ItemDataRole.ForegroundRole) is None
    with qtbot.waitSignal(model.dataChanged) as changed:
        clock[0] += 180
        model.tick()
    assert changed.args[0].row() == 0 and changed.args[1].row() == 2
    assert texts(model, 0)[3] == "1m over"


def test_unassigned_rows_show_how_long_they_wait(qtbot):
    model = UnassignedModel(lambda: float(NOW))
    model.set_rows([line(7, waiting_since=NOW - 90000), line(8)])
    assert texts(model, 0) == ["#7 Where is my parcel?", "email", "Support", "1d"]
    assert texts(model, 1)[3] == "replied"


def test_queue_rows_drag_out_as_ids_and_only_those_drop_back(qtbot):
    model = UnassignedModel(lambda: float(NOW))
    model.set_rows([line(9), line(7), line(8)])
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsDragEnabled
    indexes = [model.index(0, 0), model.index(0, 2), model.index(1, 1)]  # two cells of one row: one id
    data = model.mimeData(indexes)
    assert bytes(data.data(CONVERSATIONS_MIME).data()) == b"7,9"
    assert dropped_ids(data) == [7, 9]
    other = QMimeData()
    other.setText("7,9")
    assert dropped_ids(other) == []
    garbage = QMimeData()
    garbage.setData(CONVERSATIONS_MIME, b"12,x,\xff\xfe,-3, 5 ,")
    assert dropped_ids(garbage) == [12, 5]


def test_an_empty_model_and_indexes_out_of_range_give_nothing(qtbot):
    model = AtRiskModel(lambda: float(NOW))
    assert model.rowCount() == 0 and model.columnCount() == 4
    with qtbot.assertNotEmitted(model.dataChanged):
        model.tick()
    assert model.data(model.index(0, 0)) is None and model.data(QModelIndex()) is None
    model.set_rows([line(1)])
    assert model.rowCount(model.index(0, 0)) == 0  # a table: no child rows
    model.set_rows([])
    assert model.data(model.createIndex(0, 0)) is None
