"""Benchmark of the hub's reports on the demo floor: demo start with and without a floor of 200 agents, and
the Team tab's read of the hub (summary, team and agent summaries, live counts) over loopback HTTP, the first
one (the hub builds its reporting events) and warm ones, and after live traffic changed a few conversations.
Run with ``make bench`` (or ``.venv/bin/python -m pytest tests/perf/test_hub_reports_bench.py -q -s``);
DESKAPP_BENCH_HUB_SCALE=large measures the 100k-conversation world.
"""

from __future__ import annotations

import os
import random
import statistics
import time

from deskapp.connectors.chatwoot_reports import ChatwootReports
from deskapp.demo.live import live_tick
from deskapp.demo.server import DemoServer
from deskapp.services.hub_reports import REPORTS_POLICY
from deskapp.sync.registry import chatwoot_http
from tests.perf.results import record

NOW = 1748865600  # the seeded history's end: the same world on every run
SCALE = os.environ.get("DESKAPP_BENCH_HUB_SCALE", "small")
FLOOR = 200
WARM_RUNS = 10


def _start(floor: int) -> tuple[float, DemoServer]:
    started = time.perf_counter()
    server = DemoServer(scale=SCALE, live=False, now=NOW, floor_agents=floor)
    return time.perf_counter() - started, server


def _team_tab_read(client: ChatwootReports) -> float:
    """What the Team tab's hub figures cost: the same requests HubReportService makes."""
    since, until = NOW - 7 * 86400, NOW
    started = time.perf_counter()
    client.names("teams")
    client.names("agents")
    client.summary(since, until)
    client.group_summaries("team", since, until)
    client.group_summaries("agent", since, until)
    client.live_counts()
    return time.perf_counter() - started


def test_hub_reports_on_a_floor_of_200_agents() -> None:
    _start(0)  # imports and first allocations: not part of either figure
    default_s, _plain = _start(0)
    floor_s, server = _start(FLOOR)
    with server:
        info = server.info()
        http = chatwoot_http(info["url"], info["supervisor_token"], **(REPORTS_POLICY | {"timeout": (5, 600)}))
        client = ChatwootReports(http, info["chatwoot_account_id"])
        first = _team_tab_read(client)
        warm = statistics.median(_team_tab_read(client) for _ in range(WARM_RUNS))
        rng = random.Random(5)
        for _ in range(20):
            live_tick(server.state, rng)
        after_live = _team_tab_read(client)
    print(f"\n{SCALE}: demo start {default_s:.2f} s, with {FLOOR} agents {floor_s:.2f} s; Team tab read: first"
          f" {first * 1000:.0f} ms, warm median {warm * 1000:.0f} ms, after 20 live events {after_live * 1000:.0f} ms")
    record(f"hub_reports_demo_start_floor_{FLOOR}_{SCALE}_s", round(floor_s, 3), "s", round(default_s, 3), None)
    record(f"hub_reports_team_tab_first_{SCALE}_ms", round(first * 1000, 1), "ms", None, None)
    record(f"hub_reports_team_tab_warm_{SCALE}_ms", round(warm * 1000, 1), "ms", round(first * 1000, 1), 500)
    record(f"hub_reports_team_tab_after_live_{SCALE}_ms", round(after_live * 1000, 1), "ms", None, 500)
