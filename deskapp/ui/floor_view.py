"""The supervisor's floor, an inner tab of the Team tab: agents with availability and workload, the SLA
clocks at risk now counting down, and the unassigned queue by age (with a count per channel).

Keyboard: in either queue, select one or many conversations (Shift/Ctrl+arrows) and press A to reassign them
(or drag them onto an agent); Enter opens them in the inbox. In the agents' list, V sets the availability
where the hub allows it (one's own; anyone's for an administrator). The cache is read on a worker thread
whenever it changed (``data_changed()``) or presence moved, and the countdowns tick every second without it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QHideEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from deskapp.services.floor import AgentLine, Floor, FloorService
from deskapp.services.presence import AVAILABILITIES
from deskapp.ui.floor_models import AgentsModel, AtRiskModel, Row, RowsModel, UnassignedModel, dropped_ids
from deskapp.ui.pickers import ChoiceDialog
from deskapp.ui.tasks import TaskRunner

TableT = TypeVar("TableT", bound=QTableView)
AVAILABILITY_EVERY_MS = 60_000  # the agents endpoint is asked again this often while the floor is shown


class KeyTable(QTableView):
    """A table that reports one letter key (without modifiers) as ``letter_pressed``."""

    letter_pressed = Signal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text().lower()
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if plain and len(text) == 1 and text.isalpha():
            self.letter_pressed.emit(text)
            return
        super().keyPressEvent(event)


class AgentsTable(KeyTable):
    """The agents' list; dropping conversations on an agent asks to reassign them."""

    dropped = Signal(list, int)  # conversation ids, agent id

    def __init__(self) -> None:
        super().__init__()
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)

    def _agent_at(self, event: QDropEvent | QDragMoveEvent) -> int | None:
        index = self.indexAt(event.position().toPoint())
        return index.data(Qt.ItemDataRole.UserRole) if index.isValid() else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        event.setAccepted(bool(dropped_ids(event.mimeData())))

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        event.setAccepted(bool(dropped_ids(event.mimeData())) and self._agent_at(event) is not None)

    def dropEvent(self, event: QDropEvent) -> None:
        ids, agent = dropped_ids(event.mimeData()), self._agent_at(event)
        if ids and agent is not None:
            event.acceptProposedAction()
            self.dropped.emit(ids, agent)


