"""OutboxStore: its own durable file, schema version, states, and clear failures on a bad disk."""

from __future__ import annotations

import ctypes
import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from deskapp.domain import Handoff, OutboxKind, OutboxState
from deskapp.store import cache_integrity
from deskapp.store.outbox import OutboxStore, StorageError


def _append(store: OutboxStore, conv: str = "101", kind: OutboxKind = OutboxKind.REPLY, **payload):
    return store.append(account_id=1, conversation_external_id=conv, kind=kind, payload=payload or {"text": "hi"})


def test_file_schema_and_permissions(tmp_path):
    store = OutboxStore(tmp_path / "outbox.sqlite3")
    row = _append(store)
    assert row.state == OutboxState.PENDING and row.attempts == 0 and len(row.client_id) == 36
    assert (tmp_path / "outbox.sqlite3").stat().st_mode & 0o777 == 0o600
    raw = sqlite3.connect(tmp_path / "outbox.sqlite3")
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 2
    raw.close()
    assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    store.close()
    reopened = OutboxStore(tmp_path / "outbox.sqlite3")
    assert [r.client_id for r in reopened.items()] == [row.client_id]
    reopened.close()


def test_newer_schema_is_refused(tmp_path):
    raw = sqlite3.connect(tmp_path / "outbox.sqlite3")
    raw.execute("PRAGMA user_version=99")
    raw.close()
    with pytest.raises(StorageError, match="newer deskapp"):
        OutboxStore(tmp_path / "outbox.sqlite3")


def test_state_transitions(tmp_path):
    store = OutboxStore(tmp_path / "o.sqlite3")
    a, b, c = _append(store), _append(store, "102"), _append(store)
    assert store.claim(a.client_id) and store.get(a.client_id).attempts == 1
    assert not store.remove_if_pending(a.client_id)
    store.mark_done(a.client_id, "srv-1")
    assert store.get(a.client_id).external_id == "srv-1"
    store.claim(b.client_id)
    store.mark_problem(b.client_id, OutboxState.CONFLICT, reason="deleted")
    assert store.retry(b.client_id) and store.get(b.client_id).state == OutboxState.PENDING
    store.claim(c.client_id)
    assert store.recover_sending() == 1 and store.get(c.client_id).state == OutboxState.PENDING
    assert store.counts()["done"] == 1 and store.counts()["pending"] == 2
    assert [r.client_id for r in store.open_items()] == [b.client_id, c.client_id]
    assert store.get(a.client_id).to_json()["state"] == "done"
    store.close()


def test_handoff_is_recorded_only_while_sending_and_cleared_by_the_agents_retry(tmp_path):
    store = OutboxStore(tmp_path / "o.sqlite3")
    row = _append(store)
    with pytest.raises(StorageError, match="no longer being sent"):  # not claimed: never hand it over
        store.set_handoff(row.client_id, Handoff.HANDED)
    assert store.claim(row.client_id)
    store.set_handoff(row.client_id, Handoff.HANDED)
    assert store.recover_sending() == 1  # a restart keeps what it knew about the send
    assert store.get(row.client_id).to_item().handoff == Handoff.HANDED
    store.claim(row.client_id)
    store.mark_problem(row.client_id, OutboxState.CONFLICT, reason="may already have been sent")
    assert store.get(row.client_id).to_json()["handoff"] == "handed"
    assert store.retry(row.client_id)  # the agent looked and decided to send it: no longer held back
    assert store.get(row.client_id).handoff is None
    store.claim(row.client_id)
    store.set_handoff(row.client_id, Handoff.ACCEPTED)
    store.mark_done(row.client_id, "mid:x")
    assert store.get(row.client_id).handoff == Handoff.ACCEPTED
    store.close()


def test_version_1_file_is_upgraded_and_replies_caught_mid_push_become_maybe_sent(tmp_path):
    from deskapp.store.outbox import _SCHEMA_V1

    raw = sqlite3.connect(tmp_path / "o.sqlite3")
    raw.executescript(_SCHEMA_V1 + "PRAGMA user_version=1;")
    for n, (kind, state) in enumerate([("reply", "sending"), ("reply", "pending"), ("status", "sending")]):
        raw.execute("INSERT INTO outbox (client_id, account_id, kind, payload, created_at, updated_at, state,"
                    " attempts) VALUES (?, 1, ?, '{}', 0, 0, ?, 1)", (f"c{n}", kind, state))
    raw.commit()
    raw.close()
    store = OutboxStore(tmp_path / "o.sqlite3")
    assert {r.client_id: r.handoff for r in store.items()} == {"c0": Handoff.HANDED, "c1": None, "c2": None}
    assert store._conn.execute("PRAGMA user_version").fetchone()[0] == 2
    store.close()


