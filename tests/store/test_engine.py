"""store.engine: the cache's Database: an owner-only WAL file with foreign keys, one writer at a time without
"database is locked", writes all or nothing, reads on their own snapshot, and savepoints inside a write."""

from __future__ import annotations

import stat
import threading

import pytest

from deskapp.store.engine import Database, savepoint


@pytest.fixture
def database(tmp_path):
    db = Database(tmp_path / "cache.sqlite3")
    with db.write() as conn:
        conn.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL"
                             " REFERENCES parent(id))")
        conn.exec_driver_sql("CREATE TABLE counter (n INTEGER)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (0)")
    yield db
    db.close()


def count(db: Database, table: str) -> int:
    with db.read() as conn:
        return conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()


def test_the_file_is_owner_only_in_wal_mode_with_foreign_keys(database, tmp_path):
    assert stat.S_IMODE((tmp_path / "cache.sqlite3").stat().st_mode) == 0o600
    with database.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_write_is_all_or_nothing(database):
    with pytest.raises(RuntimeError, match="half way"), database.write() as conn:
        conn.exec_driver_sql("INSERT INTO parent (id) VALUES (1)")
        raise RuntimeError("half way")
    assert count(database, "parent") == 0
    with pytest.raises(Exception, match="FOREIGN KEY"), database.write() as conn:
        conn.exec_driver_sql("INSERT INTO parent (id) VALUES (2)")
        conn.exec_driver_sql("INSERT INTO child (parent_id) VALUES (99)")
    assert count(database, "parent") == 0


def test_many_writers_at_once_never_see_database_is_locked(database):
    errors: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(25):
                with database.write() as conn:
                    n = conn.exec_driver_sql("SELECT n FROM counter").scalar()
                    conn.exec_driver_sql("UPDATE counter SET n = ?", (n + 1,))
        except BaseException as exc:  # collected: the assertion below names it
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with database.read() as conn:
        assert conn.exec_driver_sql("SELECT n FROM counter").scalar() == 150  # no update lost


def test_a_reader_keeps_its_snapshot_while_the_writer_commits(database):
    with database.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM parent").scalar() == 0  # the snapshot starts here
        with database.write() as writer:
            writer.exec_driver_sql("INSERT INTO parent (id) VALUES (5)")
        assert conn.exec_driver_sql("SELECT count(*) FROM parent").scalar() == 0
    assert count(database, "parent") == 1
    with database.read_raw() as raw:
        assert raw.execute("SELECT id FROM parent").fetchall() == [(5,)]


def test_a_savepoint_undoes_its_own_block_and_keeps_the_rest(database):
    with database.write() as conn:
        conn.exec_driver_sql("INSERT INTO parent (id) VALUES (1)")
        with pytest.raises(ValueError), savepoint(conn, "one_record"):
            conn.exec_driver_sql("INSERT INTO parent (id) VALUES (2)")
            raise ValueError("a malformed record")
        with savepoint(conn, "next_record"):
            conn.exec_driver_sql("INSERT INTO parent (id) VALUES (3)")
    with database.read() as conn:
        assert [r[0] for r in conn.exec_driver_sql("SELECT id FROM parent ORDER BY id")] == [1, 3]
