"""Counts of what the cache holds and each account's sync state, for `deskapp stats` and the status bar."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from deskapp.store import workspace_status
from deskapp.store.commit_watch import CommitWatch
from deskapp.store.engine import Database


def _iso(epoch: int | None) -> str | None:
    return datetime.fromtimestamp(epoch, UTC).isoformat() if epoch else None


def workspace_stats(db: Database) -> dict[str, Any]:
    counts, accounts = workspace_status.counts_and_accounts(db)
    return {
        "conversations": counts[0],
        "messages": counts[1],
        "customers": counts[2],
        "orders": counts[3],
        "accounts": [
            {"id": a["id"], "kind": a["kind"], "name": a["name"], "state": a["state"],
             "last_sync": _iso(a["last_sync"]), "last_error": a["last_error"]}
            for a in accounts
        ],
    }


def status_bar(db: Database, outbox: Any) -> tuple[list[dict[str, Any]], int, int, bool]:
    """What the status bar shows: each account's sync state, the outbox's pending and problem counts,
    and whether the agent chose to work offline. Runs off the GUI thread."""
    accounts, offline = workspace_status.accounts_and_work_offline(db)
    pending = problems = 0
    if outbox is not None:
        counts = outbox.counts()
        pending = counts.get("pending", 0) + counts.get("sending", 0)
        problems = counts.get("failed", 0) + counts.get("conflict", 0)
    return accounts, pending, problems, str(offline or "").lower() in ("1", "true", "yes", "on")


def commit_watch(db: Database) -> CommitWatch:
    """For the window's poll: ``changed()`` says whether anyone committed to the cache since it last asked."""
    return CommitWatch(db.path)
