"""store.cache_reader: the cache read-only over the bare driver, one snapshot per block, never a write."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from deskapp.store.cache_reader import CacheReader
from tests.faults.seed import seed_cache


@pytest.fixture
def reader(db, data_dir):
    seed_cache(db, conversations=3)
    opened = CacheReader(data_dir / "cache.sqlite3")
    yield opened
    opened.close()


def test_it_reads_what_the_cache_holds(reader):
    with reader.read_raw() as conn:
        assert conn.execute("SELECT count(*) FROM conversation").fetchone()[0] == 3


def test_it_never_writes(reader, db):
    with pytest.raises(sqlite3.OperationalError, match="readonly"), reader.read_raw() as conn:
        conn.execute("DELETE FROM conversation")
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM conversation").scalar() == 3


def test_one_block_sees_one_snapshot_while_the_sync_writes(reader, db):
    with reader.read_raw() as conn:
        before = conn.execute("SELECT count(*) FROM conversation").fetchone()[0]
        writer = threading.Thread(target=seed_cache, args=(db,), kwargs={"conversations": 0})
        writer.start()
        writer.join(30)
        with db.read() as other:
            assert other.exec_driver_sql("SELECT count(*) FROM account").scalar() == 2  # the write landed
        assert conn.execute("SELECT count(*) FROM account").fetchone()[0] == 1  # this block does not see it
        assert conn.execute("SELECT count(*) FROM conversation").fetchone()[0] == before
    with reader.read_raw() as conn:  # the next block does
        assert conn.execute("SELECT count(*) FROM account").fetchone()[0] == 2


def test_a_failing_query_ends_the_block_and_the_reader_still_works(reader):
    with pytest.raises(sqlite3.OperationalError), reader.read_raw() as conn:
        conn.execute("SELECT * FROM no_such_table")
    with reader.read_raw() as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_missing_cache_is_refused_rather_than_created(tmp_path):
    with pytest.raises(sqlite3.OperationalError):
        CacheReader(tmp_path / "absent.sqlite3")
    assert not (tmp_path / "absent.sqlite3").exists()
