"""A data folder from before the profile (everything in a cache at revision 0004) is carried over once, on the
first start, with nothing lost; a damaged old cache gives what it still reads, and the agent is told what not."""

from __future__ import annotations

import json
import os
import sqlite3

from alembic import command
from alembic.config import Config

from deskapp import bootstrap
from deskapp.services import accounts, drafts, inbox, templates
from deskapp.services import profile as profile_service
from deskapp.store import migrate
from deskapp.store import profile_records as records
from deskapp.store.engine import Database

OLD_HEAD = "0004"
VIEWS = [{"name": "VIP", "filter": {"label": "vip", "statuses": ["open"]}},
         {"name": "Mail", "filter": {"channel": "email"}}]


def _old_cache(path) -> None:
    """A cache as the previous deskapp left it: schema 0004, the agent's work among the synced rows."""
    db = Database(path)
    cfg = Config()
    cfg.set_main_option("script_location", str(migrate.migrations_dir()))
    with db.write() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, OLD_HEAD)
    with db.write() as conn:
        x = conn.exec_driver_sql
        # Ids with a gap, as after a removal: keyring entries are keyed by them, so they must survive.
        x("INSERT INTO account (id, kind, name, base_url, settings, state, last_sync, created_at) VALUES"
          " (3, 'chatwoot', 'Hub', 'https://hub.example', '{\"account_id\": 1}', 'online', 1700000000, 1600000000),"
          " (5, 'imap_smtp', 'Mailbox', 'imap://127.0.0.1:1', '{\"user\": \"me\"}', 'unknown', NULL, 1600000500)")
        x("INSERT INTO setting (key, value) VALUES ('ui.saved_views', ?), ('copilot.default_templates_seeded', '1'),"
          " ('work_offline', '1'), ('kpi.sla_targets', '{\"email\": 3600}'), ('copilot.llm.url', 'http://127.0.0.1:8/v1')",
          (json.dumps(VIEWS),))
        x("INSERT INTO template (id, account_id, external_id, name, body, shortcut, scope, intents, updated_at) VALUES"
          " (1, NULL, 'default:0', 'Shipped one', 'Hi {{ customer.first_name }}', '', 'team', '[\"order_status\"]', 1),"
          " (2, NULL, NULL, 'Mine', 'My own words', '/mine', 'personal', '[]', 2),"
          " (3, 3, '7', 'canned', 'Synced from Chatwoot', 'canned', 'team', '[]', 3),"
          " (4, NULL, 'chatwoot:3:7', 'canned copy', 'Edited copy', 'canned', 'team', '[\"refund\"]', 4)")
        for cid, ext in ((10, "101"), (11, "102")):
            x("INSERT INTO conversation (id, account_id, external_id, channel, status, created_at, updated_at,"
              " intent, triage_locked) VALUES (?, 3, ?, 'web_chat', 'open', 0, 0, 'refund', ?)",
              (cid, ext, int(cid == 10)))
        x("INSERT INTO message (id, account_id, external_id, conversation_id, direction, text, sent_at) VALUES"
          " (20, 3, 'm-1', 10, 'in', 'I want my money back', 0)")
        x("INSERT INTO draft (conversation_id, body, is_note, updated_at) VALUES (10, 'Half an answer 😀', 0, 5),"
          " (11, 'internal note', 1, 6)")
        x("INSERT INTO triage_correction (message_id, conversation_id, field, old_value, new_value, text, at) VALUES"
          " (20, 10, 'intent', 'other', 'refund', 'I want my money back', 7),"
          " (NULL, 11, 'urgency', 'low', 'high', '', 8)")
        x("INSERT INTO triage_model (created_at, examples, corrections, model) VALUES (9, 1, 1, x'00')")
    db.close()


