"""Opens the cache database for the rest of the app: owner-only file, WAL, foreign keys, one writer.

Readers each use their own pooled connection (WAL lets them read while the writer writes);
writes go through ``Database.write()``, which serialises writers with a lock so two threads never
fight over SQLite's write lock and hit "database is locked".
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import QueuePool

from deskapp.store.owner_only import create_owner_only, tighten_side_files

# Connection is what store functions that join a caller's transaction take; services name it from here.
__all__ = ["CACHE_ERRORS", "Connection", "Database", "make_engine", "savepoint"]

# What a failed cache read or write raises (SQLAlchemy, the sqlite3 driver, the file system), so that
# services can turn it into a message for the agent without importing the database libraries.
CACHE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError, sqlite3.Error, OSError)


@contextmanager
def savepoint(conn: Connection, name: str) -> Iterator[None]:
    """The block's writes are undone alone when it raises (the exception goes on); the rest of the
    caller's transaction stays."""
    conn.exec_driver_sql(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        conn.exec_driver_sql(f"ROLLBACK TO {name}")
        raise
    finally:
        conn.exec_driver_sql(f"RELEASE {name}")


def make_engine(path: Path, *, synchronous: str = "NORMAL") -> Engine:
    """An engine on ``path`` with the PRAGMAs every connection needs."""
    create_owner_only(path)
    engine = create_engine(
        f"sqlite:///{path}",
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=8,
        connect_args={"check_same_thread": False, "timeout": 30},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection,
                    _record: object) -> None:  # pragma: no cover - exercised by every test
        # Let SQLAlchemy emit BEGIN itself (pysqlite's implicit transactions get in the way).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA temp_store=MEMORY")
        # 16 MB of pages per connection: the OS keeps the file's pages anyway, and at 10M messages four pooled
        # connections at 32 MB each held 100 MB of the desktop's memory for no faster read or ingest.
        cursor.execute("PRAGMA cache_size=-16384")
        cursor.close()
        tighten_side_files(path)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:  # pragma: no cover - exercised by every test
        conn.exec_driver_sql("BEGIN")

    return engine


class Database:
    """The cache: an engine plus the single-writer discipline (docs/architecture.md, Threads)."""

    def __init__(self, path: Path, *, synchronous: str = "NORMAL") -> None:
        self.path = path
        self.engine = make_engine(path, synchronous=synchronous)
        self._write_lock = threading.RLock()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: committed on success, rolled back on any exception."""
        with self._write_lock, self.engine.begin() as conn:
            conn.exec_driver_sql("SELECT 1")  # make sure BEGIN has run before the caller's first read
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading; its snapshot lasts until the block ends."""
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def read_raw(self) -> Iterator[sqlite3.Connection]:
        """The driver's own connection for reading, inside one transaction: for the store functions that
        also serve store.cache_reader.CacheReader (which loads no SQLAlchemy)."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")  # BEGIN, so the reads below share one snapshot
            raw = conn.connection.driver_connection
            assert isinstance(raw, sqlite3.Connection)  # the pysqlite driver's
            yield raw

    def close(self) -> None:
        self.engine.dispose()
