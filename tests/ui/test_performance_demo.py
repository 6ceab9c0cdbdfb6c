"""The performance tabs in the running app on the demo workspace: a real demo server (pinned history,
trimmed for speed), a real first sync through the sync engine, the real keyring.

My performance shows the signed-in agent's figures once the first sync is over, equal to what
`deskapp kpi --agent <me>` computes; the Demo menu signs in as the supervisor and back, and the Team
performance tab comes and goes with it, its agent table filled.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from deskapp import cli
from deskapp.bootstrap import build_services, open_workspace
from deskapp.services import demo_workspace
from deskapp.services.reports import ReportService
from deskapp.ui import app as ui_app
from tests.demo.conftest import PINNED_NOW
from tests.faults.conftest import trim_world

KEEP = 400  # conversations of the seeded world kept: about two weeks of history, synced in seconds
SYNC_TIMEOUT_MS = 120_000


class DemoApp:
    def __init__(self, session, demo, clock) -> None:
        self.session, self.demo, self.clock = session, demo, clock
        self.window = session.window
        self.ws = session.workspace

    def synced(self) -> bool:
        """The first pass of both accounts is over."""
        return {self.demo.chatwoot_account_id, self.demo.shopify_account_id} <= self.window.passes_done

    def hub_synced(self) -> bool:
        """The first pass of the support hub is over (agents and conversations; the shop's orders may
        still be coming, which only the contact rate reads)."""
        return self.demo.chatwoot_account_id in self.window.passes_done

    def settled(self, view) -> bool:
        return view.answered and not view.stale and not view.computing and not self.window.tasks.busy()


def start_demo_app(tmp_path, role: str = "agent") -> DemoApp:
    ws = open_workspace(tmp_path / "data")
    demo = demo_workspace.start_demo(ws, live=False, now=PINNED_NOW, role=role)
    trim_world(demo.server, KEEP)
    end_of_history = demo.server.state.world.conversations[-1].created_at
    clock = lambda: end_of_history + 6 * 3600  # noqa: E731 - "now" for the dashboards, pinned to the world
    session = ui_app.start(ws, build_services(ws), {"headless": True, "window_size": (1440, 860)}, demo=demo,
                           clock=clock)
    assert session is not None
    return DemoApp(session, demo, clock)


@pytest.fixture
def demo_app(tmp_path, qtbot) -> Iterator[DemoApp]:
    running = start_demo_app(tmp_path)
    try:
        yield running
    finally:
        running.session.close()
        running.ws.close()


def test_my_performance_after_the_first_sync_equals_kpi_for_the_signed_in_agent(demo_app, qtbot, capsys):
    window = demo_app.window
    performance = window.performance
    view = performance.show_view("me")
    window.select_tab("me")
    qtbot.waitUntil(demo_app.synced, timeout=SYNC_TIMEOUT_MS)
    # without any click the tab follows the sync: the agent is known and their conversations counted
    qtbot.waitUntil(lambda: bool(view.figures) and view.figures["volume"]["total"] > 0, timeout=30_000)

    with qtbot.waitSignal(view.computed, timeout=30_000) as shown:
        view.refresh_button.click()  # Refresh computes again, for the same agent
    figures = shown.args[0]
    me = ReportService(demo_app.ws.db).me()
    assert [a.email for a in me] == ["alex@shop.example.com"]  # the demo's default token: agent 2, role agent
    period = view.shown.period
    expected = ReportService(demo_app.ws.db).kpi_report(
        start=period.first_day.isoformat(), end=period.end_day.isoformat(), agent_email=me[0].email,
        now=int(demo_app.clock()))
    expected.pop("formulas")
    assert figures == expected
    assert figures["volume"]["total"] > 10 and figures["replies"] > figures["volume"]["total"]
    assert view.tiles["volume"].value_label.text() == str(figures["volume"]["total"])
    assert view.tiles["replies"].value_label.text() == str(figures["replies"])
    assert view.tiles["frt"].value_label.text() not in ("–", "…")

    # the command line agrees on what does not depend on "now" (it uses the wall clock for that)
    code = cli.main(["--data-dir", str(demo_app.ws.paths.data_dir), "kpi", "--agent", me[0].email, "--json",
                     "--from", period.first_day.isoformat(), "--to", period.end_day.isoformat(),
                     "--tz", period.tz.key])
    printed = json.loads(capsys.readouterr().out)
    assert code == 0
    assert printed["volume"]["total"] == figures["volume"]["total"]
    assert printed["replies"] == figures["replies"]
    assert printed["frt"]["median_s"] == figures["frt"]["median_s"]
    assert printed["resolution"] == figures["resolution"]

    # a week long before the history: zeros, and charts that say there is nothing to draw
    first = period.first_day - timedelta(days=400)
    with qtbot.waitSignal(view.computed, timeout=30_000):
        view.set_custom_period(first, first + timedelta(days=6))
    assert view.tiles["volume"].value_label.text() == "0"
    assert view.tiles["nps"].change_label.text() == "no data in this period"
    for name in ("volume", "frt", "resolution", "intent", "surveys", "label"):
        assert view.charts[name].empty and view.charts[name].empty_label.isVisible(), name


def test_the_demo_role_switch_shows_and_hides_team_performance(demo_app, qtbot):
    window, demo = demo_app.window, demo_app.demo
    performance = window.performance
    performance_index = window.tabs.indexOf(performance)
    qtbot.waitUntil(demo_app.hub_synced, timeout=SYNC_TIMEOUT_MS)
    qtbot.waitUntil(lambda: performance.signed_in is not None and bool(performance.signed_in.agent_ids),
                    timeout=30_000)
    assert performance.team is None and window.select_tab("team") is None
    assert window.tabs.tabText(performance_index) == "My performance"
    palette = [a.text() for a in window.commands]
    assert "Sign in as supervisor" in palette and "Sign in as agent" in palette
    assert [a.text() for a in window.menuBar().actions()][-2:] == ["&Demo", "&Help"]

    window.demo_roles.actions["supervisor"].trigger()
    qtbot.waitUntil(lambda: performance.team is not None, timeout=30_000)
    assert demo_app.ws.secrets.get(demo.chatwoot_account_id) == demo.info["supervisor_token"]
    assert window.tabs.tabText(performance_index) == "My && team performance"
    assert window.demo_roles.actions["supervisor"].isChecked()
    team = performance.team
    assert window.select_tab("team") is performance and performance.tabs.currentWidget() is team
    qtbot.waitUntil(lambda: demo_app.settled(team), timeout=30_000)
    table = team.agent_table.table
    names = {table.item(r, 0).text() for r in range(table.rowCount())}
    assert {"Sam Rivera", "Alex Chen", "Maya Patel"} <= names and table.rowCount() == 8
    assigned = [int(table.item(r, 1).text()) for r in range(table.rowCount())]
    assert all(n > 0 for n in assigned) and sum(assigned) <= team.figures["volume"]["total"]
    # My performance is now the supervisor's own
    window.select_tab("me")
    qtbot.waitUntil(lambda: demo_app.settled(performance.mine)
                    and [a["name"] for a in performance.mine.figures.get("agents", [])] == ["Sam Rivera"],
                    timeout=30_000)

    window.demo_roles.actions["agent"].trigger()
    qtbot.waitUntil(lambda: performance.team is None, timeout=30_000)
    assert demo_app.ws.secrets.get(demo.chatwoot_account_id) == demo.info["chatwoot_token"]
    assert window.tabs.tabText(performance_index) == "My performance"
    assert performance.tabs.count() == 2  # My performance and the outage view


def test_screenshot_of_team_performance_waits_for_its_figures(tmp_path, qtbot):
    from PySide6.QtGui import QImage

    from deskapp.ui.screenshot import screenshot

    running = start_demo_app(tmp_path, role="supervisor")
    target = tmp_path / "team.png"
    try:
        assert screenshot(running.session.app, running.window, target, "team") == 0
        team = running.window.performance.team
        assert team is not None and team.answered and team.agent_table.table.rowCount() == 8
        assert team.figures["volume"]["total"] > 0
        assert running.window.performance.tabs.currentWidget() is team
    finally:
        running.session.close()
        running.ws.close()
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1440, 860)
