"""Replays the outbox through connectors, for the sync engine (a ``before_pull`` hook) or on its own.

Per conversation, items go strictly in queue order; conversations interleave. Each item is marked
``sending`` durably before the push and ``done`` after it, so after a kill -9 in between we know it
may have landed: the connector then checks first (Chatwoot: the ``deskapp_client_id`` marker; email:
the Message-ID in the Sent folder), with the client id as the idempotency key. A connector that cannot
check (SMTP) reports each step of its handoff, made durable here before it goes on, and turns a
"maybe sent" into a conflict for the agent. Pushes pass through a token bucket so a reconnect with a
thousand queued actions never turns into a request storm.

A rejected item becomes ``conflict`` or ``failed`` for the agent to settle (services.actions), and
holds back the later items of its conversation. A revoked token stops the account: items stay pending.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from deskapp.connectors.base import AuthError, Cancelled, Connector, ConnectorError, TransientError
from deskapp.domain import DeliveryState, OutboxKind, OutboxState, PushResult
from deskapp.domain.changes import Changes
from deskapp.domain.enums import ORDER_KINDS
from deskapp.domain.order_actions import describe
from deskapp.store import optimistic, order_actions
from deskapp.store.engine import Connection, Database
from deskapp.store.ingest import AppliedChanges
from deskapp.store.outbox import PROBLEM_STATES, UNDO_WINDOW_S, OutboxRow, OutboxStore
from deskapp.store.work_offline import is_work_offline
from deskapp.sync.hooks import ApplyHook

if TYPE_CHECKING:
    from deskapp.sync.engine import SyncEngine

log = logging.getLogger(__name__)

DEFAULT_RATE = 25.0  # pushes per second per account (a push is one or two requests)
DEFAULT_BURST = 10
SHORT_WAIT_S = 5.0  # Retry-After up to this is slept through in the sync thread
DEFAULT_CONCURRENCY = 4  # conversations replayed side by side
MAX_ATTEMPTS = 8  # malformed answers or service failures (HTTP 500) before an item is shown as failed
MAX_MESSAGE_CHARS = 150_000  # Chatwoot's limit on a message's content
# The private note recording an order action has a client id derived from the action's: queued once only.
NOTE_NAMESPACE = uuid.UUID("6f0f7a52-5b1e-4a8e-9d3c-2f4e0b7c1d90")


def note_client_id(action_client_id: str) -> str:
    return str(uuid.uuid5(NOTE_NAMESPACE, action_client_id))


class TokenBucket:
    """At most ``burst`` requests at once, then ``rate`` per second: the no-storm rule on reconnect."""

    def __init__(self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate, self.burst = float(rate), float(burst)
        self._tokens = float(burst)
        self._clock, self._sleep = clock, sleep
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until there is one; returns the time slept."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1.0
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
        if wait > 0:
            self._sleep(wait)
        return wait


@dataclass
class ReplayReport:
    account_id: int
    sent: int = 0
    conflicts: int = 0
    failed: int = 0
    deferred: int = 0  # still pending: held back (undo window, an earlier problem) or retry later
    stopped: str | None = None  # None | "paused" | "offline" | "auth_needed" | "cancelled"
    errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, counter: str, n: int = 1, *, error: str | None = None, stopped: str | None = None) -> None:
        """Thread-safe bookkeeping (conversations replay on a few worker threads)."""
        with self._lock:
            setattr(self, counter, getattr(self, counter) + n)
            if error is not None:
                self.errors.append(error)
            if stopped is not None and self.stopped is None:
                self.stopped = stopped


class Replayer:
    """Sends one account's open outbox items through its connector; callable as a before_pull hook."""

    def __init__(self, db: Database, outbox: OutboxStore, *, rate: float = DEFAULT_RATE,
                 burst: int = DEFAULT_BURST, hold_s: float = UNDO_WINDOW_S, max_attempts: int = MAX_ATTEMPTS,
                 is_paused: Callable[[], bool] | None = None,
                 on_item: Callable[[OutboxRow], None] | None = None,
                 max_message_chars: int = MAX_MESSAGE_CHARS, concurrency: int = DEFAULT_CONCURRENCY) -> None:
        self.db, self.outbox = db, outbox
        self.rate, self.burst, self.hold_s, self.max_attempts = rate, burst, hold_s, max_attempts
        self.is_paused = is_paused if is_paused is not None else (lambda: is_work_offline(db))
        self.on_item = on_item
        self.max_message_chars = max_message_chars
        self.concurrency = max(1, concurrency)
        self._buckets: dict[int, TokenBucket] = {}
        self._lock = threading.Lock()
        self._account_locks: dict[int, threading.Lock] = {}
        self._not_before: dict[int, float] = {}
        # Told which conversation's delivery mark changed (the sync engine reports it with its next event).
        self.on_changes: Callable[[int, Changes], None] | None = None

    def __call__(self, account_id: int, connector: Connector) -> None:
        """The sync engine's before_pull hook: a dead server or token stops this account's round."""
        report = self.replay_account(account_id, connector)
        if report.stopped == "paused":  # the agent's "work offline": no replay and no pulls either
            raise TransientError("working offline (switched on by the agent)")
        if report.stopped == "auth_needed":
            raise AuthError(report.errors[-1] if report.errors else "token rejected while replaying the outbox")
        if report.stopped == "cancelled":  # the engine is stopping: the items wait for the next start
            raise Cancelled(report.errors[-1] if report.errors else "stopped while replaying")
        if report.stopped == "offline":
            raise TransientError(report.errors[-1] if report.errors else "server unreachable while replaying")

    def bucket(self, account_id: int) -> TokenBucket:
        with self._lock:
            if account_id not in self._buckets:
                self._buckets[account_id] = TokenBucket(self.rate, self.burst)
            return self._buckets[account_id]

    def replay_account(self, account_id: int, connector: Connector) -> ReplayReport:
        """Push every sendable open item of ``account_id`` once; never raises for a single item."""
        report = ReplayReport(account_id)
        if self.is_paused():
            report.stopped = "paused"
            return report
        wait = self._not_before.get(account_id, 0.0) - time.monotonic()
        if 0 < wait <= SHORT_WAIT_S:  # a short Retry-After: wait it out here rather than lose a pass
            time.sleep(wait)
            wait = 0
        if wait > 0:  # the service asked us to come back later (Retry-After): no storm on reconnect
            report.stopped = "offline"
            report.errors.append(f"waiting {wait:.0f} s more, as the service asked")
            return report
        with self._lock:
            account_lock = self._account_locks.setdefault(account_id, threading.Lock())
        if not self.outbox.replay_lock.acquire():  # another deskapp process is sending: never both
            report.add("deferred", len(self.outbox.open_items(account_id)),
                       error="another deskapp process is sending the outbox")
            return report
        try:
            with account_lock:  # one replay per account at a time: order per conversation holds
                self._replay(account_id, connector, report)
        finally:
            self.outbox.replay_lock.release()
        return report

    def _replay(self, account_id: int, connector: Connector, report: ReplayReport) -> None:
        # Conversations with an unsettled problem wait for the agent: order per conversation holds.
        problems = self.outbox.items(states=tuple(str(s) for s in PROBLEM_STATES), account_id=account_id)
        first_problem: dict[str | None, int] = {}
        for p in problems:
            first_problem.setdefault(p.conversation_external_id, p.seq)
        blocked: set[str | None] = set()
        queues: dict[str | None, list[OutboxRow]] = {}
        now = time.time()
        for row in self.outbox.open_items(account_id):
            conv = row.conversation_external_id
            held = now - row.created_at < self.hold_s  # still inside the agent's undo window
            if conv in blocked or first_problem.get(conv, row.seq + 1) < row.seq or held:
                blocked.add(conv)
                report.add("deferred")
                continue
            queues.setdefault(conv, []).append(row)
        stop = threading.Event()

        def run(rows: list[OutboxRow]) -> None:
            """One conversation's items, strictly in order; the first one that does not go holds the rest."""
            for index, row in enumerate(rows):
                if stop.is_set() or self.is_paused():
                    if not stop.is_set():
                        report.add("deferred", 0, stopped="paused")
                    report.add("deferred", len(rows) - index)
                    return
                outcome = self._send_one(row, connector, report)
                if outcome == "stop":
                    stop.set()
                if outcome != "sent" and outcome != "skipped":
                    report.add("deferred", len(rows) - index - 1)
                    return

        workers = min(self.concurrency, len(queues))
        if workers <= 1:
            for rows in queues.values():
                run(rows)
            return
        # Different conversations go side by side (a slow round trip no longer stalls the whole queue);
        # the shared token bucket still bounds the account's request rate.
        with ThreadPoolExecutor(workers, thread_name_prefix=f"replay-{account_id}") as pool:
            for future in [pool.submit(run, rows) for rows in queues.values()]:
                future.result()

    def _send_one(self, row: OutboxRow, connector: Connector, report: ReplayReport) -> str:
        size = len(str(row.payload.get("text", ""))) if row.kind in (OutboxKind.REPLY, OutboxKind.NOTE) else 0
        if size > self.max_message_chars:  # the service would refuse it (Chatwoot: 150,000 characters)
            self.outbox.mark_problem(row.client_id, OutboxState.CONFLICT, reason="too large",
                                     error=f"{size} characters; the limit is {self.max_message_chars}")
            self._delivery(row, DeliveryState.FAILED)
            report.add("conflicts")
            self._notify(row.client_id)
            return "conflict"
        self.bucket(row.account_id).acquire()
        previous_attempts = row.attempts
        if not self.outbox.claim(row.client_id):
            current = self.outbox.get(row.client_id)
            if current is not None and current.state == OutboxState.SENDING:
                report.add("deferred")
                return "busy"  # another process is sending it: the rest of the conversation waits
            return "skipped"  # undone or settled meanwhile
        self._delivery(row, DeliveryState.SENDING)
        item = replace(row.to_item(), attempts=previous_attempts, state=OutboxState.SENDING)
        try:
            if getattr(connector, "records_handoff", False):
                # connectors that say records_handoff take push(item, handoff) (connectors.base)
                result: PushResult = connector.push(item, partial(self.outbox.set_handoff, row.client_id))  # type: ignore[call-arg]
            else:
                result = connector.push(item)
        except AuthError as exc:
            self._back_to_queue(row, f"auth: {exc}")
            report.add("deferred", error=str(exc), stopped="auth_needed")
            return "stop"
        except Cancelled as exc:  # stopped while waiting to try again: nothing went wrong with the item
            self._back_to_queue(row, f"stopped: {exc}")
            report.add("deferred", error=str(exc), stopped="cancelled")
            return "stop"
        except TransientError as exc:
            if exc.retry_after:
                self._not_before[row.account_id] = time.monotonic() + min(float(exc.retry_after), 3600.0)
            self._back_to_queue(row, f"transient: {exc}")
            report.add("deferred", error=str(exc), stopped="offline")
            return "stop"
        except ConnectorError as exc:  # malformed answer: it may have landed; the check-first makes retry safe
            return self._retry_later(row, previous_attempts + 1, f"{type(exc).__name__}: {exc}", report)
        except Exception as exc:  # a connector bug must not lose the item or kill the sync thread
            log.exception("push of %s failed", row.client_id)
            return self._retry_later(row, previous_attempts + 1, f"{type(exc).__name__}: {exc}", report)
        if result.ok:
            if row.kind in ORDER_KINDS:
                self._order_done(row, result)
            else:
                self.outbox.mark_done(row.client_id, result.external_id)
            self._delivery(row, DeliveryState.SENT, result.external_id)
            report.add("sent")
            self._notify(row.client_id)
            return "sent"
        words = result.detail.get("message") if isinstance(result.detail, dict) else None
        if result.conflict:
            self.outbox.mark_problem(row.client_id, OutboxState.CONFLICT, reason=result.conflict,
                                     error=str(words or result.detail or result.conflict))
            self._delivery(row, DeliveryState.FAILED)
            report.add("conflicts")
            self._notify(row.client_id)
            return "conflict"
        if result.retryable:  # e.g. the service failed on this change (HTTP 500): a few tries, then failed
            return self._retry_later(row, previous_attempts + 1, str(words or result.detail or "retry later"), report,
                                     reason=str(words or "failed"))
        self.outbox.mark_problem(row.client_id, OutboxState.FAILED, reason="rejected",
                                 error=str(result.detail or "rejected by the server"))
        self._delivery(row, DeliveryState.FAILED)
        report.add("failed")
        self._notify(row.client_id)
        return "failed"

    def _retry_later(self, row: OutboxRow, attempts: int, error: str, report: ReplayReport, *,
                     reason: str = "failed") -> str:
        """Back to the queue, unless this was the ``max_attempts``-th try: then failed, for the agent."""
        if attempts >= self.max_attempts:
            self.outbox.mark_problem(row.client_id, OutboxState.FAILED, reason=reason,
                                     error=f"{error} (tried {attempts} times)")
            self._delivery(row, DeliveryState.FAILED)
            report.add("failed", error=error)
            self._notify(row.client_id)
            return "failed"
        self._back_to_queue(row, error)
        report.add("deferred", error=error)
        return "deferred"

    def _back_to_queue(self, row: OutboxRow, error: str) -> None:
        self.outbox.release(row.client_id, error)
        self._delivery(row, DeliveryState.QUEUED)
        self._notify(row.client_id)

    def _order_done(self, row: OutboxRow, result: PushResult) -> None:
        """Done, with the private note that records it queued on the conversation (one transaction), then
        shown: the action done beside its order, the note in the thread."""
        amount = result.detail.get("amount") if isinstance(result.detail, dict) else None
        words = describe(row.kind, row.payload, amount=str(amount) if amount else None, done=True)
        place = row.payload.get("note_on") if isinstance(row.payload.get("note_on"), dict) else None
        note_client = note_client_id(row.client_id)
        where = None if place is None else (int(place["account_id"]), str(place["conversation"]))
        note: dict[str, Any] | None = None if where is None else {
            "client_id": note_client, "account_id": where[0], "conversation_external_id": where[1], "text": words}
        self.outbox.mark_done_with_note(row.client_id, result.external_id, note)
        conversation_id: int | None = None
        try:
            with self.db.write() as conn:
                order_actions.settle(conn, row.client_id, "done", summary=words)
                if where is not None:
                    optimistic.apply_item(conn, account_id=where[0], conversation_external_id=where[1],
                                          kind=OutboxKind.NOTE, payload={"text": words},
                                          client_id=note_client, created_at=time.time())
                    conversation_id = optimistic.conversation_id(conn, where[0], where[1])
        except Exception:  # the outbox holds both; start-up re-applies the note, the next pull the order
            log.exception("could not show order action %s as done", row.client_id)
            return
        if self.on_changes is not None and where is not None and conversation_id is not None:
            self.on_changes(where[0], Changes.of(conversations=[conversation_id]))

    def _delivery(self, row: OutboxRow, state: DeliveryState, external_id: str | None = None) -> None:
        if row.kind in ORDER_KINDS and state == DeliveryState.FAILED:
            current = self.outbox.get(row.client_id)
            try:
                with self.db.write() as conn:
                    if row.kind == OutboxKind.ORDER_REFUND and row.conversation_external_id \
                            and order_actions.state_of(conn, row.client_id) == "queued":  # off the order again
                        order_actions.show_refund(conn, row.account_id, row.conversation_external_id, row.payload, -1)
                    order_actions.settle(conn, row.client_id, "refused",
                                         detail=(current.last_error or current.conflict or "") if current else "")
            except Exception:
                log.exception("could not show order action %s as refused", row.client_id)
            return
        if row.kind not in (OutboxKind.REPLY, OutboxKind.NOTE):
            return
        try:
            with self.db.write() as conn:
                optimistic.set_delivery(conn, row.account_id, row.client_id, state, external_id)
                conversation_id = optimistic.conversation_id(conn, row.account_id, row.conversation_external_id)
        except Exception:  # the outbox is the truth; the thread's badge is fixed at the next start/pull
            log.exception("could not show delivery %s for %s", state, row.client_id)
            return
        if self.on_changes is not None and conversation_id is not None:
            self.on_changes(row.account_id, Changes.of(conversations=[conversation_id]))

    def _notify(self, client_id: str) -> None:
        if self.on_item is None:
            return
        row = self.outbox.get(client_id)
        if row is not None:
            try:
                self.on_item(row)
            except Exception:
                log.exception("on_item listener failed")


