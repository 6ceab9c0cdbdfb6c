"""Agent actions (reply, note, status, assign, label, priority, snooze, merge) for the UI and `deskapp act`.

Each action is written to the durable outbox FIRST, then applied to the cache as optimistic state,
both before the call returns. A crash between the two writes loses nothing: at start-up
``restore()`` re-applies every open outbox item to the cache. The replayer (deskapp.sync.replay)
sends the items later; the agent settles rejected ones here (retry / keep as draft / discard).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from deskapp.domain import DeliveryState, OutboxKind, OutboxState, Priority, Status
from deskapp.domain.changes import Changes
from deskapp.domain.enums import ORDER_KINDS
from deskapp.paths import AppPaths
from deskapp.services import customers as customer_service
from deskapp.services import drafts, inbox
from deskapp.store import customer_merges, optimistic, order_actions, team_directory
from deskapp.store.engine import CACHE_ERRORS, Connection, Database
from deskapp.store.outbox import (
    OPEN_STATES,
    PROBLEM_STATES,
    UNDO_WINDOW_S,
    OutboxRow,
    OutboxStore,
    StorageError,
    storage_message,
)
from deskapp.store.profile import ProfileStore
from deskapp.store.work_offline import is_work_offline

log = logging.getLogger(__name__)

__all__ = ["ActionError", "ActionResult", "ActionService", "OutboxRow", "StorageError", "is_work_offline"]
# What on_each may run on each conversation: the actions that take a conversation id first.
PER_CONVERSATION = frozenset({"reply", "note", "resolve", "reopen", "set_status", "snooze", "assign", "set_labels",
                              "set_priority"})
# A merge undone on any of these: bad ids, the outbox or the cache failing.
_MERGE_ERRORS: tuple[type[Exception], ...] = (ValueError, StorageError, *CACHE_ERRORS)

class ActionError(ValueError):
    """The action makes no sense (unknown conversation, empty reply, unknown agent)."""


@dataclass(frozen=True)
class ActionResult:
    """The queued items' client ids, and what the action changed in the cache for the views."""

    client_ids: tuple[str, ...]
    changes: Changes


