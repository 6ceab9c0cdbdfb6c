"""Daily rollups: the rows follow ingest, edits, deletions and rebuilds, a new zone rebuilds the days, and the
migrations' triggers are the ones the code describes (the figures read from them: test_day_figures.py)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from deskapp.domain import Agent, Channel, Conversation, Direction, Message, Status
from deskapp.kpi import day_figures, day_rollup
from deskapp.kpi.compute import compute_dashboard
from deskapp.kpi.period import Period
from deskapp.kpi.rollup_hook import update_rollups
from deskapp.services.reports import ReportService
from deskapp.store import accounts
from deskapp.store.ingest import apply_batch
from tests.kpi.builder import local
from tests.kpi.day_cache import NOW, PARIS, PERIOD, TARGETS, assert_agree, close, exact_figures, fill_paris


@pytest.fixture(autouse=True)
def _rollups_for_any_size(monkeypatch):
    """These caches are tiny: let the rollups answer however few conversations a period holds."""
    monkeypatch.setattr(day_figures, "EXACT_UP_TO", 0)


def _day_rows(db):
    with db.read() as conn:
        return conn.exec_driver_sql("SELECT scope, day, scope_id, metric, bucket, n, total FROM kpi_day"
                                    " WHERE n != 0 ORDER BY 1, 2, 3, 4, 5").all()


def test_ingest_through_the_hook_keeps_the_rows_equal_to_a_rebuild(db):
    with db.write() as conn:
        account = accounts.insert_account(conn, "chatwoot", "hub", "http://127.0.0.1:1", {})
        day_rollup.rebuild(conn, PARIS, TARGETS)
    t0 = datetime(2026, 4, 30, 21, 50, tzinfo=UTC)  # 23:50 in Paris: the reply lands on the next local day
    batches = [
        ("agents", [Agent("7", "Ada", "ada@shop.test")]),
        ("conversations", [Conversation("100", Channel.EMAIL, Status.OPEN, None, t0, t0, assignee_external_id="7")]),
        ("messages/100", [Message("m1", "100", Direction.IN, t0, text="where is my parcel?")]),
        ("messages/100", [Message("m2", "100", Direction.OUT, t0 + timedelta(minutes=20), text="today",
                                  author_external_id="7")]),
        ("conversations", [Conversation("100", Channel.EMAIL, Status.RESOLVED, None, t0, t0 + timedelta(hours=2),
                                        assignee_external_id="7", resolved_at=t0 + timedelta(hours=2))]),
    ]
    for stream, records in batches:
        with db.write() as conn:
            update_rollups(conn, apply_batch(conn, account, records, stream=stream, cursor=None))
    incremental = _day_rows(db)
    with db.write() as conn:
        day_rollup.rebuild(conn, PARIS, TARGETS)
    assert _day_rows(db) == incremental
    with db.read() as conn:
        f = compute_dashboard(conn, PERIOD, now=NOW).figures
    assert close(f["frt"]["median_s"], 1200) and f["frt"]["answered"] == 1
    assert f["fcr_counts"] == {"fcr": 1, "resolved": 1}
    days = {d["day"]: d["total"] for d in f["volume"]["by_day"] if d["total"]}
    assert days == {"2026-04-30": 1}


def test_edits_and_deletions_follow_and_a_lost_rollup_is_rebuilt(db):
    ada, ben, _team = fill_paris(db)
    with db.write() as conn:  # an offline reassignment and resolution, a merged-away conversation deleted
        conn.exec_driver_sql("UPDATE conversation SET assignee_id = ?, status = 'resolved', resolved_at = ?"
                             " WHERE assignee_id = ?", (ben, local("2026-05-02 10:00", PARIS), ada))
        gone = conn.exec_driver_sql("SELECT min(id) FROM conversation").scalar()
        conn.exec_driver_sql("DELETE FROM conversation WHERE id = ?", (gone,))
    incremental = _day_rows(db)
    with db.read() as conn:
        fast = compute_dashboard(conn, PERIOD, now=NOW).figures
    assert_agree(fast, exact_figures(db))
    assert all(a["assigned"] == 0 for a in fast["agents"] if a["agent_id"] == ada)
    with db.write() as conn:  # the cache is disposable: rows lost, the service builds them again
        conn.exec_driver_sql("DELETE FROM kpi_day")
        conn.exec_driver_sql("DELETE FROM kpi_day_zone")
    service = ReportService(db, timezone=PARIS)
    try:
        assert service.ensure_day_rollups(PARIS) is True
        assert service.ensure_day_rollups(PARIS) is False
    finally:
        service.close()
    assert _day_rows(db) == incremental


def test_a_new_zone_rebuilds_the_days(db):
    fill_paris(db)
    with db.write() as conn:
        assert day_rollup.ensure(conn, "America/New_York", TARGETS) is True
    ny = Period(PERIOD.first_day, PERIOD.end_day, ZoneInfo("America/New_York"))
    with db.read() as conn:
        fast = compute_dashboard(conn, ny, now=NOW).figures
    assert_agree(fast, exact_figures(db, ny))



@pytest.mark.parametrize(("names", "described"), [("kpi_day_%", day_rollup.TRIGGERS),  # migration 0013
                                                  ("kpi_label_day_%", day_rollup.LABEL_TRIGGERS)])  # 0014
def test_the_migrations_create_the_triggers_the_code_describes(db, names, described):
    with db.read() as conn:
        found = [r[0] for r in conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE ? ORDER BY name", (names,))]
    assert sorted(found) == sorted(described)


def test_an_update_that_changes_nothing_counted_leaves_the_rows(db):
    fill_paris(db)
    before = _day_rows(db)
    with db.write() as conn:  # what the copy trigger does on every conversation write: all columns set again
        raw = conn.connection.driver_connection
        changes = raw.total_changes
        updated = conn.exec_driver_sql("UPDATE kpi_conversation SET status = status, assignee_id = assignee_id,"
                                       " sla_due_at = 1").rowcount
        assert raw.total_changes - changes == updated  # no kpi_day row written by the trigger
    assert _day_rows(db) == before
