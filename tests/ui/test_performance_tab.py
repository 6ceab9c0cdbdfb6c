"""The performance tabs: figures computed off the GUI thread, tiles with change, drill-down, exports."""

from datetime import date

import pytest

from deskapp.kpi.definitions import FORMULAS
from deskapp.kpi.rollup import rebuild
from deskapp.services.reports import ReportService
from deskapp.ui.performance_tab import PerformanceTab
from deskapp.ui.performance_view import PerformanceView
from tests.kpi.builder import CacheBuilder, local


@pytest.fixture
def reports(db):
    ids = {}
    with db.write() as conn:
        b = CacheBuilder(conn)
        me = ids["me"] = b.agent("Mia", is_me=True, role="administrator")
        other = ids["oz"] = b.agent("Oz")
        for day, who, channel, reply_after in ((2, me, "email", 600), (2, other, "web_chat", 60),
                                               (3, me, "sms", 1200), (9, other, "email", None)):
            at = local(f"2026-03-0{day} 10:00", "UTC")
            c = b.conversation(created=at, assignee=who, channel=channel, intent="refund", labels='["vip"]')
            ids.setdefault("convs", []).append(c)
            b.message(c, "in", at)
            if reply_after is not None:
                b.message(c, "out", at + reply_after, author="Mia" if who == me else "Oz")
        b.survey("csat", 5, local("2026-03-02 12:00", "UTC"), ids["convs"][0])
        conn.exec_driver_sql("INSERT INTO setting (key, value) VALUES ('kpi.timezone', 'UTC')")
        rebuild(conn)
    return ReportService(db), ids


def _wait_computed(qtbot, view: PerformanceView, first: date, last: date) -> dict:
    with qtbot.waitSignal(view.computed, timeout=10_000) as blocker:
        view.set_custom_period(first, last)
    return blocker.args[0]