class ActionService:
    """Queue agent actions offline-first; settle the ones the server rejected."""

    def __init__(self, db: Database, outbox: OutboxStore, profile: ProfileStore, *,
                 on_change: Callable[[int | None], None] | None = None, undoable: bool = True) -> None:
        self.db = db
        self.outbox = outbox
        self.profile = profile  # where "keep as draft" puts a rejected reply
        self.on_change = on_change
        # Scripts have no undo: their items skip the replayer's undo-window hold (dated that much earlier).
        self._date_back = 0.0 if undoable else UNDO_WINDOW_S

    # --- the actions ------------------------------------------------------------------------------

    def reply(self, conversation_id: int, text_: str) -> str:
        return self._message(conversation_id, OutboxKind.REPLY, text_)

    def note(self, conversation_id: int, text_: str) -> str:
        return self._message(conversation_id, OutboxKind.NOTE, text_)

    def resolve(self, conversation_id: int) -> str:
        return self._queue(conversation_id, OutboxKind.STATUS, {"status": str(Status.RESOLVED)})

    def reopen(self, conversation_id: int) -> str:
        return self._queue(conversation_id, OutboxKind.STATUS, {"status": str(Status.OPEN)})

    def set_status(self, conversation_id: int, status: Status | str) -> str:
        return self._queue(conversation_id, OutboxKind.STATUS, {"status": str(Status(status))})

    def snooze(self, conversation_id: int, until: datetime) -> str:
        if until.tzinfo is None:
            raise ActionError("snooze needs a timezone-aware time")
        return self._queue(conversation_id, OutboxKind.SNOOZE, {"until": until.isoformat()})

    def assign(self, conversation_id: int, agent_id: int | None, team_id: int | None = None) -> str:
        with self.db.read() as conn:
            payload: dict[str, Any] = {"assignee_external_id": self._external_of(conn, "agent", agent_id)}
            if team_id is not None:
                payload["team_external_id"] = self._external_of(conn, "team", team_id)
        return self._queue(conversation_id, OutboxKind.ASSIGN, payload)

    def set_labels(self, conversation_id: int, labels: list[str] | tuple[str, ...]) -> str:
        clean = sorted(dict.fromkeys(label.strip() for label in labels if label.strip()))
        return self._queue(conversation_id, OutboxKind.LABEL, {"labels": clean})

    def set_priority(self, conversation_id: int, priority: Priority | str) -> str:
        try:
            value = Priority(str(priority).strip().lower())
        except ValueError:
            raise ActionError(f"priority needs one of {', '.join(Priority)} (got {priority!r})") from None
        return self._queue(conversation_id, OutboxKind.PRIORITY, {"priority": str(value)})

    def on_each(self, conversation_ids: list[int], action: str, *args: Any) -> ActionResult:
        """One action (a name in PER_CONVERSATION, with its other arguments) on each of these conversations."""
        if action not in PER_CONVERSATION:
            raise ActionError(f"no action {action!r} on conversations")
        ids = [int(c) for c in conversation_ids]
        method = getattr(self, action)
        return ActionResult(tuple(method(cid, *args) for cid in ids), Changes.of(conversations=ids))

    def add_labels(self, conversation_ids: list[int], labels: list[str], *, exact: bool) -> ActionResult:
        """``labels`` added to each conversation's own (``exact``: they become its labels)."""
        ids = [int(c) for c in conversation_ids]
        rows = inbox.rows_for(self.db, ids)
        queued = []
        for cid in ids:
            current = rows[cid].labels if cid in rows else []
            queued.append(self.set_labels(cid, labels if exact else sorted(set(current) | set(labels))))
        return ActionResult(tuple(queued), Changes.of(conversations=ids))

    def merge(self, proposal_id: int, keep_customer_id: int) -> list[str]:
        """Confirm a merge proposal: the two customers are one in the cache at once, and where both had a
        contact in the same Chatwoot account, a contact merge is queued for the hub too (there, the other
        contact's conversations move to the kept one). Returns the queued items' client ids.

        The cache merge is not rolled back if the hub refuses: the agent decided these are one person;
        the conflict only says the hub keeps two contacts.
        """
        with self.db.read() as conn:
            try:
                gone = customer_service.merged_away(conn, proposal_id, keep_customer_id)
            except ValueError as exc:
                raise ActionError(str(exc)) from exc
            contacts = customer_merges.chatwoot_contacts(conn, keep_customer_id, gone)
        sides: dict[int, dict[int, str]] = {}
        for account_id, customer_id, external_id in contacts:
            sides.setdefault(account_id, {}).setdefault(customer_id, external_id)
        queued: list[OutboxRow] = []
        try:
            # Outbox first, as for every action; the cache merge follows at once.
            for account_id, by_customer in sides.items():
                if keep_customer_id in by_customer and gone in by_customer:
                    queued.append(self.outbox.append(
                        account_id=account_id, conversation_external_id=None, kind=OutboxKind.MERGE,
                        payload={"base_contact_id": by_customer[keep_customer_id],
                                 "mergee_contact_id": by_customer[gone]},
                        now=time.time() - self._date_back))
            customer_service.confirm_merge(self.db, proposal_id, keep_customer_id)
        except _MERGE_ERRORS as exc:
            for row in queued:  # the merge did not happen here: nothing may reach the hub
                self.outbox.delete(row.client_id)
            if isinstance(exc, StorageError):
                raise
            if isinstance(exc, ValueError):
                raise ActionError(str(exc)) from exc
            raise StorageError(storage_message(exc, "cache")) from exc
        if self.on_change is not None:
            try:
                self.on_change(None)
            except Exception:
                log.exception("on_change listener failed")
        return [row.client_id for row in queued]

    def undo(self, client_id: str) -> bool:
        """Take back an action within UNDO_WINDOW_S while nobody has started sending it."""
        row = self.outbox.get(client_id)
        if row is None or row.state != OutboxState.PENDING:
            return False
        if not self.outbox.remove_if_pending(client_id, newer_than=time.time() - UNDO_WINDOW_S):
            return False
        self._roll_back(row)
        return True

    # --- the agent's decisions on failed / conflicting items ----------------------------------------

    def retry(self, client_id: str) -> bool:
        """Send it again (the local change is kept / put back)."""
        row = self.outbox.get(client_id)
        if row is None or row.state not in PROBLEM_STATES:
            return False
        requeued = False
        try:
            with self._cache_write() as conn:
                optimistic.apply_item(conn, account_id=row.account_id,
                                      conversation_external_id=row.conversation_external_id, kind=row.kind,
                                      payload=row.payload, client_id=row.client_id, created_at=row.created_at)
                optimistic.set_delivery(conn, row.account_id, row.client_id, DeliveryState.QUEUED)
                # The outbox last, inside the cache transaction: a cache failure above leaves the item as
                # the panel shows it, and the replayer never sends an item whose local copy is missing.
                requeued = self.outbox.retry(client_id)
                if not requeued:
                    raise _Settled  # decided meanwhile (discarded, retried): the cache change goes too
        except _Settled:
            return False
        except StorageError:
            if requeued:  # the cache commit failed after the outbox's: put the item back where it was
                self._put_back(row)
            raise
        self._changed(row)
        return True

    def keep_as_draft(self, client_id: str) -> bool:
        """Move a reply's/note's text into the conversation's draft; other kinds roll back like discard."""
        row = self.outbox.get(client_id)
        if row is None or row.state not in PROBLEM_STATES:
            return False
        if row.kind in (OutboxKind.REPLY, OutboxKind.NOTE) and row.conversation_external_id is not None:
            # The profile first: the text is safe before the outbox item goes.
            drafts.keep_text(self.profile, row.account_id, row.conversation_external_id,
                             str(row.payload.get("text", "")), is_note=row.kind == OutboxKind.NOTE)
        return self.discard(client_id)

    def discard(self, client_id: str) -> bool:
        """Drop the item for good and roll its local change back (only what was never acknowledged)."""
        row = self.outbox.get(client_id)
        if row is None or row.state not in PROBLEM_STATES:
            return False
        # Cache first: if we crash after it, the item is still there to decide on again.
        self._roll_back(row, delete_after=True)
        return True

    # --- reading and start-up -----------------------------------------------------------------------

    def items(self, states: tuple[str, ...] | None = None) -> list[OutboxRow]:
        return self.outbox.items(states=states)

    def problems(self) -> list[OutboxRow]:
        return self.outbox.items(states=tuple(str(s) for s in PROBLEM_STATES))

    def restore(self) -> int:
        """Start-up: rebuild the optimistic state from the outbox; returns how many items were re-applied."""
        self.outbox.recover_sending()
        self.outbox.prune_done()
        rows = self.outbox.open_items()
        known = {r.client_id for r in self.outbox.items()}
        done = self.outbox.items(states=(str(OutboxState.DONE),))
        with self._cache_write() as conn:
            optimistic.drop_orphan_local_messages(conn, known)
            applied = optimistic.reapply_open(conn, rows)
            for row in rows:  # a crash mid-push left "sending" on screen: it is queued again
                optimistic.set_delivery(conn, row.account_id, row.client_id, DeliveryState.QUEUED)
            for row in done:  # acknowledged in the outbox, but the crash beat the cache update
                if row.kind in (OutboxKind.REPLY, OutboxKind.NOTE):
                    optimistic.set_delivery(conn, row.account_id, row.client_id, DeliveryState.SENT,
                                            row.external_id)
                elif row.kind in ORDER_KINDS:
                    order_actions.settle(conn, row.client_id, "done")
        return applied

    # --- internals ----------------------------------------------------------------------------------

    def _message(self, conversation_id: int, kind: OutboxKind, body: str) -> str:
        if not body or not body.strip():
            raise ActionError("the message is empty")
        return self._queue(conversation_id, kind, {"text": body})

    def _queue(self, conversation_id: int, kind: OutboxKind, payload: dict[str, Any]) -> str:
        row: OutboxRow | None = None
        try:
            with self.db.write() as conn:
                ref = optimistic.conversation_ref(conn, int(conversation_id))
                if ref is None:
                    raise ActionError(f"no conversation with id {conversation_id}")
                account_id, external_id = ref
                prior = optimistic.prior_state(conn, account_id, external_id, kind)
                # The outbox commit (synchronous=FULL) comes first: from here on the action is safe.
                row = self.outbox.append(account_id=account_id, conversation_external_id=external_id,
                                         kind=kind, payload=payload, prior=prior,
                                         now=time.time() - self._date_back)
                optimistic.apply_item(conn, account_id=account_id, conversation_external_id=external_id,
                                      kind=kind, payload=payload, client_id=row.client_id,
                                      created_at=row.created_at)
        except CACHE_ERRORS as exc:
            if row is not None:  # the cache refused it: do not leave an action the agent was told failed
                try:
                    self.outbox.delete(row.client_id)
                except StorageError:
                    log.warning("outbox item %s kept; it will be re-applied at start-up", row.client_id)
            raise StorageError(storage_message(exc, "cache")) from exc
        self._changed(row)
        return row.client_id

    def _roll_back(self, row: OutboxRow, *, delete_after: bool = False) -> None:
        with self._cache_write() as conn:
            optimistic.rollback_item(conn, account_id=row.account_id,
                                     conversation_external_id=row.conversation_external_id, kind=row.kind,
                                     prior=row.prior, client_id=row.client_id, payload=row.payload)
            # Later open items of the same conversation still stand on top of the rolled-back state.
            later = [r for r in self.outbox.items(states=tuple(str(s) for s in OPEN_STATES),
                                                  account_id=row.account_id,
                                                  conversation_external_id=row.conversation_external_id)
                     if r.client_id != row.client_id]
            optimistic.reapply_open(conn, later)
        if delete_after:
            self.outbox.delete(row.client_id)
        self._changed(row)

    def _put_back(self, row: OutboxRow) -> None:
        current = self.outbox.get(row.client_id)
        if current is None or current.state != OutboxState.PENDING:
            return  # the replayer took it already: it is sent with the local copy re-applied at start-up
        try:
            self.outbox.mark_problem(row.client_id, row.state, reason=row.conflict or str(row.state),
                                     error=row.last_error)
        except StorageError:
            log.warning("outbox item %s left queued; its local copy is re-applied at start-up", row.client_id)

    def _cache_write(self) -> _GuardedWrite:
        return _GuardedWrite(self.db)

    def _external_of(self, conn: Connection, table: str, local_id: int | None) -> str | None:
        if local_id is None:
            return None
        value = team_directory.external_id(conn, table, local_id)
        if value is None:
            raise ActionError(f"no {table} with id {local_id}")
        return str(value)

    def _changed(self, row: OutboxRow) -> None:
        if self.on_change is None:
            return
        try:
            with self.db.read() as conn:
                conv_id = optimistic.conversation_id(conn, row.account_id, row.conversation_external_id)
            self.on_change(conv_id)
        except Exception:  # a listener's bug must not undo a durable action
            log.exception("on_change listener failed")


