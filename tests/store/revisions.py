"""Caches at an older schema revision, for the tests of what a migration does to the rows it finds."""

from __future__ import annotations

from pathlib import Path

from alembic import command

from deskapp.store import migrate
from deskapp.store.engine import Database


def upgrade_to(database: Database, revision: str) -> Database:
    """Migrate ``database`` up to ``revision`` (not to the head), in one write transaction."""
    cfg = migrate._config()
    with database.write() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return database


def cache_at(path: Path, revision: str) -> Database:
    """A new cache file at ``revision``."""
    return upgrade_to(Database(path), revision)