def test_team_tab_shows_every_figure_and_opens_conversations(qtbot, reports, tmp_path):
    service, ids = reports
    tab = PerformanceTab(service, supervisor=True)
    qtbot.addWidget(tab)
    assert [tab.tabs.tabText(i) for i in range(tab.tabs.count())] == [
        "My performance", "Team performance", "Outage view"]
    view = tab.team
    figures = _wait_computed(qtbot, view, date(2026, 3, 1), date(2026, 3, 7))
    assert figures["volume"]["total"] == 3
    assert view.tiles["frt"].value_label.text() == "10.0 min"  # median of 60, 600, 1200 s
    assert view.tiles["volume"].value_label.text() == "3"
    assert "no figure for the previous period" in view.tiles["frt"].change_label.text()
    assert FORMULAS["frt"] in view.tiles["frt"].toolTip()
    # a click on a tile opens the conversations behind it
    with qtbot.waitSignal(tab.conversations_opened) as opened:
        qtbot.mouseClick(view.tiles["volume"], qtbot_button())
    assert opened.args[0] == sorted(ids["convs"][:3])
    # a bar of the stacked volume chart: series 'email' on the first day of the period
    with qtbot.waitSignal(tab.conversations_opened) as opened:
        view.charts["volume"].click(0, 1)
    assert opened.args[0] == [ids["convs"][0]]
    # the agent table sorts by the raw numbers and exports CSV
    table = view.agent_table.table
    table.sortItems(3)  # median FRT
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == ["Oz", "Mia"]
    view.agent_table.export_csv(tmp_path / "agents.csv")
    lines = (tmp_path / "agents.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("name,assigned,replies,frt_median_s") and lines[1].startswith("Oz,1,1,60.0,0,,")
    # every chart exports a PNG and its data as CSV
    for name, card in view.charts.items():
        assert card.export_png(tmp_path / f"{name}.png"), name
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
        card.export_csv(tmp_path / f"{name}.csv")
        assert (tmp_path / f"{name}.csv").read_text(encoding="utf-8").count("\n") >= 2


def test_tiles_show_change_against_the_previous_period(qtbot, reports):
    service, _ = reports
    tab = PerformanceTab(service, supervisor=True)
    qtbot.addWidget(tab)
    view = tab.team
    _wait_computed(qtbot, view, date(2026, 3, 8), date(2026, 3, 14))
    # 9 March: one conversation; the 7 days before: three
    assert view.tiles["volume"].value_label.text() == "1"
    assert view.tiles["volume"].change_label.text().startswith("▼ 2")
    assert view.tiles["unanswered"].value_label.text() == "1"


def test_my_performance_is_the_signed_in_agent_only(qtbot, reports):
    service, _ids = reports
    tab = PerformanceTab(service, supervisor=False)
    qtbot.addWidget(tab)
    assert tab.team is None and "agent" not in tab.mine.filters
    figures = _wait_computed(qtbot, tab.mine, date(2026, 3, 1), date(2026, 3, 7))
    assert figures["volume"]["total"] == 2 and figures["frt"]["median_s"] == 900.0
    assert [a["name"] for a in figures["agents"]] == ["Mia"]
    assert figures["csat"] == 1.0


def test_filters_and_presets_recompute(qtbot, reports):
    service, ids = reports
    tab = PerformanceTab(service, supervisor=True)
    qtbot.addWidget(tab)
    view = tab.team
    _wait_computed(qtbot, view, date(2026, 3, 1), date(2026, 3, 7))
    box = view.filters["channel"]
    qtbot.waitUntil(lambda: box.findData("web_chat") >= 0, timeout=10_000)  # the choices load off the GUI thread
    with qtbot.waitSignal(view.computed, timeout=10_000) as blocker:
        box.setCurrentIndex(box.findData("web_chat"))
    assert blocker.args[0]["volume"]["total"] == 1
    with service.db.write() as conn:  # a sync brings a new channel
        conn.exec_driver_sql("UPDATE conversation SET channel = 'whatsapp' WHERE id = ?", (ids["convs"][3],))
    with qtbot.assertNotEmitted(view.computed, wait=300):  # the boxes offer it; the selection stays
        view.reload_choices()
        qtbot.waitUntil(lambda: box.findData("whatsapp") >= 0, timeout=10_000)
    assert box.currentData() == "web_chat" and box.count() == 5  # All, email, sms, web_chat, whatsapp
    # named as the inbox names them, filtering on the stored value
    assert box.currentText() == "Web chat" and box.itemText(box.findData("sms")) == "SMS"
    intents = view.filters["intent"]
    assert intents.itemText(intents.findData("order_status")) == "order status"
    assert view.charts["volume"].csv_header == ["category", "Web chat"]
    assert [row[0] for row in view.charts["intent"].csv_rows] == ["refund"]
    with qtbot.waitSignal(view.computed, timeout=10_000) as blocker:
        view.preset.setCurrentIndex(0)  # today: nothing in this cache
    assert blocker.args[0]["volume"]["total"] == 0 and view.tiles["frt"].value_label.text() == "–"


def test_outage_view_lists_clocks_and_queued_items(qtbot, db, tmp_path):
    import time

    now = int(time.time())
    with db.write() as conn:
        b = CacheBuilder(conn)
        c = b.conversation(created=now - 100, channel="web_chat")
        b.message(c, "in", now - 100)
        rebuild(conn)

    class FakeOutboxRow:
        def to_json(self):
            return {"created_at": "2026-03-01T10:00:00+00:00", "kind": "reply", "conversation": "c1",
                    "state": "pending", "attempts": 2, "last_error": "connection refused"}

    class Outbox:
        def open_items(self):
            return [FakeOutboxRow()]

    tab = PerformanceTab(ReportService(db, outbox=Outbox()), supervisor=False)
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.outage.updated, timeout=10_000):
        tab.tabs.setCurrentWidget(tab.outage)
    assert tab.outage.clocks.rowCount() == 1 and tab.outage.clocks.item(0, 5).text() == "at risk"
    assert tab.outage.clocks.item(0, 0).text().startswith("#c") and tab.outage.clocks.item(0, 2).text() == "unassigned"
    assert tab.outage.queued.item(0, 5).text() == "connection refused"
    from deskapp.ui.outage_view import export_table_csv

    export_table_csv(tab.outage.queued, tmp_path / "queued.csv")
    assert (tmp_path / "queued.csv").read_text(encoding="utf-8").splitlines()[1].endswith("connection refused")
    with qtbot.waitSignal(tab.conversations_opened) as opened:
        tab.outage.clocks.cellDoubleClicked.emit(0, 0)
    assert opened.args[0] == [c]


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_agent_row_and_sla_bar_open_their_conversations(qtbot, reports):
    service, ids = reports
    tab = PerformanceTab(service, supervisor=True)
    qtbot.addWidget(tab)
    view = tab.team
    _wait_computed(qtbot, view, date(2026, 3, 1), date(2026, 3, 14))
    table = view.agent_table.table
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == "Oz")
    with qtbot.waitSignal(tab.conversations_opened, timeout=10_000) as opened:
        table.cellDoubleClicked.emit(row, 0)
    assert opened.args[0] == [ids["convs"][1], ids["convs"][3]]
    with qtbot.waitSignal(tab.conversations_opened, timeout=10_000) as opened:
        view.charts["sla"].click(0, 0)  # breached in the period: the unanswered email of the 9th
    assert opened.args[0] == [ids["convs"][3]]
    with qtbot.waitSignal(tab.conversations_opened, timeout=10_000) as opened:
        view.charts["frt"].click(1, 1)  # p90 line, 2 March
    assert opened.args[0] == ids["convs"][:2]


