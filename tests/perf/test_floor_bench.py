"""Benchmark of the supervisor's floor with 200 agents: the snapshot a worker reads (two queries plus the
grouping) and the GUI thread's share (filling the three tables), over a cache with a resolved history.

Sizes: DESKAPP_BENCH_FLOOR_AGENTS (default 200), 40 active conversations each, 500 unassigned, and
DESKAPP_BENCH_FLOOR_HISTORY (default 100000) resolved conversations of 4 messages.
Run with ``.venv/bin/python -m pytest tests/perf/test_floor_bench.py -q -s``.
"""

from __future__ import annotations

import os
import random

from deskapp.services.floor import FloorService
from deskapp.services.presence import PresenceBoard
from tests.perf.results import record
from tests.perf.timing import best_of
from tests.store.floor_fill import NOW, fill_floor

AGENTS = int(os.environ.get("DESKAPP_BENCH_FLOOR_AGENTS", "200"))
HISTORY = int(os.environ.get("DESKAPP_BENCH_FLOOR_HISTORY", "100000"))


def _history(db) -> None:
    rng = random.Random(5)
    with db.write() as conn:
        first = conn.exec_driver_sql("SELECT max(id) FROM conversation").scalar() + 1
        first_message = conn.exec_driver_sql("SELECT max(id) FROM message").scalar() + 1
        convs, msgs = [], []
        for i in range(HISTORY):
            cid, at = first + i, NOW - rng.randint(3600, 365 * 86400)
            convs.append((cid, f"h{cid}", rng.randint(1, AGENTS), at, at))
            for k in range(4):
                mid = first_message + i * 4 + k
                msgs.append((mid, f"hm{mid}", cid, "in" if k % 2 == 0 else "out", at + k * 60))
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS message_fts_ai")
        conn.connection.executemany(
            "INSERT INTO conversation(id, account_id, external_id, channel, status, assignee_id, created_at,"
            " updated_at) VALUES (?, 1, ?, 'email', 'resolved', ?, ?, ?)", convs)
        conn.connection.executemany(
            "INSERT INTO message(id, account_id, external_id, conversation_id, direction, sent_at)"
            " VALUES (?, 1, ?, ?, ?, ?)", msgs)


def test_floor_with_200_agents(db, qapp):
    from deskapp.ui.floor_view import FloorView
    from deskapp.ui.tasks import TaskRunner

    fill_floor(db, agents=AGENTS, per_agent=40, unassigned=500)
    _history(db)
    board = PresenceBoard()
    board.seed_availability(1, {str(k): ("online", "busy", "offline")[k % 3] for k in range(1, AGENTS + 1)})
    service = FloorService(db, board)
    floor = service.snapshot(now=NOW)
    assert len(floor.agents) == AGENTS and len(floor.unassigned) == 500
    snapshot_s = best_of(lambda: service.snapshot(now=NOW))
    view = FloorView(service, TaskRunner(), clock=lambda: float(NOW))
    answer = (floor, {1: "administrator"})
    show_s = best_of(lambda: view._show(answer))
    tick_s = best_of(view._clock_moved)
    print(f"\nfloor, {AGENTS} agents, {AGENTS * 40 + 500} active + {HISTORY} resolved conversations: "
          f"snapshot {snapshot_s * 1000:.1f} ms (worker), tables filled {show_s * 1000:.1f} ms and countdown "
          f"tick {tick_s * 1000:.2f} ms (GUI thread)")
    record("floor snapshot, 200 agents", round(snapshot_s * 1000, 1), "ms", None, 300)
    record("floor tables filled on the GUI thread, 200 agents", round(show_s * 1000, 1), "ms", None, 16)
    view.deleteLater()
