"""The dashboard's raw reads (surveys, labels, replies, backlog) run on other connections beside the rollup
reads: the figures are the same as read one after the other on one connection, and a failed read fails the
dashboard."""

import sqlite3
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from deskapp.domain.sla import sla_targets
from deskapp.kpi import day_figures, day_rollup
from deskapp.kpi.compute import compute_dashboard
from deskapp.kpi.period import Period
from deskapp.kpi.rollup import rebuild
from deskapp.kpi.scope import Filters
from deskapp.services.reports import ReportService
from tests.kpi.builder import CacheBuilder, local

PARIS = "Europe/Paris"
PERIOD = Period(date(2026, 3, 1), date(2026, 6, 1), ZoneInfo(PARIS))
NOW = local("2026-06-01 09:00", PARIS)


@pytest.fixture
def filled(db, monkeypatch):
    """A quarter with labels, survey answers, replies and open conversations, its day rollups built."""
    monkeypatch.setattr(day_figures, "EXACT_UP_TO", 0)  # a tiny cache: let the rollups answer
    with db.write() as conn:
        b = CacheBuilder(conn)
        ada, ben = b.agent("Ada"), b.agent("Ben")
        for i in range(24):
            at = local(f"2026-{3 + i % 3:02d}-{1 + i:02d} {i % 24:02d}:30", PARIS)
            agent = (ada, ben, None)[i % 3]
            resolved = at + 5400 * (i + 1) if i % 2 else None
            c = b.conversation(created=at, channel=("email", "web_chat")[i % 2], assignee=agent,
                               status="resolved" if resolved else "open", resolved=resolved,
                               labels=('["refund"]', '["refund", "vip"]', "[]")[i % 3])
            b.message(c, "in", at)
            if i % 4:
                b.message(c, "out", at + 90 * i + 30, author="Ada" if agent == ada else "Ben")
            b.survey(("csat", "nps", "ces")[i % 3], i % 6, at + 7200, c)
        rebuild(conn)
        day_rollup.rebuild(conn, PARIS, sla_targets(None))
    return db


def _aside(db, pool, used: list):
    """A runner reading on pooled connections of their own, recording which it used."""
    def read_on_own(read):
        with db.read() as conn:
            used.append((threading.get_ident(), id(conn.connection.driver_connection)))
            return read(conn)

    return lambda read: pool.submit(read_on_own, read)


# unfiltered, the rollups give the counts by label: three reads go aside; filtered, four
@pytest.mark.parametrize(("filters", "aside_reads"), [
    (Filters(), 3), (Filters(labels=("vip",)), 4), (Filters(channels=("email",)), 4)])
def test_reads_aside_give_the_figures_of_one_connection(filled, filters, aside_reads):
    used: list = []
    with ThreadPoolExecutor(max_workers=4) as pool, filled.read() as conn:
        alone = compute_dashboard(conn, PERIOD, filters, now=NOW).figures
        aside = compute_dashboard(conn, PERIOD, filters, now=NOW, run=_aside(filled, pool, used)).figures
        mine = id(conn.connection.driver_connection)
    assert aside == alone
    assert len(used) == aside_reads and all(c != mine for _t, c in used)
    assert all(t != threading.get_ident() for t, _c in used)
    # the reads carried something: labels, answers, replies and the open backlog
    assert alone["volume"]["by_label"] and alone["replies"] and alone["backlog"]["open"]
    assert sum(alone["survey_responses"].values()) > 0


def test_the_service_dashboard_equals_a_sequential_one(filled):
    service = ReportService(filled, timezone=PARIS)
    try:
        parallel = service.dashboard(PERIOD, now=NOW).figures
    finally:
        service.close()
    with filled.read() as conn:
        sequential = compute_dashboard(conn, PERIOD, now=NOW, with_previous=True).figures
    assert parallel == sequential and parallel["volume"]["by_label"] == {"refund": 16, "vip": 8}


def test_a_failed_read_aside_fails_the_dashboard(filled):
    def failing(read):
        failed: Future = Future()
        failed.set_exception(sqlite3.OperationalError("database is locked"))
        return failed

    with filled.read() as conn, pytest.raises(sqlite3.OperationalError, match="locked"):
        compute_dashboard(conn, PERIOD, now=NOW, run=failing)
