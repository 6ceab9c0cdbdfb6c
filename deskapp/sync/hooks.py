"""The shapes the sync engine hands to its extension points (apply hooks, preprocessors, progress).

Other features plug in through these without the engine knowing them: copilot triage and KPI
rollups as apply hooks, email threading as a preprocessor, outbox replay as a before-pull step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from deskapp.connectors.base import Connector
from deskapp.domain import Connectivity
from deskapp.domain.changes import NOTHING, Changes
from deskapp.store.engine import Connection
from deskapp.store.ingest import AppliedChanges

# Runs inside the write transaction after each applied batch; an exception is logged and only
# that hook's writes are rolled back (a savepoint), so a buggy hook never stalls the sync.
ApplyHook = Callable[[Connection, AppliedChanges], None]
# Runs inside the write transaction before apply: (conn, account_id, records) -> records.
Preprocessor = Callable[[Connection, int, list[Any]], list[Any]]
# Runs before an account's pulls (outbox replay): (account_id, connector).
BeforePull = Callable[[int, Connector], None]


@dataclass(frozen=True)
class SyncEvent:
    """Progress and state of one account, sent from worker threads (the UI marshals it to Qt), with what
    the batches applied since the account's previous event changed in the cache."""

    account_id: int
    state: Connectivity
    done: int
    total: int
    message: str
    last_sync: datetime | None = None
    changes: Changes = NOTHING


@dataclass
class SyncSummary:
    """What one pass over an account did."""

    account_id: int
    kind: str = ""
    state: Connectivity = Connectivity.UNKNOWN
    pages: int = 0
    records: int = 0
    new_messages: int = 0
    conversations: int = 0
    duplicates: int = 0  # server copies of a message already held: shown once
    not_imported: int = 0  # items that could not be imported this pass (kept aside, retried next pass)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    last_sync: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"account_id": self.account_id, "kind": self.kind, "state": str(self.state), "pages": self.pages,
                "records": self.records, "new_messages": self.new_messages, "conversations": self.conversations,
                "duplicates": self.duplicates, "not_imported": self.not_imported, "errors": list(self.errors),
                "seconds": round(self.seconds, 3),
                "last_sync": self.last_sync.isoformat() if self.last_sync else None}


def changes_of(applied: AppliedChanges) -> Changes:
    """The views' side of one applied batch: its conversations, customers and orders."""
    return Changes.of(conversations=applied.conversation_ids, customers=applied.customer_ids,
                      orders=applied.order_ids)


__all__ = ["AppliedChanges", "ApplyHook", "BeforePull", "Preprocessor", "SyncEvent", "SyncSummary", "changes_of"]