def _table(view: TableT, name: str, model: RowsModel) -> TableT:
    view.setModel(model)  # first: the header's sections exist only once there is a model
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setAlternatingRowColors(True)
    view.setSortingEnabled(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(24)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return view


class FloorView(QWidget):
    conversations_opened = Signal(list)
    status_reported = Signal(str)
    presence_moved = Signal()  # from the socket's thread to this one

    def __init__(self, service: FloorService, runner: TaskRunner, parent: QWidget | None = None, *,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self.service, self.runner, self.clock = service, runner, clock
        self.setAccessibleName("Floor")
        self.floor: Floor | None = None
        self.stale = True
        self.loading = False
        self.my_roles: dict[int, str] = {}
        self.summary = QLabel("Reading the floor…")
        self.summary.setAccessibleName("Floor summary")
        self.summary.setWordWrap(True)
        self.agents_model = AgentsModel(clock, self)
        self.at_risk_model = AtRiskModel(clock, self)
        self.unassigned_model = UnassignedModel(clock, self)
        self.agents = _table(AgentsTable(), "Agents", self.agents_model)
        self.agents.dropped.connect(self.reassign)
        self.at_risk = _table(KeyTable(), "SLA at risk now", self.at_risk_model)
        self.unassigned = _table(KeyTable(), "Unassigned queue", self.unassigned_model)
        self.at_risk_title, self.unassigned_title = QLabel("<b>SLA at risk now</b>"), QLabel("<b>Unassigned</b>")
        for queue in (self.at_risk, self.unassigned):
            queue.setDragEnabled(True)
            queue.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
            queue.activated.connect(lambda _i, q=queue: self._open(q))
            queue.letter_pressed.connect(lambda key, q=queue: self.ask_reassign(q) if key == "a" else None)
        self.agents.letter_pressed.connect(lambda key: self.ask_availability() if key == "v" else None)
        self._build()
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._clock_moved)
        self._availability_timer = QTimer(self)
        self._availability_timer.setInterval(AVAILABILITY_EVERY_MS)
        self._availability_timer.timeout.connect(self.refresh_availability)
        self.presence_moved.connect(self.data_changed, Qt.ConnectionType.QueuedConnection)
        service.board.subscribe(self.presence_moved.emit)

    def _build(self) -> None:
        help_text = QLabel("A: reassign the selected conversations (or drag them onto an agent) · "
                           "Enter: open · V on an agent: set availability")
        help_text.setAccessibleName("Floor keys")
        help_text.setStyleSheet("color: palette(mid);")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("<b>Agents</b>"))
        left_layout.addWidget(self.agents)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        for title, table in ((self.at_risk_title, self.at_risk), (self.unassigned_title, self.unassigned)):
            right_layout.addWidget(title)
            right_layout.addWidget(table, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        layout.addWidget(help_text)

    # --- reading ----------------------------------------------------------------------------------

    def data_changed(self) -> None:
        """The cache or the presence changed: read the floor again now if it is on screen, else when shown."""
        self.stale = True
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        self.stale = False
        self.loading = True
        now = int(self.clock())
        self.runner.submit(lambda: (self.service.snapshot(now=now), self.service.my_roles()),
                           on_done=self._show, on_error=self._failed, key=f"floor-{id(self)}")

    def refresh_availability(self) -> None:
        self.runner.submit(self.service.refresh_availability, background=True, key=f"floor-availability-{id(self)}")

    def _failed(self, message: str) -> None:
        self.loading = False
        self.summary.setText(f"The floor could not be read: {message}")

    def _show(self, answer: tuple[Floor, dict[int, str]]) -> None:
        self.loading = False
        floor, self.my_roles = answer
        self.floor = floor
        for view, model, rows in ((self.agents, self.agents_model, floor.agents),
                                  (self.at_risk, self.at_risk_model, floor.at_risk),
                                  (self.unassigned, self.unassigned_model, floor.unassigned)):
            self._keep_selection(view, model, rows)
        counts = {a: sum(1 for x in floor.agents if x.availability == a) for a in AVAILABILITIES}
        channels = ", ".join(f"{n} {c}" for c, n in floor.unassigned_by_channel.items()) or "none"
        self.summary.setText(
            f"<b>{len(floor.agents)}</b> agents: {counts['online']} online, {counts['busy']} busy, "
            f"{counts['offline']} offline · <b>{len(floor.at_risk)}</b> SLA at risk now · "
            f"<b>{len(floor.unassigned)}</b> unassigned ({channels})")
        self.at_risk_title.setText(f"<b>SLA at risk now</b> ({len(floor.at_risk)})")
        self.unassigned_title.setText(f"<b>Unassigned</b> ({len(floor.unassigned)}, longest waiting first)")

    @staticmethod
    def _keep_selection(view: QTableView, model: RowsModel, rows: Sequence[Row]) -> None:
        """New rows, with the same conversations or agents still selected and current."""
        selection = view.selectionModel()
        chosen = {i.data(Qt.ItemDataRole.UserRole) for i in selection.selectedRows()} if selection else set()
        current = view.currentIndex().data(Qt.ItemDataRole.UserRole) if view.currentIndex().isValid() else None
        model.set_rows(rows)
        selection = view.selectionModel()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for row, line in enumerate(model.rows):
            key = model.key(line)
            if key in chosen:
                selection.select(model.index(row, 0), flags)
            if key == current:
                selection.setCurrentIndex(model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate)

    def _clock_moved(self) -> None:
        for model in (self.agents_model, self.at_risk_model, self.unassigned_model):
            model.tick()

    # --- acting -----------------------------------------------------------------------------------

    @staticmethod
    def selected_ids(view: QTableView) -> list[int]:
        rows = view.selectionModel().selectedRows() if view.selectionModel() else []
        if not rows and view.currentIndex().isValid():
            rows = [view.currentIndex()]
        return sorted({int(i.data(Qt.ItemDataRole.UserRole)) for i in rows})

    def _open(self, view: QTableView) -> None:
        ids = self.selected_ids(view)
        if ids:
            self.conversations_opened.emit(ids)

    def ask_reassign(self, view: QTableView) -> None:
        ids = self.selected_ids(view)
        if not ids or self.floor is None:
            return
        items: list[tuple[str, Any, str]] = [
            (a.name, a.id, f"{a.availability or 'unknown'} · {a.open} open") for a in self.floor.agents]
        items.append(("Nobody (unassign)", -1, ""))
        dialog = ChoiceDialog(f"Reassign {len(ids)} conversation(s) to", items, parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen is not None:
            self.reassign(ids, dialog.chosen)

    def reassign(self, conversation_ids: list[int], agent_id: int) -> None:
        """Queue the assign actions (through the outbox, on a worker); -1 unassigns."""
        target = None if agent_id == -1 else agent_id
        name = next((a.name for a in (self.floor.agents if self.floor else []) if a.id == target), "nobody")

        def done(_result: object) -> None:
            self.status_reported.emit(f"Reassigned {len(conversation_ids)} conversation(s) to {name}")
            self.refresh()

        self.runner.submit(self.service.reassign, list(conversation_ids), target, on_done=done,
                           on_error=lambda m: self.status_reported.emit(f"Reassigning failed: {m}"))

    def current_agent(self) -> AgentLine | None:
        index = self.agents.currentIndex()
        row = self.agents_model.rows[index.row()] if index.isValid() else None
        return row if isinstance(row, AgentLine) else None

    def ask_availability(self) -> None:
        agent = self.current_agent()
        if agent is None:
            return
        if not self.service.may_set_availability(agent, self.my_roles):
            self.status_reported.emit(f"Only an administrator can set {agent.name}'s availability on the hub "
                                      "(agents set their own)")
            return
        dialog = ChoiceDialog(f"Availability of {agent.name}", [(a, a) for a in AVAILABILITIES], parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen is not None:
            self.set_availability(agent, dialog.chosen)

    def set_availability(self, agent: AgentLine, availability: str) -> None:
        def done(taken: bool) -> None:
            self.status_reported.emit(f"{agent.name} is now {availability}" if taken else
                                      f"The hub did not take {agent.name}'s availability (offline?)")

        def failed(message: str) -> None:
            self.status_reported.emit(f"Availability not set: {message}")

        self.runner.submit(self.service.set_availability, agent, availability, on_done=done, on_error=failed)

    # --- on screen --------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._tick.start()
        self._availability_timer.start()
        self.refresh_availability()
        if self.stale or self.floor is None:
            self.refresh()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._tick.stop()
        self._availability_timer.stop()

