"""Brings a cache file to the schema this code knows, for bootstrap and the CLI.

Before upgrading an existing file we copy it aside (SQLite's online backup, so a WAL is included);
a file written by a newer deskapp is refused rather than guessed at. Alembic is imported only when a
revision is looked up or run: the profile store only needs ``backup``.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

from deskapp.store.schema_version import DatabaseTooNew, migrations_dir, too_new_message

if TYPE_CHECKING:
    from alembic.config import Config

    from deskapp.store.engine import Database

__all__ = ["DatabaseTooNew", "backup", "current_revision", "head_revision", "migrations_dir", "upgrade"]

log = logging.getLogger(__name__)


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

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
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config())
    head = head_revision()
    current = current_revision(db)
    if current == head:
        return head
    if current is not None:
        try:
            script.get_revision(current)
        except Exception as exc:
            raise DatabaseTooNew(too_new_message(db.path, current, head)) from exc
        saved = backup(db.path, f"before-{head}")
        log.info("cache at schema %s copied to %s before upgrading to %s", current, saved, head)
    cfg = _config()
    with db.write() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    log.info("cache %s at schema %s", db.path, head)
    return head
