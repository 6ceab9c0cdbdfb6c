"""The floor on the Team tab: what it shows, the countdown, reassigning by keyboard and by drag through the
outbox, availability by role, presence moving it within a second, and no SQL on the GUI thread."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication
from sqlalchemy import event

from deskapp.services.floor import FloorService
from deskapp.services.presence import PresenceBoard
from deskapp.ui.floor_models import CONVERSATIONS_MIME
from deskapp.ui.floor_view import FloorView
from deskapp.ui.pickers import ChoiceDialog
from deskapp.ui.tasks import TaskRunner
from tests.store.floor_fill import NOW, fill_floor


class Clock:
    def __init__(self) -> None:
        self.t = float(NOW)

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def floor(qtbot, ws, actions):
    fill_floor(ws.db, agents=3, per_agent=4, unassigned=3)
    clock = Clock()
    board = PresenceBoard()
    view = FloorView(FloorService(ws.db, board, actions=actions), TaskRunner(), clock=clock)
    view.clock_value = clock
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    qtbot.waitUntil(lambda: view.floor is not None and not view.loading, timeout=10_000)
    yield view
    view.runner.wait(10_000)


def cell(model, row: int, column: int) -> str:
    return model.index(row, column).data()


def test_the_floor_shows_agents_clocks_and_the_queue(floor):
    assert [cell(floor.agents_model, r, 0) for r in range(3)] == ["Ada Admin (me)", "Agent 002", "Agent 003"]
    assert [cell(floor.agents_model, 1, c) for c in range(6)] == ["Agent 002", "unknown", "2", "1", "1", "20m"]
    assert [cell(floor.at_risk_model, r, 3) for r in range(4)] == ["10s over", "30s left", "30s left", "30s left"]
    assert [cell(floor.unassigned_model, r, 3) for r in range(3)] == ["15m", "10m", "5m"]
    assert "<b>3</b> unassigned (1 whatsapp, 1 email, 1 web_chat)" in floor.summary.text()
    assert "<b>4</b> SLA at risk now" in floor.summary.text()
    floor.clock_value.t += 25  # the countdown moves with the clock, without reading the cache
    floor._clock_moved()
    assert [cell(floor.at_risk_model, r, 3) for r in range(2)] == ["35s over", "5s left"]


def answer_dialog(qtbot, text: str) -> None:
    """When the picker opens: type ``text`` and press Enter."""
    def answer() -> None:
        dialog = next((w for w in QApplication.topLevelWidgets() if isinstance(w, ChoiceDialog) and w.isVisible()),
                      None)
        if dialog is None:
            QTimer.singleShot(50, answer)
            return
        qtbot.keyClicks(dialog.filter, text)
        qtbot.keyClick(dialog.filter, Qt.Key.Key_Return)

    QTimer.singleShot(50, answer)


def test_reassign_many_by_keyboard_goes_through_the_outbox(qtbot, floor, actions):
    table = floor.unassigned
    table.setFocus()
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)  # two conversations
    assert floor.selected_ids(table) == [14, 15]
    answer_dialog(qtbot, "Agent 003")
    qtbot.keyClick(table, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: len(actions.outbox.open_items()) == 2, timeout=10_000)
    assert {i.payload["assignee_external_id"] for i in actions.outbox.open_items()} == {"3"}
    qtbot.waitUntil(lambda: floor.unassigned_model.rowCount() == 1, timeout=10_000)
    assert cell(floor.agents_model, 2, 2) == "4"  # Agent 003: two more open


def test_dropping_conversations_on_an_agent_reassigns_them(qtbot, floor, actions):
    data = QMimeData()
    data.setData(CONVERSATIONS_MIME, b"13")
    target = floor.agents.visualRect(floor.agents_model.index(1, 0)).center()
    drop = QDropEvent(QPointF(target), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    floor.agents.dropEvent(drop)
    qtbot.waitUntil(lambda: len(actions.outbox.open_items()) == 1, timeout=10_000)
    assert actions.outbox.open_items()[0].payload["assignee_external_id"] == "2"
    junk = QMimeData()
    junk.setData(CONVERSATIONS_MIME, b"x,,;DROP TABLE")
    floor.agents.dropEvent(QDropEvent(QPointF(target), Qt.DropAction.CopyAction, junk, Qt.MouseButton.LeftButton,
                                      Qt.KeyboardModifier.NoModifier))
    floor.runner.wait(10_000)
    assert len(actions.outbox.open_items()) == 1


def test_presence_moves_the_floor_within_a_second(qtbot, floor):
    feeder = threading.Thread(target=floor.service.board.on_event,
                              args=(1, "presence.update", {"account_id": 1, "users": {"2": "busy", "1": "online"}}))
    feeder.start()  # as the socket's thread would
    feeder.join()
    qtbot.waitUntil(lambda: cell(floor.agents_model, 1, 1) == "busy", timeout=1000)
    assert [cell(floor.agents_model, r, 1) for r in range(3)] == ["online", "busy", "offline"]


def test_availability_only_where_the_role_allows(qtbot, floor):
    floor.my_roles = {1: "agent"}  # signed in as a plain agent
    reported: list[str] = []
    floor.status_reported.connect(reported.append)
    floor.agents.setFocus()
    floor.agents.selectRow(1)
    qtbot.keyClick(floor.agents, Qt.Key.Key_V)
    assert reported and "Only an administrator" in reported[-1]
    floor.agents.selectRow(0)  # their own: allowed; this floor has no hub connection, which it says
    answer_dialog(qtbot, "busy")
    qtbot.keyClick(floor.agents, Qt.Key.Key_V)
    qtbot.waitUntil(lambda: "Availability not set" in reported[-1], timeout=10_000)


def test_refreshing_runs_no_sql_on_the_gui_thread(qtbot, floor, ws):
    main = threading.main_thread()
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_rest) -> None:
        if threading.current_thread() is main:
            seen.append(statement)

    event.listen(ws.db.engine, "before_cursor_execute", record)
    try:
        before = floor.floor
        floor.data_changed()
        qtbot.waitUntil(lambda: floor.floor is not before and not floor.loading, timeout=10_000)
        floor._clock_moved()
        floor.service.board.seed_availability(1, {"3": "online"})
        qtbot.waitUntil(lambda: cell(floor.agents_model, 2, 1) == "online", timeout=1000)
    finally:
        event.remove(ws.db.engine, "before_cursor_execute", record)
    assert seen == []


def test_an_ingest_shows_on_the_floor_within_a_second(qtbot, floor, ws):
    def ingest() -> None:  # a new unassigned conversation, written by the sync's thread
        with ws.db.write() as conn:
            conn.exec_driver_sql("INSERT INTO conversation(id, account_id, external_id, channel, subject, status,"
                                 " created_at, updated_at) VALUES (99, 1, '99', 'sms', 'New one', 'open', ?, ?)",
                                 (NOW, NOW))

    worker = threading.Thread(target=ingest)
    worker.start()
    worker.join()
    floor.data_changed()  # what the window tells the Team tab after a sync batch
    qtbot.waitUntil(lambda: floor.unassigned_model.rowCount() == 4, timeout=1000)
    assert "1 sms" in floor.summary.text()
