"""Start-up integrity check of the cache for bootstrap: a corrupt file is moved aside, never patched.

The cache only mirrors the servers, so a damaged one is rebuilt by the next sync; queued work lives in
the separate outbox file and is re-applied on top (services.actions.ActionService.restore). What the
servers cannot give back (the configured accounts) is salvaged from the damaged file when it reads.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

log = logging.getLogger(__name__)

_ACCOUNT_COLUMNS = ("id", "kind", "name", "base_url", "settings", "created_at")


def quick_check(path: Path) -> str:
    """'ok', or SQLite's description of what is wrong with the file."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    result = "; ".join(str(r[0]) for r in rows[:5])
    return result or "empty answer"


def _salvage_accounts(path: Path) -> list[tuple]:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute(f"SELECT {', '.join(_ACCOUNT_COLUMNS)} FROM account ORDER BY id").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return []


def move_aside(path: Path) -> Path:
    """Rename the cache (and its WAL/SHM) to ``<name>.corrupt-<time>``; returns the new name."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(path.with_name(target.name + suffix))
    return target


def ensure_cache_usable(path: Path) -> list[tuple] | None:
    """Check ``path``; when corrupt, move it aside and return the account rows to put back (else None)."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    verdict = quick_check(path)
    if verdict == "ok":
        return None
    accounts = _salvage_accounts(path)
    moved = move_aside(path)
    log.error("cache %s failed its integrity check (%s); moved to %s and rebuilding from the servers",
              path, verdict, moved)
    return accounts


def restore_accounts(conn, accounts: list[tuple]) -> None:
    """Put salvaged account rows into the fresh cache (an SQLAlchemy connection in a write transaction)."""
    columns = ", ".join(_ACCOUNT_COLUMNS)
    marks = ", ".join("?" * len(_ACCOUNT_COLUMNS))
    for row in accounts:
        conn.exec_driver_sql(f"INSERT OR IGNORE INTO account ({columns}) VALUES ({marks})", tuple(row))