def reapply_hook(outbox: OutboxStore) -> ApplyHook:
    """An apply hook: after a pull rewrote conversations with the server's state, put the changes
    still waiting in the outbox back on top (the cache = server state + pending outbox)."""

    def hook(conn: Connection, changes: AppliedChanges) -> None:
        if not changes.conversation_ids:
            return
        rows = outbox.open_items(changes.account_id)
        if not rows:
            return
        wanted = {r.conversation_external_id for r in rows}
        touched = optimistic.external_ids(conn, changes.conversation_ids) & wanted
        if touched:
            optimistic.reapply_open(conn, rows, conversation_external_ids=touched)

    return hook


def wake_after_hold(engine: SyncEngine, replayer: Replayer) -> Callable[[OutboxRow], None]:
    """An outbox listener: when a new item's undo window is over, wake that account's running sync loop
    so the item goes out within seconds instead of at the next interval (no effect on one-shot syncs)."""

    def listener(row: OutboxRow) -> None:
        workers = getattr(engine, "_workers", {})
        worker = workers.get(row.account_id)
        if worker is None or not worker[0].is_alive():  # no background loop: `sync --once` or stopped
            return
        delay = max(0.0, row.created_at + replayer.hold_s - time.time()) + 0.2
        timer = threading.Timer(delay, worker[1].set)  # the loop's wake event: a pass now
        timer.daemon = True
        timer.start()

    return listener
