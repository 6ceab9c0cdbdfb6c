"""Brings a cache file to the schema this code knows, for bootstrap and the CLI.

Before upgrading an existing file we copy it aside (SQLite's online backup, so a WAL is included);
a file written by a newer deskapp is refused rather than guessed at.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from deskapp.store.engine import Database

log = logging.getLogger(__name__)


class DatabaseTooNew(RuntimeError):
    """The cache was written by a newer deskapp; opening it could corrupt it."""


def migrations_dir() -> Path:
    """Where the Alembic scripts are: beside the package in a checkout, in the bundle when frozen."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "migrations"
    return Path(__file__).resolve().parents[2] / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def backup(db_path: Path, label: str) -> Path:
    target = db_path.with_name(f"{db_path.name}.{label}.{time.strftime('%Y%m%d-%H%M%S')}.bak")
    source = sqlite3.connect(db_path)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    target.chmod(0o600)
    return target


def upgrade(db: Database) -> str:
    """Upgrade ``db`` to head; returns the revision it is at. Raises DatabaseTooNew."""
    script = ScriptDirectory.from_config(_config())
    head = head_revision()
    current = current_revision(db)
    if current == head:
        return head
    if current is not None:
        try:
            script.get_revision(current)
        except Exception as exc:
            raise DatabaseTooNew(
                f"The cache {db.path} was written by a newer deskapp (schema {current}); this version "
                f"knows schema {head}. Update deskapp, or move the file aside to start a fresh cache."
            ) from exc
        saved = backup(db.path, f"before-{head}")
        log.info("cache at schema %s copied to %s before upgrading to %s", current, saved, head)
    cfg = _config()
    with db.write() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    log.info("cache %s at schema %s", db.path, head)
    return head
