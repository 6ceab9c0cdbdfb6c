"""Migrations: the schema they build matches the tables the code uses; upgrade backs up; newer is refused."""

import os
import sqlite3
import stat

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from deskapp.store import migrate
from deskapp.store.engine import Database
from deskapp.store.schema import all_metadata
from tests.store.revisions import cache_at, upgrade_to


def _not_fts(name, type_, *_args) -> bool:
    # FTS5's shadow tables are SQLite's own, made by the migration; SQLAlchemy cannot describe them.
    return not (type_ == "table" and name.startswith(("message_fts", "customer_fts", "help_article_fts")))


def test_migrated_schema_matches_the_code(db):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": _not_fts})
        diff = compare_metadata(context, all_metadata())
    assert diff == []



@pytest.mark.parametrize(("module", "expected"), [
    ("schema_knowledge", {"help_article"}),
    ("schema_kpi_day", {"kpi_day", "kpi_day_zone", "kpi_zone_day", "kpi_hist_edge", "kpi_sla_target"}),
])
def test_the_comparison_covers_the_newer_schema_modules(db, module, expected):
    # the comparison above covers a schema_* module only if all_metadata() loads it: its tables are compared
    import importlib

    from sqlalchemy import Table

    names = vars(importlib.import_module(f"deskapp.store.{module}"))
    declared = {v.name for v in names.values() if isinstance(v, Table)}
    assert expected <= declared
    assert expected <= set(all_metadata().tables)
    with db.read() as conn:
        present = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert expected <= present


def test_cache_file_is_owner_only_with_wal_and_foreign_keys(db):
    assert stat.S_IMODE(os.stat(db.path).st_mode) == 0o600
    with db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_upgrade_twice_is_a_no_op(db):
    assert migrate.upgrade(db) == migrate.head_revision()
    assert not list(db.path.parent.glob("*.bak"))


def test_a_database_from_a_newer_deskapp_is_refused(data_dir):
    path = data_dir / "cache.sqlite3"
    database = Database(path)
    migrate.upgrade(database)
    database.close()
    raw = sqlite3.connect(path)
    raw.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    raw.commit()
    raw.close()
    database = Database(path)
    with pytest.raises(migrate.DatabaseTooNew, match="newer deskapp"):
        migrate.upgrade(database)
    database.close()
    # and it was left untouched
    raw = sqlite3.connect(path)
    assert raw.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "9999_from_the_future"


def test_older_database_is_copied_aside_before_upgrade(data_dir, monkeypatch):
    path = data_dir / "cache.sqlite3"
    database = Database(path)
    migrate.upgrade(database)
    with database.write() as conn:
        conn.exec_driver_sql("INSERT INTO setting(key, value) VALUES ('k', 'v')")
    # Pretend the code knows a newer head than the file is at.
    monkeypatch.setattr(migrate, "head_revision", lambda: "0002_pretend")
    migrate.upgrade(database)
    backups = list(data_dir.glob("cache.sqlite3.before-0002_pretend.*.bak"))
    assert len(backups) == 1
    assert sqlite3.connect(backups[0]).execute("SELECT value FROM setting").fetchone() == ("v",)
    database.close()


def test_fts_follows_message_writes(db):
    with db.write() as conn:
        conn.exec_driver_sql("INSERT INTO account(id, kind, name, created_at) VALUES (1, 'demo', 'd', 0)")
        conn.exec_driver_sql("INSERT INTO customer(id, name) VALUES (1, 'Zoë Álvarez')")
        conn.exec_driver_sql(
            "INSERT INTO conversation(id, account_id, external_id, customer_id, channel, status, subject,"
            " created_at, updated_at) VALUES (1, 1, 'c1', 1, 'email', 'open', 'Parcel missing', 0, 0)")
        conn.exec_driver_sql(
            "INSERT INTO message(id, account_id, external_id, conversation_id, direction, text, sent_at)"
            " VALUES (1, 1, 'm1', 1, 'in', 'Where is my parcel?', 0)")

    def hits(query: str) -> list[int]:
        with db.read() as conn:
            return [r[0] for r in conn.exec_driver_sql(
                "SELECT rowid FROM message_fts WHERE message_fts MATCH ?", (query,))]

    assert hits("parcel") == [1]
    assert hits("zoe") == [1]  # diacritics folded, customer name indexed
    assert hits("missing") == [1]  # subject indexed
    with db.write() as conn:
        conn.exec_driver_sql("UPDATE message SET text = 'Refund please' WHERE id = 1")
    assert hits("refund") == [1]
    assert hits("where") == []
    with db.write() as conn:
        conn.exec_driver_sql("DELETE FROM message WHERE id = 1")
    assert hits("refund") == []


