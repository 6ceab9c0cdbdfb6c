"""store.cache_integrity: at start-up a damaged cache is moved aside with its WAL and SHM, never patched; a
missing one starts afresh, and a WAL left behind by a deleted cache is moved aside so it is not replayed."""

from __future__ import annotations

import sqlite3

from deskapp.store.cache_integrity import MISSING, CacheDamage, ensure_cache_usable, move_aside, quick_check


def make_cache(path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE conversation (id INTEGER PRIMARY KEY, subject TEXT)")
    conn.executemany("INSERT INTO conversation (subject) VALUES (?)", [(f"s{i}" * 50,) for i in range(500)])
    conn.commit()
    conn.close()


def test_a_sound_cache_is_left_where_it_is(tmp_path):
    path = tmp_path / "cache.sqlite3"
    make_cache(path)
    assert quick_check(path) == "ok"
    assert ensure_cache_usable(path) is None and path.exists()


def test_a_missing_or_empty_cache_starts_afresh(tmp_path):
    path = tmp_path / "cache.sqlite3"
    assert ensure_cache_usable(path) == CacheDamage(MISSING)
    path.write_bytes(b"")
    assert ensure_cache_usable(path) == CacheDamage(MISSING)


def test_a_wal_left_by_a_deleted_cache_is_moved_aside(tmp_path):
    path = tmp_path / "cache.sqlite3"
    (tmp_path / "cache.sqlite3-wal").write_bytes(b"old frames")
    assert ensure_cache_usable(path) == CacheDamage(MISSING)
    assert not (tmp_path / "cache.sqlite3-wal").exists()
    assert [p.read_bytes() for p in tmp_path.glob("cache.sqlite3.corrupt-*-wal")] == [b"old frames"]


def test_a_file_that_is_not_a_database_is_moved_aside_with_its_side_files(tmp_path):
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"garbage" * 1000)
    (tmp_path / "cache.sqlite3-shm").write_bytes(b"shm")
    damage = ensure_cache_usable(path)
    assert damage is not None and damage.verdict != "ok" and "not a database" in damage.verdict
    assert damage.moved_to is not None and damage.moved_to.read_bytes() == b"garbage" * 1000
    assert damage.moved_to.with_name(damage.moved_to.name + "-shm").read_bytes() == b"shm"
    assert not path.exists() and not (tmp_path / "cache.sqlite3-shm").exists()


def test_a_damaged_page_is_found_and_the_file_moved_aside_untouched(tmp_path):
    path = tmp_path / "cache.sqlite3"
    make_cache(path)
    data = bytearray(path.read_bytes())
    page = 4096
    data[3 * page:3 * page + 200] = b"\xff" * 200  # scribble over a table page, keep the header
    path.write_bytes(bytes(data))
    verdict = quick_check(path)
    assert verdict != "ok"
    damage = ensure_cache_usable(path)
    assert damage is not None and damage.moved_to.read_bytes() == bytes(data)


def test_moving_aside_names_the_file_by_the_time(tmp_path):
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"x")
    target = move_aside(path)
    assert target.name.startswith("cache.sqlite3.corrupt-") and target.read_bytes() == b"x"
