"""The profile file: owner-only, durable, migrated step by step with a copy aside, a newer or damaged file
refused and left untouched, and rows that hold up (ids never reused, drafts go with their account)."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from deskapp.store import profile as profile_module
from deskapp.store import profile_records as records
from deskapp.store.outbox import StorageError
from deskapp.store.profile import ProfileStore, ProfileTooNew
from deskapp.store.profile_schema import MIGRATIONS, SCHEMA_VERSION


def _raw(path) -> sqlite3.Connection:
    return sqlite3.connect(path)


def test_file_is_owner_only_wal_full_sync_and_at_the_newest_schema(data_dir):
    store = ProfileStore(data_dir / "profile.sqlite3")
    try:
        assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
        with store.read() as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
            assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.version == SCHEMA_VERSION == len(MIGRATIONS)
        with store.write() as conn:
            records.put_setting(conn, "k", "v")
        for side in ("-wal", "-shm"):
            side_file = store.path.with_name(store.path.name + side)
            assert not side_file.exists() or stat.S_IMODE(os.stat(side_file).st_mode) == 0o600
    finally:
        store.close()
    # Committed means on disk: another connection (another process, after a crash) reads it.
    assert _raw(data_dir / "profile.sqlite3").execute("SELECT value FROM setting").fetchall() == [("v",)]


def test_an_older_file_is_copied_aside_then_upgraded_step_by_step(data_dir, monkeypatch):
    path = data_dir / "profile.sqlite3"
    store = ProfileStore(path)
    with store.write() as conn:
        records.put_setting(conn, "theme", "dark")
    store.close()
    steps = (*MIGRATIONS, "CREATE TABLE pinned (name TEXT PRIMARY KEY);",
             "INSERT INTO pinned (name) SELECT value FROM setting WHERE key = 'theme';")
    monkeypatch.setattr(profile_module, "MIGRATIONS", steps)
    monkeypatch.setattr(profile_module, "SCHEMA_VERSION", len(steps))
    upgraded = ProfileStore(path)
    try:
        assert upgraded.version == len(steps)
        with upgraded.read() as conn:
            assert [tuple(r) for r in conn.execute("SELECT name FROM pinned")] == [("dark",)]
    finally:
        upgraded.close()
    [saved] = data_dir.glob(f"profile.sqlite3.before-v{len(steps)}.*.bak")
    copy = _raw(saved)
    assert copy.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert copy.execute("SELECT value FROM setting").fetchall() == [("dark",)]
    assert stat.S_IMODE(os.stat(saved).st_mode) == 0o600


def test_a_failing_step_leaves_the_file_at_its_old_version(data_dir, monkeypatch):
    path = data_dir / "profile.sqlite3"
    ProfileStore(path).close()
    steps = (*MIGRATIONS, "CREATE TABLE half (x INTEGER); INSERT INTO no_such_table VALUES (1);")
    monkeypatch.setattr(profile_module, "MIGRATIONS", steps)
    monkeypatch.setattr(profile_module, "SCHEMA_VERSION", len(steps))
    with pytest.raises(StorageError, match="no_such_table"):
        ProfileStore(path)
    raw = _raw(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert raw.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half'").fetchone()[0] == 0


def test_a_file_from_a_newer_deskapp_is_refused_and_left_untouched(data_dir):
    path = data_dir / "profile.sqlite3"
    store = ProfileStore(path)
    with store.write() as conn:
        records.insert_account(conn, "chatwoot", "Hub", "https://hub.example")
    store.close()
    raw = _raw(path)
    raw.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    before = path.read_bytes()
    with pytest.raises(ProfileTooNew, match="newer deskapp"):
        ProfileStore(path)
    assert path.read_bytes() == before
    assert not list(data_dir.glob("profile.sqlite3.*.bak"))


def test_a_damaged_profile_is_refused_never_replaced(data_dir):
    path = data_dir / "profile.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(8000))
    before = path.read_bytes()
    with pytest.raises(StorageError, match="damaged") as refused:
        ProfileStore(path)
    assert "backup" in str(refused.value)
    assert path.read_bytes() == before


def test_a_full_disk_refuses_the_write_and_keeps_what_was_there(data_dir):
    path = data_dir / "profile.sqlite3"
    ProfileStore(path).close()
    pages = _raw(path).execute("PRAGMA page_count").fetchone()[0]
    store = ProfileStore(path, max_page_count=pages + 1)
    try:
        with store.write() as conn:
            account = records.insert_account(conn, "chatwoot", "Hub", "https://hub.example")
        with pytest.raises(StorageError, match="disk holding the profile is full"), store.write() as conn:
            for i in range(200):
                records.insert_template(conn, name=f"t{i}", body="x" * 3000)
        with store.read() as conn:
            assert records.templates(conn) == []  # all or nothing
            assert [a.id for a in records.list_accounts(conn)] == [account]
    finally:
        store.close()


def test_account_ids_are_never_reused_and_drafts_go_with_their_account(profile):
    with profile.write() as conn:
        first = records.insert_account(conn, "chatwoot", "One", "https://one.example", {"account_id": 1})
        second = records.insert_account(conn, "shopify", "Two", "https://two.example")
        records.put_draft(conn, second, "c7", "half an answer", is_note=False)
        records.add_correction(conn, records.Correction(second, "c7", "m1", "intent", "other", "refund",
                                                        "I want my money back", 1))
        assert records.delete_account(conn, second)
        third = records.insert_account(conn, "chatwoot", "Three", "https://three.example")
    # Keyring entries and outbox items are keyed by account id: a new account never inherits one.
    assert third > second > first
    with profile.read() as conn:
        assert records.draft_keys(conn) == []
        [kept] = records.corrections(conn)
    assert kept.account_id is None and kept.text == "I want my money back"  # still teaches the model


def test_a_draft_needs_an_account_of_the_profile(profile):
    with pytest.raises(StorageError, match="FOREIGN KEY"), profile.write() as conn:
        records.put_draft(conn, 99, "c1", "orphan", is_note=False)


def test_saved_views_keep_their_order_and_replace_by_name(profile):
    with profile.write() as conn:
        records.put_saved_view(conn, "B", {"label": "vip"})
        records.put_saved_view(conn, "A", {"channel": "email"})
        records.put_saved_view(conn, "B", {"label": "late"})
    with profile.read() as conn:
        assert records.saved_views(conn) == [("B", {"label": "late"}), ("A", {"channel": "email"})]