class _Settled(Exception):
    """Raised inside a cache write to roll it back: the outbox item is no longer the agent's to retry."""


class _GuardedWrite:
    """db.write() whose storage failures become StorageError with a message for the agent."""

    def __init__(self, db: Database) -> None:
        self._cm: AbstractContextManager[Connection] = db.write()

    def __enter__(self) -> Connection:
        try:
            return self._cm.__enter__()
        except CACHE_ERRORS as exc:
            raise StorageError(storage_message(exc, "cache")) from exc

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> bool | None:
        try:
            suppressed = self._cm.__exit__(exc_type, exc, traceback)
        except CACHE_ERRORS as failed:  # the commit (or rollback) itself
            raise StorageError(storage_message(failed, "cache")) from failed
        if isinstance(exc, CACHE_ERRORS) and not suppressed:  # a statement of the block, now rolled back
            raise StorageError(storage_message(exc, "cache")) from exc
        return suppressed


# --- one outbox per file per process, for the UI, the CLI and the sync runtime -----------------------

class ActionWorkspace(Protocol):
    """What the action use cases need of a workspace (bootstrap.Workspace is one)."""

    paths: AppPaths
    db: Database
    profile: ProfileStore


_OUTBOXES: dict[str, OutboxStore] = {}
_OUTBOXES_LOCK = threading.Lock()


