"""CommitWatch: a commit by another connection or process is seen once; reads and nothing are not."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys

from deskapp.store.commit_watch import CommitWatch


def _cache(tmp_path):
    path = tmp_path / "cache.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x INTEGER)")
    return path, conn


def test_a_commit_elsewhere_is_seen_once_and_a_read_is_not(tmp_path):
    path, other = _cache(tmp_path)
    watch = CommitWatch(path)
    try:
        assert watch.changed() is False
        other.execute("SELECT count(*) FROM t").fetchone()
        assert watch.changed() is False
        other.execute("INSERT INTO t VALUES (1)")
        assert watch.changed() is True
        assert watch.changed() is False
        other.execute("BEGIN")
        other.execute("INSERT INTO t VALUES (2)")
        assert watch.changed() is False  # not committed yet
        other.execute("COMMIT")
        assert watch.changed() is True
    finally:
        watch.close()
        other.close()


def test_a_commit_by_another_process_is_seen(tmp_path):
    path, other = _cache(tmp_path)
    other.close()
    watch = CommitWatch(path)
    try:
        subprocess.run([sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
                        " c.execute('INSERT INTO t VALUES (3)'); c.commit()", str(path)], check=True)
        assert watch.changed() is True
        assert watch.changed() is False
    finally:
        watch.close()


def test_a_file_it_cannot_open_is_logged_and_never_reported(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    watch = CommitWatch(tmp_path / "no such folder" / "cache.sqlite3")
    assert watch.changed() is False
    assert "cannot watch cache.sqlite3" in caplog.text
    watch.close()