def test_0006_clears_1970_first_responses_and_reads_chatwoot_accounts_again(data_dir):
    """Caches from before 0006 hold Chatwoot's "no reply yet" (0) as a 1970 reply and resolution times
    taken from updated_at: those go, and Chatwoot accounts are read again to fill who wrote what."""
    database = cache_at(data_dir / "cache.sqlite3", "0004")
    with database.write() as conn:
        conn.exec_driver_sql("INSERT INTO account(id, kind, name, created_at) VALUES (1, 'chatwoot', 'hub', 0),"
                             " (2, 'imap_smtp', 'mail', 0)")
        for cid, account in ((1, 1), (2, 2)):
            conn.exec_driver_sql(
                "INSERT INTO conversation(id, account_id, external_id, channel, status, created_at, updated_at,"
                " first_response_at, resolved_at) VALUES (?, ?, ?, 'web_chat', 'resolved', 1760000000, 1760009999,"
                " 0, 1760009999)", (cid, account, str(cid)))
        conn.exec_driver_sql("INSERT INTO sync_cursor(account_id, stream, value, updated_at) VALUES"
                             " (1, 'conversations', '{}', 0), (1, 'messages/1', '9', 0), (2, 'INBOX', '{}', 0)")
    upgrade_to(database, "0006")  # up to 0006 only: 0008 reads mail folders again too
    with database.read() as conn:
        rows = conn.exec_driver_sql("SELECT id, first_response_at, resolved_at FROM conversation ORDER BY id").all()
        assert rows == [(1, None, None), (2, None, 1760009999)]
        assert conn.exec_driver_sql("SELECT account_id, stream FROM sync_cursor").all() == [(2, "INBOX")]
    database.close()


def test_0007_fills_the_first_response_deadlines_of_an_existing_cache(data_dir):
    """Nothing wrote sla_due_at before 0007: the upgrade computes it (with the agent's targets) and copies it
    into the KPI rollup, whose triggers keep it current from then on."""
    database = cache_at(data_dir / "cache.sqlite3", "0006")
    t0 = 1_772_355_600  # 2026-03-01 09:00 UTC
    with database.write() as conn:
        conn.exec_driver_sql("INSERT INTO account(id, kind, name, created_at) VALUES (1, 'chatwoot', 'hub', 0)")
        conn.exec_driver_sql("INSERT INTO setting(key, value) VALUES ('kpi.sla_targets', '{\"sms\": 600}')")
        for cid, channel in ((1, "web_chat"), (2, "sms"), (3, "email"), (4, "whatsapp")):
            conn.exec_driver_sql("INSERT INTO conversation(id, account_id, external_id, channel, status, created_at,"
                                 " updated_at) VALUES (?, 1, ?, ?, 'open', ?, ?)", (cid, str(cid), channel, t0, t0))
        messages = [(1, "in", 0, "received", 0), (1, "out", 60, "sent", 1),  # only a bot answered
                    (2, "in", 0, "received", 0), (2, "out", 60, "failed", 0),  # the reply never left
                    (3, "in", 0, "received", 0), (3, "out", 60, "sent", 0),  # answered
                    (4, "out", 0, "sent", 0)]  # outbound-initiated, nothing to answer
        for n, (cid, direction, after, delivery, automated) in enumerate(messages):
            conn.exec_driver_sql("INSERT INTO message(account_id, external_id, conversation_id, direction, sent_at,"
                                 " delivery, automated) VALUES (1, ?, ?, ?, ?, ?, ?)",
                                 (f"m{n}", cid, direction, t0 + after, delivery, automated))
    assert migrate.upgrade(database) == migrate.head_revision()
    expected = [(1, t0 + 120), (2, t0 + 600), (3, None), (4, None)]
    with database.read() as conn:
        assert conn.exec_driver_sql("SELECT id, sla_due_at FROM conversation ORDER BY id").all() == expected
        assert conn.exec_driver_sql(
            "SELECT conversation_id, sla_due_at FROM kpi_conversation ORDER BY 1").all() == expected
    with database.write() as conn:  # the new trigger copies later writes
        conn.exec_driver_sql("UPDATE conversation SET sla_due_at = 5 WHERE id = 3")
    with database.read() as conn:
        assert conn.exec_driver_sql("SELECT sla_due_at FROM kpi_conversation WHERE conversation_id = 3").scalar() == 5
    database.close()


