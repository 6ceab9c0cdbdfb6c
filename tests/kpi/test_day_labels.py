"""Conversations created per day and label in the daily rollups: equal to counting the rows after every kind
of change, kept by triggers, counted once by the migration that brings those triggers to an existing cache;
and the survey answers' covering index."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from alembic import command

from deskapp.domain import Channel, Conversation, Status
from deskapp.domain.sla import sla_targets
from deskapp.kpi import day_figures, day_rollup, queries
from deskapp.kpi.period import Period
from deskapp.kpi.rollup import rebuild
from deskapp.kpi.scope import Filters
from deskapp.store import accounts, migrate
from deskapp.store.ingest import apply_batch
from tests.kpi.builder import CacheBuilder, local
from tests.store.revisions import cache_at

PARIS = "Europe/Paris"
TARGETS = sla_targets(None)
QUARTER = Period(date(2026, 3, 1), date(2026, 6, 1), ZoneInfo(PARIS))
# the Paris day 1 March starts at 23:00 UTC on 28 February: a period cut in UTC would count these differently
EDGE = local("2026-03-01 00:30", PARIS)


def _labelled(conn):
    """Four labelled conversations around the quarter's edges, with their per-conversation rollup."""
    b = CacheBuilder(conn)
    ids = [b.conversation(created=EDGE, labels='["refund", "vip"]'),
           b.conversation(created=local("2026-02-28 23:30", PARIS), labels='["refund"]'),
           b.conversation(created=local("2026-04-15 12:00", PARIS), labels='["vip"]'),
           b.conversation(created=local("2026-05-31 23:59", PARIS), labels='["b2b"]')]
    rebuild(conn)
    return ids


def _built(db):
    with db.write() as conn:
        ids = _labelled(conn)
        day_rollup.rebuild(conn, PARIS, TARGETS)
    return ids


def _relabel(conn, first, april, may):
    """A label added, one removed and one renamed, straight on conversation_label."""
    conn.exec_driver_sql("INSERT INTO conversation_label (conversation_id, label) VALUES (?, 'b2b')", (april,))
    conn.exec_driver_sql("DELETE FROM conversation_label WHERE conversation_id = ? AND label = 'vip'", (first,))
    conn.exec_driver_sql("UPDATE conversation_label SET label = 'complaint' WHERE conversation_id = ?", (may,))


def _label_rows(conn):
    return conn.exec_driver_sql("SELECT scope, day, scope_id, n FROM kpi_day WHERE scope LIKE 'label%'"
                                " AND n != 0 ORDER BY 1, 2, 3").all()


def _agree(db, period=QUARTER):
    with db.read() as conn:
        rolled = sorted(day_figures.by_label(conn, period))
        assert rolled == sorted(queries.volume_by_label(conn, period, Filters()))
        kept = _label_rows(conn)
    with db.write() as conn:
        day_rollup.rebuild(conn, PARIS, TARGETS)
        assert _label_rows(conn) == kept  # the triggers left what a rebuild makes
    return dict(rolled)


def test_counts_follow_every_change_to_labels_and_conversations(db):
    first, before, april, may = _built(db)
    assert _agree(db) == {"refund": 1, "vip": 2, "b2b": 1}
    with db.write() as conn:
        b = CacheBuilder(conn, account_id=2)  # a second account: external ids of its own
        _relabel(conn, first, april, may)
        conn.exec_driver_sql("UPDATE conversation SET created_at = ? WHERE id = ?", (EDGE, before))  # moved in
        b.conversation(created=local("2026-03-20 08:00", PARIS), labels='["vip", "wholesale"]')
        b.conversation(created=local("2026-06-01 00:00", PARIS), labels='["vip"]')  # the next period
    assert _agree(db) == {"refund": 2, "vip": 2, "b2b": 1, "complaint": 1, "wholesale": 1}
    with db.write() as conn:
        conn.exec_driver_sql("DELETE FROM conversation WHERE id = ?", (april,))
        rebuild(conn)  # the per-conversation rollup rebuilt under the live triggers
    assert _agree(db) == {"refund": 2, "vip": 1, "complaint": 1, "wholesale": 1}
    assert _agree(db, Period(date(2026, 3, 1), date(2026, 3, 2), ZoneInfo(PARIS))) == {"refund": 2}


