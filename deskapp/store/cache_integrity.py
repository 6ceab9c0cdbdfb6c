"""Start-up integrity check of the cache for bootstrap: a corrupt file is moved aside, never patched.

The cache only mirrors the servers, so a damaged or missing one is rebuilt by the next sync; what the
servers cannot give back lives elsewhere and is put back on top: the agent's own work in the profile
(store.profile, mirrored in by services.profile) and queued actions in the outbox
(services.actions.ActionService.restore).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MISSING = "missing"


@dataclass(frozen=True)
class CacheDamage:
    """Why the cache is being started afresh: SQLite's verdict (or MISSING), and where the old file went."""

    verdict: str
    moved_to: Path | None = None


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


def move_aside(path: Path) -> Path:
    """Rename the cache (and its WAL/SHM) to ``<name>.corrupt-<time>``; returns the new name."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(path.with_name(target.name + suffix))
    return target


def ensure_cache_usable(path: Path) -> CacheDamage | None:
    """Check ``path``: None when it is fine; else move a corrupt file aside and say why it starts afresh.

    A missing (or empty) file also starts afresh; a WAL left behind by a deleted file is moved aside too,
    as SQLite would otherwise replay it into the new, empty cache."""
    if not path.exists() or path.stat().st_size == 0:
        if any(path.with_name(path.name + s).exists() for s in ("-wal", "-shm")):
            move_aside(path)
        return CacheDamage(MISSING)
    verdict = quick_check(path)
    if verdict == "ok":
        return None
    moved = move_aside(path)
    # The agent is told by bootstrap (services.profile.start_notice); the full paths go to the log file.
    log.info("cache %s failed its integrity check (%s); moved to %s", path, verdict, moved)
    return CacheDamage(verdict, moved)