def outbox_for(ws: ActionWorkspace) -> OutboxStore:
    """The workspace's OutboxStore (``ws.paths.outbox_db``), opened once per process."""
    return outbox_at(ws.paths.outbox_db)


def outbox_at(outbox_db: Path) -> OutboxStore:
    """The OutboxStore of this file, opened once per process."""
    key = str(outbox_db)
    with _OUTBOXES_LOCK:
        if key not in _OUTBOXES:
            _OUTBOXES[key] = OutboxStore(outbox_db)
        return _OUTBOXES[key]


def close_outbox(ws: ActionWorkspace) -> None:
    with _OUTBOXES_LOCK:
        store = _OUTBOXES.pop(str(ws.paths.outbox_db), None)
    if store is not None:
        store.close()


def action_service(ws: ActionWorkspace, *, on_change: Callable[[int | None], None] | None = None,
                   undoable: bool = True) -> ActionService:
    """An ActionService over the workspace's cache and outbox (what the UI and `deskapp act` use)."""
    return ActionService(ws.db, outbox_for(ws), ws.profile, on_change=on_change, undoable=undoable)


def restore_on_start(ws: ActionWorkspace) -> int:
    """Start-up: re-apply open outbox items to the cache (also after a cache rebuild); returns the count."""
    return action_service(ws).restore()
