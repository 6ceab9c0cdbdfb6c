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
    """``changed()``: True when a commit landed in the file since the previous call (or since the watch was
    made). A file that cannot be read counts as changed: the views then read it themselves and say what is
    wrong. One that cannot be opened is logged and never reported."""

    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        try:
            self._conn = sqlite3.connect(path, timeout=5, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            log.warning("cannot watch %s for commits: %s", path.name, exc)
        self._seen = self._version()

    def _version(self) -> int | None:
        if self._conn is None:
            return None
        try:
            return int(self._conn.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error as exc:
            log.warning("cannot read the data version: %s", exc)
            return None

    def changed(self) -> bool:
        with self._lock:
            if self._conn is None:
                return False
            now = self._version()
            moved = now is None or now != self._seen
            self._seen = now
            return moved

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
