"""The cache's schema version without Alembic, for bootstrap's read-only opening (one-shot CLI verbs).

Alembic and SQLAlchemy take longer to import than such a verb takes to run. Whether the cache is
current needs neither: the revision the cache is at is one row of ``alembic_version``, and the revisions
this code knows are named by the ``revision`` / ``down_revision`` lines of the migration scripts. When the
cache is behind (or anything is in doubt), the caller opens it the usual way and store.migrate upgrades it.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path
from typing import NamedTuple

CURRENT, BEHIND, MISSING = "current", "behind", "missing"
_ASSIGNMENT = r"^{name}\s*(?::[^=\n]+)?=\s*(?:[\"']([^\"'\n]+)[\"']|None)\s*$"
_REVISION = re.compile(_ASSIGNMENT.format(name="revision"), re.MULTILINE)
_DOWN_REVISION = re.compile(_ASSIGNMENT.format(name="down_revision"), re.MULTILINE)


def migrations_dir() -> Path:
    """Where the Alembic scripts are: beside the package in a checkout, in the bundle when frozen."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "migrations"
    return Path(__file__).resolve().parents[2] / "migrations"


class DatabaseTooNew(RuntimeError):
    """The cache was written by a newer deskapp; opening it could corrupt it."""


def too_new_message(path: Path, found: str, head: str) -> str:
    return (f"The cache {path} was written by a newer deskapp (schema {found}); this version knows schema "
            f"{head}. Update deskapp, or move the file aside to start a fresh cache.")


class KnownRevisions(NamedTuple):
    """The revisions of this code's migration scripts, and the one they lead to (None when not a single chain)."""

    known: frozenset[str]
    head: str | None


def known_revisions(folder: Path | None = None) -> KnownRevisions:
    """Read from the scripts' text (no import): every ``revision`` and the one no script names as its parent."""
    revisions: set[str] = set()
    parents: set[str] = set()
    chain_ok = True
    for script in sorted((folder or migrations_dir() / "versions").glob("*.py")):
        text = script.read_text(encoding="utf-8")
        revision, parent = _REVISION.search(text), _DOWN_REVISION.search(text)
        if revision is None or parent is None:  # a merge (a tuple of parents) or a form this does not read
            chain_ok = False
            continue
        revisions.add(revision.group(1))
        if parent.group(1):
            parents.add(parent.group(1))
    heads = revisions - parents
    head = next(iter(heads)) if chain_ok and len(heads) == 1 else None
    return KnownRevisions(frozenset(revisions), head)


def cache_revision(path: Path) -> str | None:
    """The revision the cache file is at, read-only; None for a file without Alembic's table (a new one)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        has_table = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'").fetchone()
        if not has_table:
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        conn.close()
    return row[0] if row else None


def cache_state(path: Path) -> str:
    """CURRENT (at this code's head), BEHIND (it needs the usual opening: creating, checking or migrating)
    or MISSING. Raises DatabaseTooNew, without writing anything, for a revision this code does not know."""
    if not path.exists() or path.stat().st_size == 0:
        return MISSING
    scripts = known_revisions()
    try:
        found = cache_revision(path)
    except sqlite3.DatabaseError:  # damaged or not a database: the usual opening checks it and says so
        return BEHIND
    if found is not None and scripts.head is not None and found == scripts.head:
        return CURRENT
    if found is not None and scripts.known and found not in scripts.known:
        raise DatabaseTooNew(too_new_message(path, found, scripts.head or "?"))
    return BEHIND
