"""Account rows and sync cursors in the cache, for the sync engine and the account services.

The account rows are copies of the profile's (store.profile_mirror) plus the sync state kept here.
Secrets never come here: they live in the keyring keyed by the account id (deskapp.credentials).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, text

from deskapp.domain import Account, AccountKind, Connectivity
from deskapp.store.ingest_util import chunks

# Engine bookkeeping rows in sync_cursor: "this conversation's messages still need a pull".
PENDING_MESSAGES_PREFIX = "pending/messages/"


def _now() -> int:
    return int(time.time())


def _to_account(row: Row[Any]) -> Account:
    try:
        settings = json.loads(row.settings or "{}")
    except ValueError:
        settings = {}
    try:
        state = Connectivity(row.state)
    except ValueError:
        state = Connectivity.UNKNOWN
    return Account(
        id=row.id, kind=AccountKind(row.kind), name=row.name, base_url=row.base_url, settings=settings,
        state=state, last_sync=datetime.fromtimestamp(row.last_sync, UTC) if row.last_sync else None,
        last_error=row.last_error,
    )


def insert_account(conn: Connection, kind: AccountKind | str, name: str, base_url: str,
                   settings: dict[str, Any] | None = None, *, account_id: int | None = None,
                   created_at: int | None = None) -> int:
    """A cache account row; the app gives the profile's id (store.profile_mirror), tests may let it choose."""
    result = conn.execute(
        text("INSERT INTO account (id, kind, name, base_url, settings, state, created_at)"
             " VALUES (:id, :kind, :name, :url, :settings, 'unknown', :created_at)"),
        {"id": account_id, "kind": str(AccountKind(kind)), "name": name, "url": base_url,
         "settings": json.dumps(settings or {}), "created_at": _now() if created_at is None else created_at},
    )
    return int(result.lastrowid)


def get_account(conn: Connection, account_id: int) -> Account | None:
    row = conn.execute(text("SELECT * FROM account WHERE id = :id"), {"id": account_id}).first()
    return _to_account(row) if row else None


def list_accounts(conn: Connection) -> list[Account]:
    return [_to_account(r) for r in conn.execute(text("SELECT * FROM account ORDER BY id")).all()]


def signed_in_agent_email(conn: Connection, account_id: int) -> str:
    """The e-mail address the account's service knows the signed-in agent by ('' when it has none)."""
    return conn.execute(text("SELECT email FROM agent WHERE account_id = :a AND is_me = 1 ORDER BY id LIMIT 1"),
                        {"a": account_id}).scalar() or ""


def delete_account(conn: Connection, account_id: int) -> bool:
    """Removes the account and (by cascade) everything it synced; customers left with no contact go too."""
    deleted = conn.execute(text("DELETE FROM account WHERE id = :id"), {"id": account_id}).rowcount
    if deleted:
        # Conversations/orders of the account are gone by cascade; orphaned customers would show as
        # empty people in the customer panel, so they go as well.
        conn.execute(text(
            "DELETE FROM customer WHERE id NOT IN (SELECT customer_id FROM contact)"
            " AND id NOT IN (SELECT customer_id FROM conversation WHERE customer_id IS NOT NULL)"
            " AND id NOT IN (SELECT customer_id FROM \"order\" WHERE customer_id IS NOT NULL)"
        ))
    return bool(deleted)


def set_state(conn: Connection, account_id: int, state: Connectivity, *, error: str | None = None,
              synced: bool = False) -> None:
    """Connectivity state, last error (None clears it) and, after a good sync, last_sync = now."""
    conn.execute(
        text("UPDATE account SET state = :state, last_error = :error,"
             " last_sync = CASE WHEN :synced THEN :now ELSE last_sync END WHERE id = :id"),
        {"state": str(state), "error": error, "synced": int(synced), "now": _now(), "id": account_id},
    )


def get_cursor(conn: Connection, account_id: int, stream: str) -> str | None:
    return conn.execute(
        text("SELECT value FROM sync_cursor WHERE account_id = :a AND stream = :s"),
        {"a": account_id, "s": stream},
    ).scalar()


def get_cursors(conn: Connection, account_id: int, streams: list[str]) -> dict[str, str]:
    """{stream: cursor} for the streams that have one."""
    found: dict[str, str] = {}
    for chunk in chunks(streams):
        marks = ",".join("?" * len(chunk))
        found.update(conn.exec_driver_sql(
            f"SELECT stream, value FROM sync_cursor WHERE account_id = ? AND stream IN ({marks})",
            (account_id, *chunk)).tuples().all())
    return found


def set_cursor(conn: Connection, account_id: int, stream: str, value: str | None) -> None:
    if value is None:
        return
    conn.execute(
        text("INSERT INTO sync_cursor (account_id, stream, value, updated_at) VALUES (:a, :s, :v, :now)"
             " ON CONFLICT(account_id, stream) DO UPDATE SET value = excluded.value,"
             " updated_at = excluded.updated_at"),
        {"a": account_id, "s": stream, "v": value, "now": _now()},
    )


def mark_messages_pending(conn: Connection, account_id: int, conversation_external_ids: list[str]) -> None:
    """Records, in the caller's transaction, that these conversations' messages must be pulled."""
    if not conversation_external_ids:
        return
    now = _now()
    conn.exec_driver_sql(
        "INSERT INTO sync_cursor (account_id, stream, value, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(account_id, stream) DO UPDATE SET updated_at = excluded.updated_at",
        [(account_id, PENDING_MESSAGES_PREFIX + ext, ext, now) for ext in dict.fromkeys(conversation_external_ids)],
    )


def clear_messages_pending(conn: Connection, account_id: int, conversation_external_id: str) -> None:
    conn.execute(
        text("DELETE FROM sync_cursor WHERE account_id = :a AND stream = :s"),
        {"a": account_id, "s": PENDING_MESSAGES_PREFIX + conversation_external_id},
    )


def pending_message_conversations(conn: Connection, account_id: int, limit: int | None = None) -> list[str]:
    """Conversation external ids whose messages still need a pull, oldest mark first."""
    sql = ("SELECT value FROM sync_cursor WHERE account_id = :a AND stream >= :lo AND stream < :hi"
           " ORDER BY updated_at, stream")
    if limit:
        sql += f" LIMIT {int(limit)}"
    lo = PENDING_MESSAGES_PREFIX
    hi = PENDING_MESSAGES_PREFIX[:-1] + chr(ord(PENDING_MESSAGES_PREFIX[-1]) + 1)
    return list(conn.execute(text(sql), {"a": account_id, "lo": lo, "hi": hi}).scalars())
