"""Whether anyone committed to the cache since the last look, for the desktop's poll of the writers it
hears nothing from (`deskapp sync` or `deskapp act` in another process).

SQLite's ``PRAGMA data_version`` on a connection of its own changes whenever another connection commits;
asking costs no read of the file, so the poll re-reads the views only when something was written, rather
than every time (at 10M messages a re-read keeps a worker busy for seconds).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)


class CommitWatch:
    """``changed()``: True when a commit landed in any of the files since the previous call (or since
    the watch was made). A file that cannot be read counts as changed: the views then read it themselves
    and say what is wrong."""

    def __init__(self, *paths: Path) -> None:
        self._lock = threading.Lock()
        self._conns: list[sqlite3.Connection] = []
        self._seen: list[int | None] = []
        for path in paths:
            try:
                conn = sqlite3.connect(path, timeout=5, isolation_level=None, check_same_thread=False)
            except sqlite3.Error as exc:
                log.warning("cannot watch %s for commits: %s", path.name, exc)
                continue
            self._conns.append(conn)
            self._seen.append(self._version(conn))

    @staticmethod
    def _version(conn: sqlite3.Connection) -> int | None:
        try:
            return int(conn.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error as exc:
            log.warning("cannot read the data version: %s", exc)
            return None

    def changed(self) -> bool:
        with self._lock:
            now = [self._version(conn) for conn in self._conns]
            moved = any(v is None or v != seen for v, seen in zip(now, self._seen, strict=True))
            self._seen = now
            return moved

    def close(self) -> None:
        with self._lock:
            for conn in self._conns:
                conn.close()
            self._conns, self._seen = [], []