@pytest.mark.parametrize("earlier", ["rollups without labels", "labels kept at run time", "no rollups"])
def test_the_upgrade_counts_the_labels_once_and_its_triggers_keep_them(data_dir, earlier):
    database = cache_at(data_dir / "cache.sqlite3", "0013")  # the last revision without the label triggers
    try:
        with database.write() as conn:
            first, before, april, may = _labelled(conn)
            if earlier != "no rollups":
                day_rollup.rebuild(conn, PARIS, TARGETS)
            if earlier == "rollups without labels":  # built before the label rows were kept
                conn.exec_driver_sql("DELETE FROM kpi_day WHERE scope LIKE 'label%'")
            if earlier == "labels kept at run time":  # an earlier deskapp made the triggers on first use
                for statement in day_rollup.LABEL_TRIGGERS:
                    conn.exec_driver_sql(statement)
            others = conn.exec_driver_sql("SELECT * FROM kpi_day WHERE scope NOT LIKE 'label%'"
                                          " ORDER BY 1, 2, 3, 4, 5").all()
        assert migrate.upgrade(database) == migrate.head_revision()
        with database.write() as conn:
            assert conn.exec_driver_sql("SELECT * FROM kpi_day WHERE scope NOT LIKE 'label%'"
                                        " ORDER BY 1, 2, 3, 4, 5").all() == others
            if earlier == "no rollups":  # nothing to count yet: the first use builds everything
                assert _label_rows(conn) == []
                assert day_rollup.ensure(conn, PARIS, TARGETS)
            assert day_rollup.current(conn, PARIS, TARGETS) and not day_rollup.ensure(conn, PARIS, TARGETS)
        assert _agree(database) == {"refund": 1, "vip": 2, "b2b": 1}  # the same rows as a rebuild
        with database.write() as conn:
            _relabel(conn, first, april, may)
            conn.exec_driver_sql("UPDATE conversation SET created_at = ? WHERE id = ?", (EDGE, before))  # moved in
        assert _agree(database) == {"refund": 2, "vip": 1, "b2b": 1, "complaint": 1}
    finally:
        database.close()


def test_the_downgrade_takes_the_label_rows_their_triggers_and_the_index_away(data_dir):
    database = cache_at(data_dir / "cache.sqlite3", "0013")  # the last revision without the label triggers
    try:
        migrate.upgrade(database)
        with database.write() as conn:
            _labelled(conn)
            day_rollup.rebuild(conn, PARIS, TARGETS)
            others = conn.exec_driver_sql("SELECT count(*) FROM kpi_day WHERE scope NOT LIKE 'label%'").scalar()
            assert _label_rows(conn) and others
        cfg = migrate._config()
        with database.write() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0013")
        with database.read() as conn:
            assert _label_rows(conn) == []
            assert conn.exec_driver_sql("SELECT count(*) FROM kpi_day").scalar() == others
            assert conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE name LIKE 'kpi_label_day%'"
                                        " OR name = 'ix_survey_kind_at_score'").all() == []
    finally:
        database.close()


@pytest.mark.parametrize("filters", [Filters(), Filters(channels=("email",))])
def test_survey_answers_are_read_from_their_covering_index(db, filters):
    _built(db)
    with db.read() as conn:
        source, params = queries._surveys(QUARTER, filters)
        plan = [r[3] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN SELECT s.kind, s.score {source}",
                                                    tuple(params))]
    assert "COVERING INDEX ix_survey_kind_at_score" in plan[0]
    assert len(plan) == (2 if filters.any_conversation_filter else 1)  # no join unless a filter needs one


def test_labels_follow_ingest_as_a_sync_brings_them(db):
    with db.write() as conn:
        account = accounts.insert_account(conn, "chatwoot", "hub", "http://127.0.0.1:1", {})
        day_rollup.rebuild(conn, PARIS, TARGETS)
    t0 = datetime(2026, 2, 28, 23, 30, tzinfo=UTC)  # 00:30 on 1 March in Paris

    def sync(*labels):
        with db.write() as conn:
            apply_batch(conn, account, [Conversation("100", Channel.EMAIL, Status.OPEN, None, t0, t0,
                                                     labels=labels)], stream="conversations", cursor=None)

    sync("refund", "vip")
    assert _agree(db) == {"refund": 1, "vip": 1}
    sync("vip", "vip", "b2b")  # relabelled, a duplicate among them
    assert _agree(db) == {"vip": 1, "b2b": 1}
    sync()
    assert _agree(db) == {}
