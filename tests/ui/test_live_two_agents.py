"""Two deskapp instances on one demo hub, end to end: an agent's and a supervisor's workspace (separate data
folders) in one process, each with its main window, sync engine and hub socket started as ui/app.py starts them.
A customer's message shows in both within a second; the agent's typing shows in the supervisor's thread (and
not in the agent's own); the supervisor's floor lists both online and moves within a second of the hub's event
as the agent works; with the socket blocked a new message still reaches both, by polling. The timings printed
(-s) are observations; the figures of record are tests/perf/test_live_bench.py's."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from deskapp.bootstrap import build_services, build_sync_engine, open_workspace
from deskapp.demo.server import DemoServer
from deskapp.domain import AccountKind
from deskapp.services import accounts as account_service
from deskapp.ui import app as ui_app
from deskapp.ui.main_window import REFRESH_EVERY_MS
from tests.demo.conftest import PINNED_NOW
from tests.faults.conftest import trim_world
from tests.sync.live_fixture import customer_writes, message_rows

pytestmark = pytest.mark.timeout(300)

KEEP = 120  # conversations of the seeded world kept: the first sync of each instance takes seconds
SYNC_TIMEOUT_MS = 120_000
SHOWN_WITHIN_MS = 1000  # the "within a second", from the customer's post to both screens
ALEX, SAM = "2", "1"  # the hub's ids of the demo agent (chatwoot_token) and its administrator (supervisor_token)


@dataclass
class Instance:
    session: ui_app.Session
    account_id: int  # the hub account's id in this instance's cache

    @property
    def window(self):
        return self.session.window

    def local_conversation(self, hub_id: int) -> int:
        with self.session.workspace.db.read() as conn:
            return conn.exec_driver_sql("SELECT id FROM conversation WHERE account_id = ? AND external_id = ?",
                                        (self.account_id, str(hub_id))).scalar_one()

    def local_agent(self, hub_id: str) -> int:
        with self.session.workspace.db.read() as conn:
            return conn.exec_driver_sql("SELECT id FROM agent WHERE account_id = ? AND external_id = ?",
                                        (self.account_id, hub_id)).scalar_one()

    def live(self) -> bool:
        hub_live, engine = self.session.hub_live, self.session.engine
        return (hub_live is not None and engine is not None and hub_live.is_live(self.account_id)
                and engine.is_live(self.account_id))

    def shows(self, text: str) -> bool:
        return text in self.window.page.thread_view.toPlainText()


def start_instance(tmp_path, name: str, info: dict, token: str, clock) -> Instance:
    ws = open_workspace(tmp_path / name)
    account_id = account_service.add_account(ws, AccountKind.CHATWOOT, "Demo support hub", info["url"], token,
                                             {"account_id": info["chatwoot_account_id"]})
    services = build_services(ws)
    # the outbox's undo window shortened, so the agent's actions reach the hub in the test's time
    services.sync_engine = partial(build_sync_engine, ws, hub_lists=True, replay_options={"hold_s": 0.2})
    session = ui_app.start(ws, services, {"headless": True, "window_size": (1280, 800)}, clock=clock)
    assert session is not None
    return Instance(session, account_id)


@pytest.fixture
def hub() -> Iterator[DemoServer]:
    server = DemoServer(seed=4, scale="small", live=False, now=PINNED_NOW)  # no traffic of its own
    server.start()
    trim_world(server, KEEP)  # all resolved but one: open two of them, as the scene needs (before any sync)
    with server.state.lock:
        mine = next(c for c in server.state.conversations if c.assignee_id == int(ALEX))
        queued = next(c for c in server.state.conversations if c.assignee_id not in (None, int(ALEX)))
        mine.status, queued.status, queued.assignee_id = "open", "open", None
    yield server
    server.stop()


@pytest.fixture
def two(tmp_path, qtbot, hub) -> Iterator[tuple[Instance, Instance]]:
    info = hub.info()
    clock = hub.state.now  # the dashboards' "now" is the hub's (pinned) time
    agent = start_instance(tmp_path, "agent", info, info["chatwoot_token"], clock)
    supervisor = start_instance(tmp_path, "supervisor", info, info["supervisor_token"], clock)
    try:
        for one in (agent, supervisor):
            qtbot.waitUntil(lambda one=one: one.account_id in one.window.passes_done, timeout=SYNC_TIMEOUT_MS)
            qtbot.waitUntil(one.live, timeout=30_000)
        yield agent, supervisor
    finally:
        for one in (agent, supervisor):  # first the feeds, so no sync event reaches a closing window
            if one.session.hub_live is not None:
                one.session.hub_live.stop()
            if one.session.engine is not None:
                one.session.engine.stop()
        for one in (agent, supervisor):
            one.session.close()
            if one.session.services.typing is not None:
                one.session.services.typing.close()
            one.window.tasks.wait(10_000)
            one.session.workspace.close()


def open_in_both(qtbot, instances: tuple[Instance, ...], hub_id: int) -> None:
    for one in instances:
        page = one.window.page
        page.open_conversation(one.local_conversation(hub_id))
        qtbot.waitUntil(lambda page=page: page.opened is not None and page.opened.thread.header is not None
                        and page.opened.thread.header.external_id == str(hub_id)
                        and not page.thread_view.rendering, timeout=10_000)


def settle(qtbot, instances: tuple[Instance, ...]) -> None:
    """Both windows idle for a moment, as between a customer's messages: the views re-read at most every
    REFRESH_EVERY_MS, so a change right after another (opening a conversation marks it read) waits for that."""
    qtbot.waitUntil(lambda: not any(one.window.refresh_pending() or one.window.tasks.busy() for one in instances),
                    timeout=10_000)
    qtbot.wait(REFRESH_EVERY_MS)


def agent_row(floor, name: str) -> list[str] | None:
    model = floor.agents_model
    for row in range(model.rowCount()):
        cells = [model.index(row, c).data() for c in range(model.columnCount())]
        if cells[0] == name:
            return cells
    return None


def alex_open_conversation(hub: DemoServer) -> int:
    with hub.state.lock:
        return next(c.id for c in hub.state.conversations if c.assignee_id == int(ALEX) and c.status == "open")


def unassigned_open_conversation(hub: DemoServer) -> int:
    with hub.state.lock:
        return next(c.id for c in hub.state.conversations if c.assignee_id is None and c.status == "open")


def test_two_agents_on_one_hub_see_each_other_live(two, hub, qtbot):
    agent, supervisor = two
    conv = alex_open_conversation(hub)
    open_in_both(qtbot, two, conv)
    settle(qtbot, two)

    # 1. a customer writes: both inboxes show it within a second, brought by the socket
    started = time.monotonic()
    message_id = customer_writes(hub, conv, "Is my parcel on its way? (first)")
    qtbot.waitUntil(lambda: all(message_rows(one.session.workspace.db, one.account_id, message_id) for one in two),
                    timeout=SHOWN_WITHIN_MS)
    in_caches = time.monotonic() - started
    qtbot.waitUntil(lambda: agent.shows("(first)") and supervisor.shows("(first)"),  # in the same second
                    timeout=max(1, SHOWN_WITHIN_MS - int(in_caches * 1000)))
    print(f"\ncustomer's message in both caches after {in_caches:.3f} s, on both screens after "
          f"{time.monotonic() - started:.3f} s (socket)")

    # 2. the agent types: the supervisor's thread says so; the agent's own does not
    agent.window.activateWindow()
    editor = agent.window.page.composer.editor
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus, timeout=5000)
    QTest.keyClicks(editor, "Let me check the tracking")
    sup_line = supervisor.window.actions_ctl.guard.line
    agent_line = agent.window.actions_ctl.guard.line
    qtbot.waitUntil(lambda: sup_line.isVisible() and sup_line.text() == "Alex Chen is typing…", timeout=5000)
    qtbot.wait(1200)  # one more tick of the agent's typing line
    assert not agent_line.isVisible() and agent_line.text() == ""

    # 3. the supervisor's floor lists both agents, online
    ui_app.open_tab(supervisor.window, "floor")
    qtbot.waitUntil(lambda: supervisor.window.performance.floor is not None
                    and supervisor.window.performance.floor.isVisible(), timeout=30_000)
    floor = supervisor.window.performance.floor
    qtbot.waitUntil(lambda: (agent_row(floor, "Alex Chen") or [""] * 2)[1] == "online"
                    and (agent_row(floor, "Sam Rivera (me)") or [""] * 2)[1] == "online", timeout=5000)
    alex_open = int(agent_row(floor, "Alex Chen")[2])
    unassigned = floor.unassigned_model.rowCount()

    # 4. the agent replies by keyboard: the supervisor reads it, and the typing line goes
    QTest.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: supervisor.shows("Let me check the tracking"), timeout=15_000)
    qtbot.waitUntil(lambda: not sup_line.isVisible(), timeout=5000)

    # 5. the agent takes an unassigned conversation: the floor's counts move
    taken = unassigned_open_conversation(hub)
    settle(qtbot, two)
    actions = agent.session.services.actions
    assert actions is not None
    actions.on_each([agent.local_conversation(taken)], "assign", agent.local_agent(ALEX))
    qtbot.waitUntil(lambda: hub.state.conversation(taken).assignee_id == int(ALEX), timeout=15_000)  # outbox
    started = time.monotonic()
    qtbot.waitUntil(lambda: int(agent_row(floor, "Alex Chen")[2]) == alex_open + 1
                    and floor.unassigned_model.rowCount() == unassigned - 1, timeout=SHOWN_WITHIN_MS)
    print(f"the supervisor's floor moved {time.monotonic() - started:.3f} s after the hub's assignment")

    # 6. the socket is blocked: a customer's message still reaches both, by polling
    for one in two:
        one.session.engine.interval = 0.5
    hub.set_faults(cable_blocked=True)
    qtbot.waitUntil(lambda: not agent.live() and not supervisor.live(), timeout=10_000)
    started = time.monotonic()
    customer_writes(hub, conv, "Hello, anyone there? (second)")
    qtbot.waitUntil(lambda: agent.shows("(second)") and supervisor.shows("(second)"), timeout=10_000)
    print(f"customer's message on both screens after {time.monotonic() - started:.3f} s (polling every 0.5 s)")
    assert not agent.live() and not supervisor.live()
