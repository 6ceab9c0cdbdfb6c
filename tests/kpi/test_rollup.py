"""Rollups stay current whoever writes: C's real ingest + the apply hook, offline actions (triggers),
deletions, and an older cache upgraded by migration 0003 (backfill)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from deskapp.domain import Agent, Channel, Conversation, Direction, Message, Status
from deskapp.kpi.compute import compute_dashboard
from deskapp.kpi.period import Period
from deskapp.kpi.rollup import COPIED_COLUMNS, TRIGGERS, rebuild, refresh_conversations
from deskapp.kpi.rollup_hook import update_rollups
from deskapp.store import accounts, migrate
from deskapp.store.ingest import apply_batch
from tests.kpi.builder import CacheBuilder, local
from tests.store.revisions import cache_at

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
PERIOD = Period(date(2026, 5, 1), date(2026, 6, 1), ZoneInfo("UTC"))


def _kpi_rows(db):
    with db.read() as conn:
        return conn.exec_driver_sql("SELECT * FROM kpi_conversation ORDER BY 1").all()


def test_real_ingest_batches_through_the_hook(db):
    with db.write() as conn:
        account = accounts.insert_account(conn, "chatwoot", "hub", "http://127.0.0.1:1", {})
    batches = [
        ("agents", [Agent("7", "Ada", "ada@shop.test", is_me=True)]),
        ("conversations", [Conversation("100", Channel.WHATSAPP, Status.OPEN, None, T0, T0, assignee_external_id="7")]),
        ("messages/100", [
            Message("m1", "100", Direction.IN, T0, text="where is my parcel?"),
            Message("m2", "100", Direction.OUT, T0 + timedelta(seconds=20), text="Hi! I'm a bot", automated=True),
            Message("m3", "100", Direction.NOTE, T0 + timedelta(seconds=40), text="check DHL", author_external_id="7"),
        ]),
    ]
    for stream, records in batches:
        with db.write() as conn:
            update_rollups(conn, apply_batch(conn, account, records, stream=stream, cursor=None))
    now = int((T0 + timedelta(minutes=10)).timestamp())
    with db.read() as conn:
        f = compute_dashboard(conn, PERIOD, now=now).figures
    assert f["frt"]["unanswered"] == 1 and f["frt"]["median_s"] is None
    assert f["sla"]["breaching_now"] == 1  # WhatsApp is chat-like: 2 minutes
    # the agent answers; the conversation is resolved in a later page
    with db.write() as conn:
        update_rollups(conn, apply_batch(conn, account, [
            Message("m4", "100", Direction.OUT, T0 + timedelta(seconds=90), text="It ships today",
                    author_external_id="7")], stream="messages/100", cursor="m3"))
    with db.write() as conn:
        update_rollups(conn, apply_batch(conn, account, [
            Conversation("100", Channel.WHATSAPP, Status.RESOLVED, None, T0, T0 + timedelta(hours=1),
                         assignee_external_id="7", resolved_at=T0 + timedelta(hours=1))],
            stream="conversations", cursor=None))
    with db.read() as conn:
        f = compute_dashboard(conn, PERIOD, now=now).figures
    assert f["frt"] == {"median_s": 90.0, "p90_s": 90.0, "unanswered": 0, "answered": 1}
    assert f["resolution"]["median_s"] == 3600.0 and f["fcr"] == 1.0
    assert f["agents"][0]["replies"] == 1 and f["agents"][0]["name"] == "Ada"
    snapshot = _kpi_rows(db)
    with db.write() as conn:
        rebuild(conn)
    assert _kpi_rows(db) == snapshot


def test_a_refresh_that_moves_no_figure_writes_no_row(db):
    with db.write() as conn:
        account = accounts.insert_account(conn, "chatwoot", "hub", "http://127.0.0.1:1", {})
        update_rollups(conn, apply_batch(conn, account, [
            Conversation("100", Channel.EMAIL, Status.OPEN, None, T0, T0),
            Message("m1", "100", Direction.IN, T0, text="where is my parcel?")], stream="s", cursor=None))
    with db.write() as conn:
        conn.exec_driver_sql("CREATE TEMP TABLE written (n)")
        conn.exec_driver_sql("CREATE TEMP TRIGGER count_kpi AFTER UPDATE ON main.kpi_conversation"
                             " BEGIN INSERT INTO written VALUES (1); END")
        refresh_conversations(conn, [1])
        unchanged = conn.exec_driver_sql("SELECT count(*) FROM written").scalar()
        apply_batch(conn, account, [Message("m2", "100", Direction.OUT, T0 + timedelta(seconds=30), text="today")],
                    stream="s", cursor=None)
        refresh_conversations(conn, [1])
        moved = conn.exec_driver_sql("SELECT count(*) FROM written").scalar()
        conn.exec_driver_sql("DROP TRIGGER temp.count_kpi")
        conn.exec_driver_sql("DROP TABLE written")
    assert unchanged == 0 and moved >= 1
    with db.read() as conn:
        first_reply = conn.exec_driver_sql("SELECT first_reply_at FROM kpi_conversation").scalar()
    assert first_reply == int((T0 + timedelta(seconds=30)).timestamp())


def test_offline_writes_to_conversation_reach_the_rollup_without_the_hook(db):
    with db.write() as conn:
        b = CacheBuilder(conn)
        ada = b.agent("Ada")
        c = b.conversation(created=local("2026-05-04 09:00", "UTC"))
        b.message(c, "in", local("2026-05-04 09:00", "UTC"))
        rebuild(conn)
    with db.write() as conn:  # what an offline resolve + assign + triage correction do: plain UPDATEs
        conn.exec_driver_sql("UPDATE conversation SET status = 'resolved', resolved_at = ?, assignee_id = ?,"
                             " intent = 'refund', channel = 'sms' WHERE id = ?",
                             (local("2026-05-04 10:00", "UTC"), ada, c))
    row = _kpi_rows(db)[0]
    assert row[1:10] == (1, None, "sms", "resolved", ada, None, "refund", local("2026-05-04 09:00", "UTC"),
                         local("2026-05-04 10:00", "UTC"))
    with db.write() as conn:
        conn.exec_driver_sql("DELETE FROM conversation WHERE id = ?", (c,))
    assert _kpi_rows(db) == []
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM kpi_reply").scalar() == 0


def test_migration_0003_backfills_an_existing_cache(data_dir):
    database = cache_at(data_dir / "cache.sqlite3", "0002")
    with database.write() as conn:
        b = CacheBuilder(conn)
        b.agent("Ada")
        c = b.conversation(created=local("2026-05-04 09:00", "UTC"), status="resolved",
                           resolved=local("2026-05-04 09:30", "UTC"))
        b.message(c, "in", local("2026-05-04 09:00", "UTC"))
        b.message(c, "out", local("2026-05-04 09:05", "UTC"), author="Ada")
    migrate.upgrade(database)
    rows = _kpi_rows(database)
    assert len(rows) == 1 and rows[0][10:15] == (local("2026-05-04 09:00", "UTC"), local("2026-05-04 09:05", "UTC"),
                                                  1, 1, 0)
    with database.read() as conn:
        assert conn.exec_driver_sql("SELECT agent_id, replies FROM kpi_reply").all() == [(1, 1)]
    database.close()


def test_the_migrated_triggers_are_the_ones_the_rollup_describes(db):
    """The migrations hold frozen copies of the triggers: they copy exactly COPIED_COLUMNS."""
    with db.read() as conn:
        found = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'trigger'"
                                     " AND name LIKE 'kpi_conversation_%' ORDER BY name").scalars().all()
    assert [" ".join(sql.split()) for sql in found] == [" ".join(sql.split()) for sql in TRIGGERS]
    assert "sla_due_at" in COPIED_COLUMNS


def test_the_sync_engine_runs_the_kpi_hook(db, profile):
    from deskapp.bootstrap import build_sync_engine
    from deskapp.services.profile_secrets import secret_store

    class Ws:
        pass

    ws = Ws()
    ws.db, ws.secrets = db, secret_store(profile)
    engine = build_sync_engine(ws)
    assert update_rollups in engine.apply_hooks
    assert update_rollups not in build_sync_engine(ws, kpi_rollups=False).apply_hooks
