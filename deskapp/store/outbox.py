"""The durable outbox of agent actions, in its own SQLite file, for the action service and the replayer.

Kept apart from the cache (docs/architecture.md, Outbox) so that moving a corrupt cache aside and rebuilding it from the
server never touches queued work. Every write is one transaction with ``synchronous=FULL``: when a
method returns, the change survives a power cut or a kill -9.

States: pending -> sending -> done | failed | conflict. ``sending`` is written (and synced) before the
push, so after a crash we know the item may already have landed and the connector must check first.
Where the service has no idempotency key (SMTP), the connector also records how far the message got
(``handoff``: handed to the server, accepted by it), each step synced before the next one happens.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deskapp.domain import Handoff, OutboxItem, OutboxKind, OutboxState
from deskapp.store.owner_only import OWNER_ONLY, create_owner_only, tighten_side_files

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
UNDO_WINDOW_S = 5.0
STALE_SENDING_S = 300.0  # a "sending" claim older than this belongs to a process that died

_SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL UNIQUE,
    account_id INTEGER NOT NULL,
    conversation_external_id TEXT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    prior TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    conflict TEXT,
    external_id TEXT
);
CREATE INDEX IF NOT EXISTS ix_outbox_state ON outbox (state, account_id, seq);
CREATE INDEX IF NOT EXISTS ix_outbox_conversation ON outbox (account_id, conversation_external_id, seq);
"""
# Replies caught mid-push by a deskapp without handoff records may or may not have gone out: "handed"
# turns them into a question for the agent on a mailbox instead of a second send.
_SCHEMA_V2 = """
ALTER TABLE outbox ADD COLUMN handoff TEXT;
UPDATE outbox SET handoff='handed' WHERE state='sending' AND kind='reply';
"""

# Open items: not yet acknowledged by the server, still shaping the optimistic state of the cache.
OPEN_STATES = (OutboxState.PENDING, OutboxState.SENDING)
# Items the agent has to decide on (retry / keep as draft / discard).
PROBLEM_STATES = (OutboxState.FAILED, OutboxState.CONFLICT)


class ReplayLock:
    """One process at a time sends the outbox (the app and a `deskapp sync` may run side by side).

    An OS file lock: the kernel drops it when its process dies, so whoever holds it knows that every
    item still marked "sending" belongs to a dead process and may be reclaimed. Re-entrant across the
    threads of one process (accounts replay in parallel)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._guard = threading.Lock()
        self._fd: int | None = None
        self._holders = 0

    def acquire(self) -> bool:
        """Take the lock without waiting; False when another process has it."""
        with self._guard:
            if self._holders:
                self._holders += 1
                return True
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_RDWR, OWNER_ONLY)
            except OSError as exc:
                raise StorageError(storage_message(exc, "outbox")) from exc
            if not _try_lock(fd):
                os.close(fd)
                return False
            self._fd, self._holders = fd, 1
            return True

    def release(self) -> None:
        with self._guard:
            if not self._holders:
                return
            self._holders -= 1
            if self._holders == 0 and self._fd is not None:
                _unlock(self._fd)
                os.close(self._fd)
                self._fd = None

    @property
    def held(self) -> bool:
        return self._holders > 0


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl
    fcntl.flock(fd, fcntl.LOCK_UN)


class StorageError(RuntimeError):
    """The data folder cannot take the write (disk full, read-only, corrupt): a message for the agent."""


def storage_message(exc: BaseException, what: str) -> str:
    """A one-line explanation of an SQLite/OS failure that an agent can act on."""
    text = str(exc).lower()
    if "full" in text or getattr(exc, "errno", None) == 28:
        return f"The disk holding the {what} is full: free some space; nothing was changed."
    if "readonly" in text or "read-only" in text or "permission" in text or getattr(exc, "errno", None) == 13:
        return f"The {what} is in a read-only folder: make the data folder writable; nothing was changed."
    if "malformed" in text or "not a database" in text:
        if what == "cache":  # only the cache can be rebuilt (from the servers); the others hold the agent's work
            return f"The {what} is damaged ({exc}); restart deskapp to rebuild it."
        return f"The {what} is damaged ({exc}); nothing was changed: restart deskapp, which checks it."
    return f"Cannot write the {what}: {exc}"


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One outbox item as stored, with what the domain OutboxItem lacks (order, prior state, conflict)."""

    seq: int
    client_id: str
    account_id: int
    conversation_external_id: str | None
    kind: OutboxKind
    payload: dict[str, Any]
    prior: dict[str, Any]
    created_at: float
    updated_at: float
    state: OutboxState
    attempts: int = 0
    last_error: str | None = None
    conflict: str | None = None
    external_id: str | None = None
    handoff: Handoff | None = None

    def to_item(self) -> OutboxItem:
        return OutboxItem(
            client_id=self.client_id, account_id=self.account_id,
            conversation_external_id=self.conversation_external_id, kind=self.kind,
            payload=dict(self.payload), created_at=datetime.fromtimestamp(self.created_at, UTC),
            state=self.state, attempts=self.attempts, last_error=self.last_error, handoff=self.handoff,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq, "client_id": self.client_id, "account_id": self.account_id,
            "conversation": self.conversation_external_id, "kind": str(self.kind), "payload": self.payload,
            "state": str(self.state), "attempts": self.attempts, "last_error": self.last_error,
            "conflict": self.conflict, "external_id": self.external_id,
            "handoff": str(self.handoff) if self.handoff else None,
            "created_at": datetime.fromtimestamp(self.created_at, UTC).isoformat(),
        }


