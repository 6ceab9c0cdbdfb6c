"""A read-only view of the cache over plain sqlite3, for one-shot readers that must start at once (`deskapp search`).

It loads neither SQLAlchemy nor Alembic: bootstrap hands it out only for a cache whose schema is current
(store.schema_version). The file is opened read-only, so a reader never writes to the cache; store
functions that take the driver's connection (``read_raw()``) serve it and ``Database`` alike.
"""

from __future__ import annotations

import _thread  # the lock alone: importing threading is a noticeable part of `deskapp search`'s start-up
import sqlite3
from contextlib import contextmanager

TYPE_CHECKING = False  # not typing's, for the same reason
if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


class CacheReader:
    """One read-only connection to the cache; each ``read_raw()`` block sees one snapshot."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = _thread.allocate_lock()
        self._conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30, isolation_level=None,
                                     check_same_thread=False)
        self._conn.execute("PRAGMA busy_timeout=30000")

    @contextmanager
    def read_raw(self) -> Iterator[sqlite3.Connection]:
        """The connection inside one read transaction, ended when the block ends."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                yield self._conn
            finally:
                self._conn.execute("ROLLBACK")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
