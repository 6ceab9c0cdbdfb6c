"""The manual "work offline" switch, kept in the cache's setting table, for the replayer, sync and UI."""

from __future__ import annotations

from sqlalchemy import text

from deskapp.store.engine import Database

WORK_OFFLINE_KEY = "work_offline"


def is_work_offline(db: Database) -> bool:
    with db.read() as conn:
        value = conn.execute(text("SELECT value FROM setting WHERE key=:k"), {"k": WORK_OFFLINE_KEY}).scalar()
    return value == "1"


def set_work_offline(db: Database, on: bool) -> None:
    """While on, the replayer and the pulls stay quiet; actions keep queueing in the outbox."""
    with db.write() as conn:
        conn.execute(text("INSERT INTO setting (key, value) VALUES (:k, :v)"
                          " ON CONFLICT(key) DO UPDATE SET value=excluded.value"),
                     {"k": WORK_OFFLINE_KEY, "v": "1" if on else "0"})
