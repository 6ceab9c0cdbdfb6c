"""ui.outage_view: the SLA clocks of unanswered conversations and what waits in the outbox, read on a worker
against a pinned clock from the real cache and outbox file; a clock opens its conversation, a table exports
as CSV, and an outbox that cannot be read is said in its table."""

from __future__ import annotations

import csv

import pytest
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

from deskapp.kpi.rollup import rebuild
from deskapp.services.actions import ActionService
from deskapp.services.reports import ReportService
from deskapp.store.outbox import OutboxStore
from deskapp.ui.outage_view import OutageView, export_table_csv
from deskapp.ui.tasks import TaskRunner
from tests.kpi.builder import CacheBuilder

NOW = 1_748_865_600  # pinned: the clocks count down from here


@pytest.fixture
def world(db, data_dir, profile):
    with db.write() as conn:
        builder = CacheBuilder(conn)
        waiting = builder.conversation(created=NOW - 100, channel="web_chat")
        builder.message(waiting, "in", NOW - 100)
        late = builder.conversation(created=NOW - 5 * 86400, channel="email")
        builder.message(late, "in", NOW - 5 * 86400)
        answered = builder.conversation(created=NOW - 3600, channel="email")
        builder.message(answered, "in", NOW - 3600)
        builder.message(answered, "out", NOW - 3000)
        rebuild(conn)
    outbox = OutboxStore(data_dir / "outbox.sqlite3")
    yield {"db": db, "outbox": outbox, "waiting": waiting, "late": late,
           "actions": ActionService(db, outbox, profile)}
    outbox.close()


@pytest.fixture
def view(qtbot, world):
    runner = TaskRunner()
    shown = OutageView(ReportService(world["db"], outbox=world["outbox"]), runner, clock=lambda: NOW)
    qtbot.addWidget(shown)
    yield shown
    runner.wait(10_000)


def refreshed(qtbot, view) -> dict:
    with qtbot.waitSignal(view.updated, timeout=10_000) as blocker:
        view.refresh()
    return blocker.args[0]


def test_clocks_run_out_soonest_first_and_answered_conversations_have_none(qtbot, world, view):
    snap = refreshed(qtbot, view)
    assert [c["conversation_id"] for c in snap["sla_clocks"]] == [world["late"], world["waiting"]]
    assert view.clocks.rowCount() == 2
    assert view.clocks.item(0, 5).text() == "breached" and view.clocks.item(0, 4).text().endswith(" late")
    assert view.clocks.item(1, 2).text() == "unassigned" and view.clocks.item(1, 1).text() == "web_chat"
    assert "0 actions queued · 1 conversations past their first-response target" in view.summary.text()


def test_what_waits_in_the_outbox_is_listed(qtbot, world, view):
    world["actions"].reply(world["waiting"], "We are on it")
    refreshed(qtbot, view)
    assert view.queued.rowCount() == 1
    assert [view.queued.item(0, c).text() for c in (1, 3, 4)] == ["reply", "pending", "0"]
    assert view.summary.text().startswith("1 actions queued")


def test_an_outbox_that_cannot_be_read_says_so_in_its_table(qtbot, world, view):
    world["outbox"].close()
    refreshed(qtbot, view)
    assert view.queued.rowCount() == 1 and "closed" in view.queued.item(0, 5).text()
    assert view.clocks.rowCount() == 2  # the clocks still show


def test_double_clicking_a_clock_opens_its_conversation(qtbot, world, view):
    refreshed(qtbot, view)
    with qtbot.waitSignal(view.conversations_opened, timeout=1_000) as opened:
        view.clocks.cellDoubleClicked.emit(1, 3)
    assert opened.args[0] == [world["waiting"]]


def test_a_table_exports_as_shown_with_commas_quotes_and_line_breaks_kept(qtbot, tmp_path):
    table = QTableWidget(2, 2)
    qtbot.addWidget(table)
    table.setHorizontalHeaderLabels(["Kind", "Last error"])
    table.setItem(0, 0, QTableWidgetItem("reply"))
    table.setItem(0, 1, QTableWidgetItem('422, "body" too long\nsee log'))
    table.setItem(1, 0, QTableWidgetItem("note"))  # and no item at all in the next cell
    export_table_csv(table, tmp_path / "out.csv")
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["Kind", "Last error"], ["reply", '422, "body" too long\nsee log'], ["note", ""]]
