"""Counts of what the cache holds and each account's sync state, for `deskapp stats` and the status bar."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from deskapp.store.engine import Database


def _iso(epoch: int | None) -> str | None:
    return datetime.fromtimestamp(epoch, UTC).isoformat() if epoch else None


def workspace_stats(db: Database) -> dict[str, Any]:
    with db.read() as conn:
        counts = conn.execute(text(
            "SELECT (SELECT count(*) FROM conversation), (SELECT count(*) FROM message),"
            " (SELECT count(*) FROM customer), (SELECT count(*) FROM \"order\")"
        )).one()
        accounts = conn.execute(text(
            "SELECT id, kind, name, state, last_sync, last_error FROM account ORDER BY id"
        )).all()
    return {
        "conversations": counts[0],
        "messages": counts[1],
        "customers": counts[2],
        "orders": counts[3],
        "accounts": [
            {"id": a.id, "kind": a.kind, "name": a.name, "state": a.state,
             "last_sync": _iso(a.last_sync), "last_error": a.last_error}
            for a in accounts
        ],
    }
