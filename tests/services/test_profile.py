"""The profile beside the cache: settings written to both, the cache's copies made to match the profile at
start, and what the agent is told when the cache had to start afresh."""

from __future__ import annotations

from pathlib import Path

from deskapp import bootstrap
from deskapp.services import accounts
from deskapp.services import profile as profile_service
from deskapp.store import profile_records
from deskapp.store.cache_integrity import MISSING, CacheDamage
from deskapp.store.profile_carry_over import CarryOver


def test_settings_go_to_the_profile_and_its_copy_in_the_cache(db, profile):
    profile_service.put_settings(db, profile, {"kpi.timezone": "Europe/Paris", "copilot.llm.model": "tiny"})
    profile_service.set_work_offline(db, profile, True)
    assert profile_service.settings(profile, "kpi.") == {"kpi.timezone": "Europe/Paris"}
    with db.read() as conn:
        cached = dict(conn.exec_driver_sql("SELECT key, value FROM setting").all())
    assert cached == profile_service.settings(profile) == {"kpi.timezone": "Europe/Paris",
                                                           "copilot.llm.model": "tiny", "work_offline": "1"}
    profile_service.put_settings(db, profile, {"kpi.timezone": None})
    assert profile_service.setting(profile, "kpi.timezone") is None
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM setting WHERE key = 'kpi.timezone'").scalar() == 0


def test_the_cache_copies_follow_the_profile_at_every_start(data_dir):
    ws = bootstrap.open_workspace(data_dir)
    try:
        kept = accounts.add_account(ws, "chatwoot", "Kept", "https://hub.example", "tok-1")
        dropped = accounts.add_account(ws, "chatwoot", "Dropped", "https://hub.example", "tok-2")
        profile_service.put_settings(ws.db, ws.profile, {"kpi.timezone": "UTC"})
        # Another process (or a crash between the two writes) changed the profile only.
        with ws.profile.write() as conn:
            profile_records.delete_account(conn, dropped)
            profile_records.update_account(conn, kept, name="Kept, renamed")
            profile_records.put_setting(conn, "kpi.timezone", "Asia/Tokyo")
        with ws.db.write() as conn:
            conn.exec_driver_sql("INSERT INTO setting (key, value) VALUES ('written.past.the.profile', '1')")
    finally:
        ws.close()
    ws = bootstrap.open_workspace(data_dir)
    try:
        with ws.db.read() as conn:
            assert conn.exec_driver_sql("SELECT id, name FROM account").all() == [(kept, "Kept, renamed")]
            assert dict(conn.exec_driver_sql("SELECT key, value FROM setting").all()) == {"kpi.timezone": "Asia/Tokyo"}
        accounts.remove_account(ws, kept)  # keyring tidy for the next tests
        ws.secrets.delete_account(dropped)
    finally:
        ws.close()


def test_what_the_agent_is_told():
    moved = CacheDamage("database disk image is malformed", Path("/d/cache.sqlite3.corrupt-20261202-101010"))
    damaged = profile_service.start_notice(moved, None)
    assert "damaged (database disk image is malformed)" in damaged and "cache.sqlite3.corrupt-20261202" in damaged
    assert "rebuilt from the servers" in damaged and "Nothing you wrote was lost" in damaged
    missing = profile_service.start_notice(CacheDamage(MISSING), None)
    assert missing.startswith("The cache was missing") and "Nothing you wrote was lost" in missing
    partial = profile_service.start_notice(moved, CarryOver({"accounts": 2}, ["drafts", "settings"]))
    assert "not carried over into the profile: drafts, settings" in partial and "Nothing" not in partial
    assert profile_service.start_notice(None, CarryOver({"accounts": 2}, [])) is None