def test_disk_full_gives_clear_message_and_keeps_what_was_there(tmp_path):
    store = OutboxStore(tmp_path / "o.sqlite3")
    kept = [_append(store).client_id for _ in range(3)]
    store.close()
    pages = sqlite3.connect(tmp_path / "o.sqlite3").execute("PRAGMA page_count").fetchone()[0]
    full = OutboxStore(tmp_path / "o.sqlite3", max_page_count=pages)
    with pytest.raises(StorageError, match="full"):
        for _ in range(200):
            _append(full, text="x" * 3000)
    full.close()
    after = OutboxStore(tmp_path / "o.sqlite3")
    assert [r.client_id for r in after.items()][:3] == kept
    assert sqlite3.connect(tmp_path / "o.sqlite3").execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    after.close()


READ_ONLY_CHILD = textwrap.dedent("""
    import sys
    from deskapp.store.outbox import OutboxStore, StorageError
    from deskapp.domain import OutboxKind
    try:
        store = OutboxStore(sys.argv[1])
        store.append(account_id=1, conversation_external_id="1", kind=OutboxKind.NOTE, payload={"text": "x"})
    except StorageError as exc:
        print(exc)
        sys.exit(3)
""")


def test_read_only_folder_gives_clear_message(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    store = OutboxStore(folder / "o.sqlite3")
    _append(store)
    store.close()
    before = (folder / "o.sqlite3").read_bytes()
    os.chmod(folder / "o.sqlite3", 0o400)
    os.chmod(folder, 0o500)
    try:
        def drop_privileges() -> None:
            # root ignores file permissions through CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH: drop both
            # from the bounding set so the exec'd writer sees the folder as read-only like anyone else.
            if os.geteuid() == 0:
                libc = ctypes.CDLL(None, use_errno=True)
                for cap in (1, 2):
                    if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                        raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")
        result = subprocess.run([sys.executable, "-c", READ_ONLY_CHILD, str(folder / "o.sqlite3")],
                                capture_output=True, text=True, timeout=60, preexec_fn=drop_privileges,
                                cwd=os.getcwd(), env={**os.environ, "PYTHONPATH": os.getcwd()})
    finally:
        os.chmod(folder, 0o700)
        os.chmod(folder / "o.sqlite3", 0o600)
    assert result.returncode == 3, result.stderr
    assert "read-only" in result.stdout
    assert (folder / "o.sqlite3").read_bytes() == before


def test_cache_integrity_moves_a_corrupt_cache_aside(db, data_dir):
    from sqlalchemy import text
    with db.write() as conn:
        conn.execute(text("INSERT INTO account (kind, name, base_url, created_at) VALUES ('chatwoot','Hub','u',1)"))
        for i in range(300):
            conn.execute(text("INSERT INTO setting (key, value) VALUES (:k, :v)"), {"k": f"k{i}", "v": "v" * 500})
    db.close()
    path = data_dir / "cache.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    assert cache_integrity.quick_check(path) == "ok"
    assert cache_integrity.ensure_cache_usable(path) is None
    data = bytearray(path.read_bytes())
    for offset in range(len(data) - 4096 * 20, len(data), 4096):  # scribble over the settings' pages
        data[offset + 8: offset + 400] = os.urandom(392)
    path.write_bytes(bytes(data))
    assert cache_integrity.quick_check(path) != "ok"
    damage = cache_integrity.ensure_cache_usable(path)
    assert not path.exists()
    assert damage is not None and damage.verdict != "ok"
    assert damage.moved_to is not None and damage.moved_to.name.startswith("cache.sqlite3.corrupt-")
    assert damage.moved_to.exists()


def test_cache_integrity_a_deleted_cache_starts_afresh_without_its_stale_wal(data_dir):
    path = data_dir / "cache.sqlite3"
    assert cache_integrity.ensure_cache_usable(path) == cache_integrity.CacheDamage(cache_integrity.MISSING)
    (data_dir / "cache.sqlite3-wal").write_bytes(b"left behind by the deleted file")
    damage = cache_integrity.ensure_cache_usable(path)
    assert damage is not None and damage.verdict == cache_integrity.MISSING and damage.moved_to is None
    assert not (data_dir / "cache.sqlite3-wal").exists()  # SQLite would replay it into the fresh cache
    assert next(p.name for p in data_dir.iterdir() if p.name.endswith("-wal")).startswith("cache.sqlite3.corrupt-")