def test_my_performance_follows_the_signed_in_agent_once_known_and_when_it_changes(qtbot, db, monkeypatch):
    """The first run: the window opens before the first sync has pulled the profile. The tab says so,
    then shows the agent's figures as soon as a sync brought them, and follows a change of user."""
    from PySide6.QtCore import Qt

    from deskapp.ui import performance_tab
    from deskapp.ui.performance_view import NOT_SIGNED_IN

    monkeypatch.setattr(performance_tab, "REFRESH_EVERY_MS", 300)  # the throttle, shortened for the test

    with db.write() as conn:
        b = CacheBuilder(conn)
        mia, oz = b.agent("Mia"), b.agent("Oz")
        for day, who in ((2, mia), (3, mia), (4, oz)):
            at = local(f"2026-03-0{day} 10:00", "UTC")
            c = b.conversation(created=at, assignee=who)
            b.message(c, "in", at)
            b.message(c, "out", at + 300, author="Mia" if who == mia else "Oz")
        conn.exec_driver_sql("INSERT INTO setting (key, value) VALUES ('kpi.timezone', 'UTC')")
        rebuild(conn)
    tab = PerformanceTab(ReportService(db), clock=lambda: local("2026-03-10 12:00", "UTC"))
    qtbot.addWidget(tab)
    tab.show()
    view = tab.mine
    qtbot.waitUntil(lambda: view.answered and not view.computing, timeout=10_000)
    assert view.status.text() == NOT_SIGNED_IN and view.tiles["volume"].value_label.text() == "–"
    assert view.minimumSizeHint().width() < 1280  # the message wraps: it never widens a 1280 px window
    assert tab.team is None and tab.tabs.count() == 2

    with db.write() as conn:  # the first sync's profile: Mia is signed in
        conn.exec_driver_sql("UPDATE agent SET is_me = 1 WHERE id = ?", (mia,))
    with qtbot.waitSignal(view.computed, timeout=10_000) as shown:
        tab.data_changed()  # what the main window does after sync events
    assert shown.args[0]["volume"]["total"] == 2 and view.tiles["volume"].value_label.text() == "2"
    assert shown.args[0]["replies"] == 2 and [a["name"] for a in shown.args[0]["agents"]] == ["Mia"]

    with db.write() as conn:  # more of Mia's work arrives; Refresh always recomputes
        b.conn = conn
        b.conversation(created=local("2026-03-05 10:00", "UTC"), assignee=mia)
        rebuild(conn)
    with qtbot.waitSignal(view.computed, timeout=10_000) as shown:
        qtbot.mouseClick(view.refresh_button, Qt.MouseButton.LeftButton)
    assert shown.args[0]["volume"]["total"] == 3

    with db.write() as conn:  # signed in as another user (a role switch): Oz, an administrator
        conn.exec_driver_sql("UPDATE agent SET is_me = (id = ?), role = CASE id WHEN ? THEN 'administrator'"
                             " ELSE 'agent' END", (oz, oz))
    with qtbot.waitSignals([tab.supervisor_changed, view.computed], timeout=10_000):
        tab.data_changed()
    assert tab.team is not None and tab.tabs.tabText(1) == "Team performance"
    assert [a["name"] for a in view.figures["agents"]] == ["Oz"] and view.figures["volume"]["total"] == 1
    assert view.tiles["volume"].value_label.text() == "1"


