"""Owner-only SQLite files for the store's three databases (cache, outbox, profile): created 0600 before SQLite
opens them, and their WAL/SHM side files tightened the same way once SQLite has made them."""

from __future__ import annotations

import os
from pathlib import Path

OWNER_ONLY = 0o600


def create_owner_only(path: Path) -> None:
    """Create the file (and its folder) readable by its owner only; tighten an existing looser one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, OWNER_ONLY)
        os.close(fd)
    if path.stat().st_mode & 0o077:
        os.chmod(path, OWNER_ONLY)


def tighten_side_files(path: Path) -> None:
    """The ``-wal`` and ``-shm`` files SQLite created beside ``path``, owner-only too."""
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists() and side.stat().st_mode & 0o077:
            os.chmod(side, OWNER_ONLY)