def new_client_id() -> str:
    return str(uuid.uuid4())


def _row(r: sqlite3.Row) -> OutboxRow:
    return OutboxRow(
        seq=r["seq"], client_id=r["client_id"], account_id=r["account_id"],
        conversation_external_id=r["conversation_external_id"], kind=OutboxKind(r["kind"]),
        payload=json.loads(r["payload"]), prior=json.loads(r["prior"]), created_at=r["created_at"],
        updated_at=r["updated_at"], state=OutboxState(r["state"]), attempts=r["attempts"],
        last_error=r["last_error"], conflict=r["conflict"], external_id=r["external_id"],
        handoff=Handoff(r["handoff"]) if r["handoff"] else None,
    )


class OutboxStore:
    """The outbox file: append, claim for sending, acknowledge, and the agent's decisions on problems."""

    def __init__(self, path: str | os.PathLike[str], *, max_page_count: int | None = None) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        # Called with each new row after its commit (the runtime wakes the sync loop when the undo
        # window is over); a listener's failure never undoes the durable write.
        self.listeners: list[Callable[[OutboxRow], None]] = []
        self.replay_lock = ReplayLock(self.path.with_name(self.path.name + ".lock"))
        try:
            create_owner_only(self.path)
            self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA busy_timeout=30000")
            if max_page_count is not None:  # tests: a tiny "disk" to provoke SQLITE_FULL
                self._conn.execute(f"PRAGMA max_page_count={int(max_page_count)}")
            self._migrate()
            tighten_side_files(self.path)
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(storage_message(exc, "outbox")) from exc

    # --- file and schema -------------------------------------------------------------------------

    def _migrate(self) -> None:
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StorageError(f"The outbox {self.path} was written by a newer deskapp (schema {version}).")
        steps = [(1, _SCHEMA_V1), (2, _SCHEMA_V2)]
        for target, script in steps:
            if version < target:
                with self._lock:
                    self._conn.executescript(f"BEGIN IMMEDIATE;{script}PRAGMA user_version={target}; COMMIT;")

    def _write(self, sql: str, params: tuple[object, ...] | dict[str, object] = ()) -> int:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    cur = self._conn.execute(sql, params)
                    self._conn.execute("COMMIT")
                except BaseException:
                    if self._conn.in_transaction:  # SQLITE_FULL and friends already rolled back
                        self._conn.execute("ROLLBACK")
                    raise
                return cur.rowcount
            except sqlite3.Error as exc:
                raise StorageError(storage_message(exc, "outbox")) from exc

    def _query(self, sql: str, params: tuple[object, ...] | dict[str, object] = ()) -> list[OutboxRow]:
        with self._lock:
            return [_row(r) for r in self._conn.execute(sql, params).fetchall()]

    def close(self) -> None:
        with self._lock:
            self._conn.close()
        while self.replay_lock.held:
            self.replay_lock.release()

    # --- writes ------------------------------------------------------------------------------------

    def append(self, *, account_id: int, conversation_external_id: str | None, kind: OutboxKind,
               payload: dict[str, Any], prior: dict[str, Any] | None = None,
               client_id: str | None = None, now: float | None = None) -> OutboxRow:
        """Durably queue one action; returns the stored row (its client_id is the idempotency key)."""
        client_id = client_id or new_client_id()
        at = time.time() if now is None else now
        self._write(
            "INSERT INTO outbox (client_id, account_id, conversation_external_id, kind, payload, prior,"
            " created_at, updated_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')",
            (client_id, account_id, conversation_external_id, str(kind), json.dumps(payload),
             json.dumps(prior or {}), at, at),
        )
        row = self.get(client_id)
        assert row is not None
        for listener in list(self.listeners):
            try:
                listener(row)
            except Exception:
                log.exception("outbox listener failed")
        return row

    def remove_if_pending(self, client_id: str, *, newer_than: float | None = None) -> bool:
        """Delete an item nobody has started sending (undo); False when it is too late."""
        sql = "DELETE FROM outbox WHERE client_id=? AND state='pending' AND attempts=0"
        params: tuple[object, ...] = (client_id,)
        if newer_than is not None:
            sql += " AND created_at>=?"
            params += (newer_than,)
        return self._write(sql, params) == 1

    def claim(self, client_id: str) -> bool:
        """pending -> sending, synced before the push so a crash afterwards means "may have landed".

        An item another process is sending is left alone unless its claim is stale (that process died
        without the start-up recovery having run since)."""
        now = time.time()
        # Holding the replay lock, a "sending" item can only be a dead process's (or our own crashed
        # thread's): it may be taken over at once; the connector checks first whether it landed.
        stale_before = now if self.replay_lock.held else now - STALE_SENDING_S
        return self._write(
            "UPDATE outbox SET state='sending', attempts=attempts+1, updated_at=? "
            "WHERE client_id=? AND (state='pending' OR (state='sending' AND updated_at<?))",
            (now, client_id, stale_before),
        ) == 1

    def set_handoff(self, client_id: str, handoff: Handoff | None) -> None:
        """Record how far the message being sent got (None: the server refused it, so certainly not sent).
        Synced before the connector goes on; raises StorageError when that cannot be recorded, or when the
        item is no longer being sent, so the connector stops before the server may take the message."""
        changed = self._write("UPDATE outbox SET handoff=?, updated_at=? WHERE client_id=? AND state='sending'",
                              (str(handoff) if handoff else None, time.time(), client_id))
        if changed != 1:
            raise StorageError(f"outbox item {client_id} is no longer being sent; not handing it over")

    def mark_done(self, client_id: str, external_id: str | None) -> None:
        self._write(
            "UPDATE outbox SET state='done', external_id=?, last_error=NULL, conflict=NULL, updated_at=? "
            "WHERE client_id=?", (external_id, time.time(), client_id))

    def mark_done_with_note(self, client_id: str, external_id: str | None, note: dict[str, Any] | None) -> bool:
        """``done``, and in the same transaction the private note that records it on a conversation (``note``:
        client_id, account_id, conversation_external_id, text), queued once: a kill between the two cannot
        lose the note or queue it twice. True when the note was queued now."""
        at = time.time()
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    self._conn.execute(
                        "UPDATE outbox SET state='done', external_id=?, last_error=NULL, conflict=NULL, updated_at=?"
                        " WHERE client_id=?", (external_id, at, client_id))
                    added = 0
                    if note is not None:
                        added = self._conn.execute(
                            "INSERT OR IGNORE INTO outbox (client_id, account_id, conversation_external_id, kind,"
                            " payload, prior, created_at, updated_at, state) VALUES (?, ?, ?, 'note', ?, '{}', ?, ?,"
                            " 'pending')", (note["client_id"], note["account_id"], note["conversation_external_id"],
                                            json.dumps({"text": note["text"]}), at - UNDO_WINDOW_S, at)).rowcount
                    self._conn.execute("COMMIT")
                except BaseException:
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise StorageError(storage_message(exc, "outbox")) from exc
        row = self.get(note["client_id"]) if added and note is not None else None
        if row is None:
            return False
        for listener in list(self.listeners):
            try:
                listener(row)
            except Exception:
                log.exception("outbox listener failed")
        return True

    def release(self, client_id: str, error: str | None) -> None:
        """Back to pending after a transient failure or a stop (token revoked): sent again later."""
        self._write("UPDATE outbox SET state='pending', last_error=?, updated_at=? WHERE client_id=?",
                    (error, time.time(), client_id))

    def mark_problem(self, client_id: str, state: OutboxState, *, reason: str, error: str | None = None) -> None:
        """failed | conflict: shown to the agent, who decides; never dropped silently."""
        assert state in PROBLEM_STATES
        self._write("UPDATE outbox SET state=?, conflict=?, last_error=?, updated_at=? WHERE client_id=?",
                    (str(state), reason, error or reason, time.time(), client_id))

    def retry(self, client_id: str) -> bool:
        """The agent's "retry": a failed/conflicting item goes back to the queue, in its old place. The
        agent has decided to send it, so an earlier "may have been sent" no longer holds it back (what a
        server accepted stays accepted: it is never sent again)."""
        return self._write(
            "UPDATE outbox SET state='pending', conflict=NULL, updated_at=?, "
            "handoff=CASE WHEN handoff='accepted' THEN handoff END "
            "WHERE client_id=? AND state IN ('failed','conflict')", (time.time(), client_id)) == 1

    def delete(self, client_id: str) -> bool:
        return self._write("DELETE FROM outbox WHERE client_id=?", (client_id,)) == 1

    def recover_sending(self) -> int:
        """At start-up: items caught mid-push go back to pending (attempts>0 makes the connector check
        first) -- unless another live process is sending them right now."""
        if not self.replay_lock.acquire():
            return 0
        try:
            return self._write("UPDATE outbox SET state='pending' WHERE state='sending'")
        finally:
            self.replay_lock.release()

    def prune_done(self, older_than_s: float = 7 * 86400) -> int:
        return self._write("DELETE FROM outbox WHERE state='done' AND updated_at<?", (time.time() - older_than_s,))

    # --- reads -------------------------------------------------------------------------------------

    def get(self, client_id: str) -> OutboxRow | None:
        rows = self._query("SELECT * FROM outbox WHERE client_id=?", (client_id,))
        return rows[0] if rows else None

    def items(self, *, states: tuple[str, ...] | None = None, account_id: int | None = None,
              conversation_external_id: str | None = None) -> list[OutboxRow]:
        """Items in queue order (seq), filtered by state, account and conversation."""
        where: list[str] = []
        params: list[object] = []
        if states:
            where.append(f"state IN ({','.join('?' * len(states))})")
            params.extend(str(s) for s in states)
        if account_id is not None:
            where.append("account_id=?")
            params.append(account_id)
        if conversation_external_id is not None:
            where.append("conversation_external_id=?")
            params.append(conversation_external_id)
        sql = "SELECT * FROM outbox" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY seq"
        return self._query(sql, tuple(params))

    def open_items(self, account_id: int | None = None) -> list[OutboxRow]:
        return self.items(states=tuple(str(s) for s in OPEN_STATES), account_id=account_id)

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._conn.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()
        result = {str(s): 0 for s in OutboxState}
        result.update({r[0]: r[1] for r in rows})
        return result