def test_refunds_issued_sit_beside_revenue_influenced_on_both_tabs(qtbot, db):
    """A refund this profile queued counts for the signed-in agent (My performance), one made in the shop's
    admin for the assignee of the customer's latest conversation (Team performance only)."""
    with db.write() as conn:
        b = CacheBuilder(conn)
        b.agent("Mia", is_me=True, role="administrator")
        other = b.agent("Oz")
        customer = b.customer("K")
        b.conversation(created=local("2026-03-01 09:00", "UTC"), assignee=other, customer=customer)
        order = b.order(local("2026-02-20 10:00", "UTC"), customer)
        conn.exec_driver_sql("INSERT INTO order_action (client_id, account_id, order_external_id, kind, summary,"
                             " created_at) VALUES ('c-1', 1, 'o1', 'order_refund', 'Refund', 0)")
        conn.exec_driver_sql(
            "INSERT INTO order_refund (order_id, external_id, created_at, amount, currency, note) VALUES"
            " (?, 'r1', ?, 28.0, 'EUR', 'damaged [deskapp:c-1]'), (?, 'r2', ?, 12.5, 'EUR', '')",
            (order, local("2026-03-02 10:00", "UTC"), order, local("2026-03-03 10:00", "UTC")))
        conn.exec_driver_sql("INSERT INTO setting (key, value) VALUES ('kpi.timezone', 'UTC')")
        rebuild(conn)
    tab = PerformanceTab(ReportService(db), supervisor=True)
    qtbot.addWidget(tab)
    team = _wait_computed(qtbot, tab.team, date(2026, 3, 1), date(2026, 3, 7))
    assert team["refunds"] == {"count": 2, "amounts": {"EUR": 40.5}}
    specs = [spec.key for spec in tab.team.tile_specs]
    assert specs.index("refunds") == specs.index("revenue_influenced") + 1
    assert tab.team.tiles["refunds"].value_label.text() == "2 · 40.50 EUR"
    assert tab.team.tiles["refunds"].title_label.text() == "Refunds issued"
    mine = _wait_computed(qtbot, tab.mine, date(2026, 3, 1), date(2026, 3, 7))
    assert mine["refunds"] == {"count": 1, "amounts": {"EUR": 28.0}}
    assert tab.mine.tiles["refunds"].value_label.text() == "1 · 28.00 EUR"


def test_tiles_fill_even_rows_of_at_most_seven_on_both_tabs(qtbot, reports):
    from deskapp.ui.performance_view import MAX_TILES_PER_ROW

    tab = PerformanceTab(reports[0], supervisor=True)
    qtbot.addWidget(tab)
    for view in (tab.mine, tab.team):
        grid = view.tile_grid
        places = [grid.getItemPosition(grid.indexOf(tile))[:2] for tile in view.tiles.values()]
        per_row = [sum(1 for r, _c in places if r == row) for row in sorted({r for r, _c in places})]
        assert max(per_row) <= MAX_TILES_PER_ROW and max(per_row) - min(per_row) <= max(per_row) // 2
        assert len(places) == len(view.tile_specs) == len(set(places))