def test_0008_keys_mail_by_place_and_reads_mail_folders_again(data_dir):
    """Caches from before 0008 keyed mail_header by message id, so messages sharing a Message-ID were lost:
    the rows held stay, and mail folders (only those) are read again to bring the lost messages back."""
    database = cache_at(data_dir / "cache.sqlite3", "0007")
    with database.write() as conn:
        conn.exec_driver_sql("INSERT INTO account(id, kind, name, created_at) VALUES (1, 'chatwoot', 'hub', 0),"
                             " (2, 'imap_smtp', 'mail', 0)")
        conn.exec_driver_sql("INSERT INTO sync_cursor(account_id, stream, value, updated_at) VALUES"
                             " (1, 'conversations', '{}', 0), (2, 'INBOX', '{\"v\": 7, \"h\": 3}', 0)")
        conn.exec_driver_sql("INSERT INTO mail_header (account_id, folder, message_external_id, uid, uidvalidity,"
                             " conversation_external_id) VALUES (2, 'INBOX', 'mid:a@x', 1, 7, 'mail:mid:a@x'),"
                             " (2, 'Sent', 'mid:a@x', 4, 9, 'mail:mid:a@x')")
    assert migrate.upgrade(database) == migrate.head_revision()
    with database.write() as conn:
        assert conn.exec_driver_sql("SELECT account_id, stream FROM sync_cursor").all() == [(1, "conversations")]
        assert conn.exec_driver_sql("SELECT folder, uidvalidity, uid, message_external_id, content FROM mail_header"
                                    " ORDER BY folder").all() == [("INBOX", 7, 1, "mid:a@x", ""),
                                                                  ("Sent", 9, 4, "mid:a@x", "")]
        # two places of one folder may now show one message (a true duplicate)
        conn.exec_driver_sql("INSERT INTO mail_header (account_id, folder, message_external_id, uid, uidvalidity,"
                             " conversation_external_id) VALUES (2, 'INBOX', 'mid:a@x', 2, 7, 'mail:mid:a@x')")
    database.close()


def test_0011_keeps_orders_and_pulls_the_shops_orders_again_for_their_facts(data_dir):
    """Caches from before 0011 dropped what was refunded, the product tags and the delivery dates: the orders
    held stay (with the defaults) and the shops' order streams start again to bring the facts in."""
    database = cache_at(data_dir / "cache.sqlite3", "0010")
    with database.write() as conn:
        conn.exec_driver_sql("INSERT INTO account(id, kind, name, created_at) VALUES (1, 'chatwoot', 'hub', 0),"
                             " (2, 'shopify', 'shop', 0)")
        conn.exec_driver_sql("INSERT INTO sync_cursor(account_id, stream, value, updated_at) VALUES"
                             " (1, 'conversations', '{}', 0), (2, 'customers', 'c9', 0), (2, 'orders', 'o9', 0)")
        conn.exec_driver_sql('INSERT INTO "order" (id, account_id, external_id, number, placed_at, updated_at,'
                             " total, currency, financial_status) VALUES (5, 2, 'gid://shopify/Order/5', '#1005',"
                             " 1760000000, 1760000000, 56.0, 'EUR', 'paid')")
        conn.exec_driver_sql("INSERT INTO order_line (order_id, title, quantity) VALUES (5, 'Crew', 2)")
    assert migrate.upgrade(database) == migrate.head_revision()
    with database.write() as conn:
        assert conn.exec_driver_sql("SELECT account_id, stream FROM sync_cursor ORDER BY 1, 2").all() == [
            (1, "conversations"), (2, "customers")]
        assert conn.exec_driver_sql('SELECT number, total, total_refunded, delivered_at, fulfilled_at, in_transit'
                                    ' FROM "order"').all() == [("#1005", 56.0, 0.0, None, None, 0)]
        assert conn.exec_driver_sql("SELECT title, refunded_quantity, product_tags, product_type"
                                    " FROM order_line").all() == [("Crew", 0, "[]", "")]
        conn.exec_driver_sql("INSERT INTO order_refund (order_id, external_id, amount) VALUES (5, 'r1', 28.0)")
    with pytest.raises(IntegrityError), database.write() as conn:  # once per order
        conn.exec_driver_sql("INSERT INTO order_refund (order_id, external_id) VALUES (5, 'r1')")
    with database.write() as conn:
        conn.exec_driver_sql('DELETE FROM "order" WHERE id = 5')
        assert conn.exec_driver_sql("SELECT count(*) FROM order_refund").scalar() == 0  # they go with their order
    database.close()
