"""What the cache holds and each account's sync state, for services.stats (`deskapp stats`, the status bar)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from deskapp.store.engine import Database


def counts_and_accounts(db: Database) -> tuple[tuple[int, int, int, int], list[dict[str, Any]]]:
    """(conversations, messages, customers, orders) and each account's id, kind, name, state, last sync
    and last error, read in one snapshot."""
    with db.read() as conn:
        counts = conn.execute(text(
            "SELECT (SELECT count(*) FROM conversation), (SELECT count(*) FROM message),"
            " (SELECT count(*) FROM customer), (SELECT count(*) FROM \"order\")"
        )).one()
        accounts = conn.execute(text(
            "SELECT id, kind, name, state, last_sync, last_error FROM account ORDER BY id"
        )).all()
    return (counts[0], counts[1], counts[2], counts[3]), [dict(a._mapping) for a in accounts]


def accounts_and_work_offline(db: Database) -> tuple[list[dict[str, Any]], str | None]:
    """Each account's id, name, kind, state, last sync and last error, and the raw work_offline setting,
    read in one snapshot (the status bar's refresh)."""
    with db.read() as conn:
        rows = conn.exec_driver_sql("SELECT id, name, kind, state, last_sync, last_error FROM account"
                                    " ORDER BY id").all()
        offline = conn.exec_driver_sql("SELECT value FROM setting WHERE key = 'work_offline'").scalar()
    return [dict(r._mapping) for r in rows], offline
