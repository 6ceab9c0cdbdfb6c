"""The sync apply-hook that keeps KPI rollups current: ``update_rollups(conn, changes)`` for SyncEngine.

Matches the sync engine's ``Callable[[Connection, AppliedChanges], None]`` and runs inside the batch's write
transaction, so rollups commit (or roll back) together with the rows they summarise.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from deskapp.kpi.rollup import conversations_of_messages, refresh_conversations


def update_rollups(conn: Connection, changes: Any) -> None:
    """Refresh every conversation the batch touched, or whose messages arrived in it."""
    touched = {int(i) for i in (getattr(changes, "conversation_ids", None) or ())}
    new_messages = list(getattr(changes, "new_message_ids", None) or ())
    if new_messages:
        touched |= conversations_of_messages(conn, new_messages)
    if touched:
        refresh_conversations(conn, touched)
