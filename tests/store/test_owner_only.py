"""store.owner_only: the cache, outbox and profile files and their WAL side files are readable by their owner only."""

from __future__ import annotations

import sqlite3
import stat

from deskapp.store.owner_only import OWNER_ONLY, create_owner_only, tighten_side_files


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_and_its_folder_are_created_owner_only(tmp_path):
    path = tmp_path / "deeper" / "cache.sqlite3"
    create_owner_only(path)
    assert path.exists() and path.read_bytes() == b"" and mode(path) == OWNER_ONLY


def test_an_existing_world_readable_file_is_tightened_and_kept(tmp_path):
    path = tmp_path / "profile.sqlite3"
    path.write_bytes(b"what the agent wrote")
    path.chmod(0o644)
    create_owner_only(path)
    assert mode(path) == OWNER_ONLY and path.read_bytes() == b"what the agent wrote"


def test_a_file_already_owner_only_is_left_as_it_is(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    path.write_bytes(b"x")
    path.chmod(0o400)  # stricter than needed: not loosened
    create_owner_only(path)
    assert mode(path) == 0o400
    path.chmod(0o600)


def test_the_wal_and_shm_files_sqlite_made_are_tightened(tmp_path):
    path = tmp_path / "cache.sqlite3"
    create_owner_only(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    sides = [path.with_name(path.name + s) for s in ("-wal", "-shm")]
    for side in sides:
        side.chmod(0o644)
    tighten_side_files(path)
    assert [mode(side) for side in sides] == [OWNER_ONLY, OWNER_ONLY]
    conn.close()


def test_side_files_that_do_not_exist_are_no_error(tmp_path):
    path = tmp_path / "never-opened.sqlite3"
    tighten_side_files(path)
    assert not path.with_name(path.name + "-wal").exists()