def test_an_old_cache_is_carried_over_once_with_nothing_lost(data_dir):
    _old_cache(data_dir / "cache.sqlite3")
    ws = bootstrap.open_workspace(data_dir)
    try:
        listed = {a.id: a for a in accounts.list_accounts(ws)}
        assert sorted(listed) == [3, 5]
        assert (listed[3].name, listed[3].base_url, listed[3].settings) == ("Hub", "https://hub.example",
                                                                            {"account_id": 1})
        assert listed[3].last_sync is not None  # the sync state stays in the cache
        own = {t.name: t for t in templates.list_templates(ws.db, ws.profile, include_synced=False)}
        assert sorted(own) == ["Mine", "Shipped one", "canned copy"]
        assert (own["Mine"].scope, own["Mine"].shortcut) == ("personal", "/mine")
        assert own["canned copy"].external_id == "chatwoot:3:7" and own["canned copy"].intents == ("refund",)
        assert [t.name for t in templates.list_templates(ws.db, ws.profile) if t.synced] == ["canned"]
        assert templates.ensure_default_templates(ws.profile) == 0, "seeded before: not seeded again"
        assert [(v.title, v.filter.label) for v in inbox.saved_views(ws.profile)] == [("VIP", "vip"), ("Mail", None)]
        assert drafts.load(ws.db, ws.profile, 10).body == "Half an answer 😀"
        assert drafts.load(ws.db, ws.profile, 11).is_note
        assert drafts.with_drafts(ws.db, ws.profile) == {10, 11}
        with ws.profile.read() as conn:
            kept = records.corrections(conn)
            assert records.meta(conn, records.TRIAGE_RETRAINED) is not None
        assert [(c.account_id, c.conversation_external_id, c.message_external_id, c.new_value, c.locks)
                for c in kept] == [(3, "101", "m-1", "refund", True), (3, "102", None, "high", False)]
        assert profile_service.settings(ws.profile) == {"work_offline": "1", "kpi.sla_targets": '{"email": 3600}',
                                                       "copilot.llm.url": "http://127.0.0.1:8/v1"}
        with ws.db.read() as conn:
            tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
            cached_settings = dict(conn.exec_driver_sql("SELECT key, value FROM setting").all())
            cached_templates = conn.exec_driver_sql("SELECT id FROM template").all()
        assert not {"draft", "triage_correction"} & tables
        assert cached_settings == profile_service.settings(ws.profile)  # the copy SQL reads in the cache
        assert cached_templates == [(3,)]  # only what the server gives back
        assert ws.notice is None
        assert list(data_dir.glob("cache.sqlite3.before-*.bak")), "the old file was copied aside first"
        templates.save_template(ws.profile, name="Written after", body="new")
    finally:
        ws.close()
    again = bootstrap.open_workspace(data_dir)  # carried over once: a second start copies nothing again
    try:
        assert len(accounts.list_accounts(again)) == 2
        assert len(templates.list_templates(again.db, again.profile, include_synced=False)) == 4
        assert len(inbox.saved_views(again.profile)) == 2
    finally:
        again.close()


def test_a_damaged_old_cache_gives_what_it_reads_and_says_what_it_could_not(data_dir):
    path = data_dir / "cache.sqlite3"
    _old_cache(path)
    raw = sqlite3.connect(path)
    with raw:
        for i in range(400):  # the tail of the file: settings pages, scribbled over below
            raw.execute("INSERT INTO setting (key, value) VALUES (?, ?)", (f"bulk.{i}", "v" * 500))
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    data = bytearray(path.read_bytes())
    for offset in range(len(data) - 4096 * 30, len(data), 4096):
        data[offset + 8: offset + 400] = os.urandom(392)
    path.write_bytes(bytes(data))

    ws = bootstrap.open_workspace(data_dir)
    try:
        assert sorted(a.id for a in accounts.list_accounts(ws)) == [3, 5]
        assert ws.notice is not None
        assert "damaged" in ws.notice and "settings" in ws.notice and "not carried over" in ws.notice
        assert "Nothing you wrote was lost" not in ws.notice  # it would not be true
        assert any(p.name.startswith("cache.sqlite3.corrupt-") for p in data_dir.iterdir())
    finally:
        ws.close()


def test_an_old_cache_that_is_garbage_is_said_plainly_and_the_app_still_starts(data_dir):
    (data_dir / "cache.sqlite3").write_bytes(os.urandom(64 * 1024))
    ws = bootstrap.open_workspace(data_dir)
    try:
        assert accounts.list_accounts(ws) == []
        assert "could not be read" in ws.notice and "add your accounts again" in ws.notice
        with ws.db.read() as conn:
            assert conn.exec_driver_sql("PRAGMA quick_check").scalar() == "ok"
    finally:
        ws.close()
    again = bootstrap.open_workspace(data_dir)  # carried over (as far as it went) once: not again
    try:
        assert again.notice is None
    finally:
        again.close()
