"""The Team tab's figures from the hub: read off the GUI thread over loopback HTTP from the demo hub, each figure
saying where it comes from, and the last fetched figures kept on screen, with their time, once the hub is gone."""

from __future__ import annotations

import pytest

from deskapp.services import accounts
from deskapp.services.hub_reports import HubReportService
from deskapp.services.reports import ReportService
from deskapp.ui.hub_figures import TAB_TITLE, HubFiguresView, install
from deskapp.ui.performance_tab import PerformanceTab
from deskapp.ui.tasks import TaskRunner
from tests.demo.reports_state import T0, hand_built_hub
from tests.services.test_hub_reports import _connect

NOW = T0 + 5000


@pytest.fixture
def ws(data_dir, db, profile):
    from deskapp.bootstrap import Workspace
    from deskapp.paths import resolve_paths
    from deskapp.services.profile_secrets import secret_store

    return Workspace(paths=resolve_paths(data_dir).ensure(), db=db, secrets=secret_store(profile), profile=profile)


def _service(ws) -> HubReportService:
    return HubReportService(ws, ReportService(ws.db, timezone="UTC"), connect=_connect, clock=lambda: NOW)


def test_figures_say_where_they_come_from_and_stay_when_offline(qtbot, ws) -> None:
    runner = TaskRunner()
    view = HubFiguresView(_service(ws), runner, clock=lambda: NOW)
    qtbot.addWidget(view)
    view.period.setCurrentIndex(0)  # today: the hand-built day
    with hand_built_hub() as (server, _):
        info = server.info()
        accounts.add_account(ws, "chatwoot", "Demo hub", info["url"], info["supervisor_token"],
                             {"account_id": info["chatwoot_account_id"]})
        view.refresh()
        qtbot.waitUntil(lambda: view.reading is not None and view.refresh_button.isEnabled(), timeout=20000)
    conversations = view.cells["conversations_count"]
    assert [c.text() for c in conversations[1:3]] == ["3", "from the hub"]
    assert "from this computer's cache (0 conversations)" in conversations[4].text()
    assert view.cells["reply_time"][1].text() == "15.0 min"
    assert view.teams_table.rowCount() == 2 and view.team.count() == 3  # the whole account and two teams
    assert "8 agents (8 online)" in view.now_line.text() and "unassigned" in view.now_line.text()
    view.reading = None
    view.refresh()  # the hub has stopped: nothing listens any more
    qtbot.waitUntil(lambda: view.reading is not None and view.refresh_button.isEnabled(), timeout=20000)
    assert view.status.text().startswith("Hub figures unavailable offline: last fetched at ")
    assert conversations[1].text() == "3" and conversations[2].text().startswith("from the hub, fetched at ")
    runner.wait()


def test_the_tab_follows_the_supervisor(qtbot, ws) -> None:
    tab = PerformanceTab(ReportService(ws.db), supervisor=False)
    qtbot.addWidget(tab)
    view = install(tab, _service(ws), tab.runner, clock=lambda: NOW)
    titles = lambda: [tab.tabs.tabText(i) for i in range(tab.tabs.count())]  # noqa: E731
    assert TAB_TITLE not in titles()
    tab.show()
    assert not view.isVisible()  # not a tab yet: nothing of it on screen
    tab.set_supervisor(True)
    assert titles().index(TAB_TITLE) == titles().index("Team performance") + 1
    tab.set_supervisor(False)
    assert TAB_TITLE not in titles()
    view.refresh()  # no hub account: said so, no crash
    qtbot.waitUntil(lambda: view.reading is not None, timeout=20000)
    assert "no hub account" in view.status.text().lower()
    tab.runner.wait()
