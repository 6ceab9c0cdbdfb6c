"""The sync engine for services and the CLI: pulls every account's streams and applies them safely.

Each page is applied in one write transaction together with its cursor (store.ingest), so a crash
or kill at any moment loses and duplicates nothing. Chatwoot-style connectors serve messages per
conversation (stream ``messages/<conversation>``): the conversations page and "these conversations'
messages are pending" marks are committed together, and the mark of a conversation is cleared with
its last messages page, so on resume every conversation a crash interrupted is pulled again.
A connector whose full walk brings the newest records first (``walk_progress``: Chatwoot conversations,
mail folders) has its progress told after each page: "newest 1,000 conversations ready, backfilling 12,400
of 98,000". Errors map to the account's visible state: AuthError -> auth_needed (that account stops, others go
on), TransientError -> offline (or degraded when some pulls worked), PayloadError -> degraded.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from deskapp.connectors.base import AuthError, Cancelled, Connector, PayloadError, TransientError
from deskapp.credentials import SecretStore
from deskapp.credentials.keyring_store import CredentialError
from deskapp.domain import Account, AccountKind, Batch, Connectivity, Conversation
from deskapp.domain.changes import NOTHING, Changes
from deskapp.store import accounts as account_store
from deskapp.store.engine import Connection, Database, savepoint
from deskapp.store.ingest import AppliedChanges, apply_batch
from deskapp.sync import registry as default_registry
from deskapp.sync.hooks import ApplyHook, BeforePull, Preprocessor, SyncEvent, SyncSummary, changes_of

log = logging.getLogger(__name__)

MESSAGES_PREFIX = "messages/"
MAX_PAGES_PER_STREAM = 100_000  # a connector that never says "done" must not spin forever
_PENDING_CHUNK = 200
GROUP_MESSAGES = 1000  # messages of several conversations applied in one transaction
FIRST_READY = 1000  # a full walk tells when this many of the newest records are in the cache
FEED_LIVE = "live: the hub pushes changes"  # the event message when an account's push channel comes up
FEED_POLLING = "polling: the hub's live channel is down"  # ... and when it goes down


class _Stopped(Exception):
    """stop() was called: leave the account between two pages."""


class SyncEngine:
    """Pulls accounts once (``sync_account_once``) or in a background loop per account (``start``)."""

    def __init__(
        self,
        db: Database,
        secrets: SecretStore,
        *,
        registry: Mapping[AccountKind, default_registry.Factory] | None = None,
        apply_hooks: Iterable[ApplyHook] = (),
        preprocessors: Mapping[str, Preprocessor] | None = None,
        before_pull: Iterable[BeforePull] = (),
        on_event: Callable[[SyncEvent], None] | None = None,
        interval: float = 30.0,
        safety_interval: float = 600.0,
        max_backoff: float = 300.0,
        first_ready: int = FIRST_READY,
    ) -> None:
        self.db = db
        self.secrets = secrets
        self.registry = dict(registry) if registry is not None else None
        self.apply_hooks = list(apply_hooks)
        self.preprocessors = {str(k): v for k, v in (preprocessors or {}).items()}
        self.before_pull = list(before_pull)
        self.on_event = on_event
        self.interval = interval
        self.safety_interval = safety_interval  # the poll while the hub pushes changes (a missed event's cap)
        self.max_backoff = max_backoff
        self.first_ready = first_ready
        self._connectors: dict[int, Connector] = {}
        self._account_locks: dict[int, threading.Lock] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._workers: dict[int, tuple[threading.Thread, threading.Event]] = {}
        self._unreported: dict[int, Changes] = {}  # applied since the account's last event
        self._live: set[int] = set()  # accounts whose hub pushes changes: polled at safety_interval only
        self._wanted: dict[int, set[str] | None] = {}  # the next pass's streams (None: all) when asked for

    # --- one pass --------------------------------------------------------------------------------

    def sync_all_once(self) -> list[SyncSummary]:
        with self.db.read() as conn:
            ids = [a.id for a in account_store.list_accounts(conn)]
        return [self.sync_account_once(account_id) for account_id in ids]

    def sync_account_once(self, account_id: int, streams: Iterable[str] | None = None) -> SyncSummary:
        """Pulls every stream of the account (or only ``streams``, in the connector's order) until done;
        never raises for remote failures."""
        with self._lock:
            lock = self._account_locks.setdefault(account_id, threading.Lock())
        with lock:
            return self._sync(account_id, None if streams is None else set(streams))

    def forget_connector(self, account_id: int) -> None:
        """Drop the cached connector (after the account's settings or token changed)."""
        with self._lock:
            self._connectors.pop(account_id, None)

    def _sync(self, account_id: int, only: set[str] | None = None) -> SyncSummary:
        started = time.monotonic()
        summary = SyncSummary(account_id=account_id)
        with self.db.read() as conn:
            account = account_store.get_account(conn, account_id)
        if account is None:
            summary.errors.append("no such account")
            return summary
        summary.kind = str(account.kind)
        stopped = False
        try:
            connector = self._connector(account)
            for hook in self.before_pull:
                try:
                    hook(account.id, connector)
                except (AuthError, TransientError):
                    raise
                except Exception as exc:  # a failing replay must not block pulling
                    log.exception("before-pull step failed for account %s", account.id)
                    summary.errors.append(f"before pull: {exc}")
            self._pull_account(account, connector, summary, only)
        except AuthError as exc:
            self.forget_connector(account_id)  # the next attempt reads the (new) token again
            summary.state = Connectivity.AUTH_NEEDED
            summary.errors.append(str(exc) or "authentication failed")
        except (_Stopped, Cancelled):  # stop() between two pages, or while a connector waited
            stopped = True
            summary.state = Connectivity.DEGRADED if summary.errors else Connectivity.ONLINE
        except TransientError as exc:
            summary.state = Connectivity.DEGRADED if summary.pages else Connectivity.OFFLINE
            summary.errors.append(str(exc) or "service unreachable")
        except default_registry.UnknownAccountKind as exc:
            summary.state = Connectivity.OFFLINE
            summary.errors.append(str(exc))
        except CredentialError as exc:  # the keyring is locked or gone: the agent must act, like a 401
            summary.state = Connectivity.AUTH_NEEDED
            summary.errors.append(str(exc))
        except Exception as exc:  # never let one account's failure escape into the caller's thread
            log.exception("sync of account %s failed", account_id)
            summary.state = Connectivity.DEGRADED if summary.pages else Connectivity.OFFLINE
            summary.errors.append(f"internal error: {exc}")
        else:
            summary.state = Connectivity.DEGRADED if summary.errors else Connectivity.ONLINE
        summary.seconds = time.monotonic() - started
        synced = summary.state == Connectivity.ONLINE and not stopped  # a pass cut short is not a sync
        with self.db.write() as conn:
            account_store.set_state(conn, account_id, summary.state,
                                    error=summary.errors[-1][:500] if summary.errors else None, synced=synced)
            account = account_store.get_account(conn, account_id)
            summary.last_sync = account.last_sync if account is not None else None  # None: removed meanwhile
        self._emit(account_id, summary.state, 1, 1, "synced" if synced else (summary.errors or ["stopped"])[-1],
                   summary.last_sync)
        log.info("account %s sync: %s", account_id, summary.as_dict())
        return summary

    def _connector(self, account: Account) -> Connector:
        with self._lock:
            cached = self._connectors.get(account.id)
        if cached is not None:
            return cached
        connector = default_registry.create(account, self.secrets, self.registry)
        stop_waiting_on = getattr(connector, "stop_waiting_on", None)
        if callable(stop_waiting_on):  # a throttle wait of up to a minute must not outlast stop()
            stop_waiting_on(self._stopping)
        with self._lock:
            self._connectors[account.id] = connector
        return connector

    def _pull_account(self, account: Account, connector: Connector, summary: SyncSummary,
                      only: set[str] | None = None) -> None:
        streams = [s for s in connector.streams() if only is None or s in only]
        per_conversation = bool(getattr(connector, "messages_per_conversation", "conversations" in streams))
        if per_conversation:
            self._drain_pending(account, connector, summary, len(streams), 0)  # what a crash left behind
        for index, stream in enumerate(streams):
            self._emit(account.id, Connectivity.ONLINE, index, len(streams), f"pulling {stream}", None)
            try:
                self._pull_stream(account, connector, stream, summary, per_conversation, len(streams), index)
            except PayloadError as exc:
                log.warning("account %s stream %s: %s", account.id, stream, exc)
                summary.errors.append(f"{stream}: {exc}")
            except (AuthError, TransientError, _Stopped):
                raise
            except Exception as exc:  # a bug or a database error on one stream must not stop the others
                log.exception("account %s stream %s failed", account.id, stream)
                summary.errors.append(f"{stream}: internal error: {exc}")
        if summary.not_imported:
            # Kept aside by the connector (raw source and reason in the cache) and fetched again next
            # pass; an error keeps the account's state from reading "online" while any are missing.
            summary.errors.append(f"{summary.not_imported} message(s) could not be imported;"
                                  " they are kept aside and tried again on the next sync")

    def _pull_stream(self, account: Account, connector: Connector, stream: str, summary: SyncSummary,
                     per_conversation: bool, total: int, index: int) -> None:
        with self.db.read() as conn:
            cursor = account_store.get_cursor(conn, account.id, stream)
        seen = {cursor}
        pull = functools.partial(_pull_page, connector, stream)
        # A connector that pulls ahead has its next page fetched and parsed while this one is applied: the
        # page's cursor is known before it is applied, and a page pulled ahead of a failure is dropped.
        ahead = ThreadPoolExecutor(1, thread_name_prefix="pull-ahead") if getattr(
            connector, "pulls_ahead", False) else None
        pending: Future[tuple[Batch, tuple[int, int] | None]] | None = None
        try:
            for _page in range(MAX_PAGES_PER_STREAM):
                if self._stopping.is_set():
                    raise _Stopped
                batch, walked = pending.result() if pending is not None else pull(cursor)
                pending = None
                next_cursor = batch.next_cursor if batch.next_cursor is not None else cursor
                if ahead is not None and not batch.done and next_cursor not in seen:
                    pending = ahead.submit(pull, next_cursor)
                self._apply(account, stream, list(batch.items or ()), next_cursor, bool(batch.done),
                            per_conversation, summary)
                walk = self._walk_words(walked, stream, bool(batch.done))
                if per_conversation and stream == "conversations":
                    self._drain_pending(account, connector, summary, total, index, announce=walk is None)
                if walk is not None:  # after the drain: what it announces is listed and openable
                    self._emit(account.id, Connectivity.ONLINE, *walk, None)
                if batch.done:
                    return
                if next_cursor in seen:
                    # The service sent a cursor we already had (or went backwards into one): what we hold
                    # is consistent, so stop here rather than loop; the next pass starts from it again.
                    log.warning("account %s stream %s: cursor %r repeated, stopping this pass", account.id,
                                stream, next_cursor)
                    return
                seen.add(next_cursor)
                cursor = next_cursor
            log.warning("account %s stream %s: more than %d pages", account.id, stream, MAX_PAGES_PER_STREAM)
        finally:
            if ahead is not None:  # a page pulled ahead of a stop or a failure is waited for, then dropped
                ahead.shutdown(wait=True, cancel_futures=True)

    def _walk_words(self, walked_total: tuple[int, int] | None, stream: str,
                    done: bool) -> tuple[int, int, str] | None:
        """(walked, total, words) of a connector's full walk, which brings the newest records first; None
        when the connector does not tell or the stream only fetches changes."""
        if walked_total is None:
            return None
        walked, total = walked_total
        label, noun = ("", "conversations") if stream == "conversations" else (f"{stream}: ", "mails")
        if done or walked >= total:
            return walked, walked, f"{label}all {walked:,} {noun} ready"
        if walked < self.first_ready:
            return walked, total, f"{label}newest {noun} first: {walked:,} of {self.first_ready:,}"
        return walked, total, f"{label}newest {self.first_ready:,} {noun} ready, backfilling {walked:,} of {total:,}"

    def _drain_pending(self, account: Account, connector: Connector, summary: SyncSummary, total: int,
                       index: int, *, announce: bool = True) -> None:
        """Pulls the messages of every conversation marked pending, applying them in groups; with
        ``announce`` False it sends no event of its own (a walk's progress event follows it).

        A group (up to GROUP_MESSAGES messages, several conversations) is one transaction with each
        conversation's message cursor and, for those pulled to the end, the removal of its mark.
        """
        visited: set[str] = set()
        while True:
            with self.db.read() as conn:
                pending = [c for c in account_store.pending_message_conversations(
                    conn, account.id, _PENDING_CHUNK + len(visited)) if c not in visited]
            if not pending:
                return
            with self.db.read() as conn:  # one query for the chunk's cursors, not one per conversation
                cursors = account_store.get_cursors(conn, account.id, [MESSAGES_PREFIX + e for e in pending])
            if announce:
                self._emit(account.id, Connectivity.ONLINE, index, total,
                           f"pulling messages of {len(pending)} conversation(s)", None)
            group: list[tuple[str, list[Any], str | None, bool]] = []
            pull = functools.partial(self._pull_messages_at, account, connector, cursors)
            workers = max(1, int(getattr(connector, "parallel_message_pulls", 1)))
            with contextlib.closing(_in_order(pending, pull, workers)) as results:
                try:
                    for ext, result in results:
                        if self._stopping.is_set():
                            raise _Stopped
                        visited.add(ext)
                        try:
                            group.append((ext, *result()))
                        except PayloadError as exc:
                            # The mark stays: this conversation is tried again on the next pass.
                            summary.errors.append(f"messages of {ext}: {exc}")
                        if sum(len(g[1]) for g in group) >= GROUP_MESSAGES:
                            self._apply_message_group(account, group, summary)
                            group = []
                finally:  # what was pulled before a failure is kept
                    if group:
                        self._apply_message_group(account, group, summary)

    def _pull_messages_at(self, account: Account, connector: Connector, cursors: Mapping[str, str | None],
                          ext: str) -> tuple[list[Any], str | None, bool]:
        return self._pull_messages(account, connector, ext, cursors.get(MESSAGES_PREFIX + ext))

    def _pull_messages(self, account: Account, connector: Connector, ext: str,
                       cursor: str | None) -> tuple[list[Any], str | None, bool]:
        """All new messages of one conversation after ``cursor``: (items, cursor after them, reached the end)."""
        stream = MESSAGES_PREFIX + ext
        seen, items = {cursor}, list[Any]()
        for _page in range(MAX_PAGES_PER_STREAM):
            if self._stopping.is_set():
                break
            batch = connector.pull(stream, cursor)
            items.extend(batch.items or ())
            cursor = batch.next_cursor if batch.next_cursor is not None else cursor
            if batch.done:
                return items, cursor, True
            if cursor in seen:
                log.warning("account %s stream %s: cursor %r repeated", account.id, stream, cursor)
                break
            seen.add(cursor)
        return items, cursor, False

    def _apply_message_group(self, account: Account, group: list[tuple[str, list[Any], str | None, bool]],
                             summary: SyncSummary) -> None:
        items = [m for _ext, msgs, _cursor, _done in group for m in msgs]
        with self.db.write() as conn:
            preprocess = self.preprocessors.get(str(account.kind))
            if preprocess is not None:
                items = preprocess(conn, account.id, items)
            changes = apply_batch(conn, account.id, items, stream=MESSAGES_PREFIX + group[0][0], cursor=None)
            for ext, _msgs, cursor, done in group:
                account_store.set_cursor(conn, account.id, MESSAGES_PREFIX + ext, cursor)
                if done:
                    account_store.clear_messages_pending(conn, account.id, ext)
            self._run_hooks(conn, changes)
        self._count(summary, len(items), changes)
        self.note_changes(account.id, changes_of(changes))

    def _apply(self, account: Account, stream: str, items: list[Any], cursor: str | None, done: bool,
               per_conversation: bool, summary: SyncSummary) -> None:
        with self.db.write() as conn:
            preprocess = self.preprocessors.get(str(account.kind))
            if preprocess is not None:
                items = preprocess(conn, account.id, items)
            changes = apply_batch(conn, account.id, items, stream=stream, cursor=cursor)
            if per_conversation and stream == "conversations":
                account_store.mark_messages_pending(
                    conn, account.id, [c.external_id for c in items if isinstance(c, Conversation)])
            if done and stream.startswith(MESSAGES_PREFIX):
                account_store.clear_messages_pending(conn, account.id, stream[len(MESSAGES_PREFIX):])
            self._run_hooks(conn, changes)
        self._count(summary, len(items), changes)
        self.note_changes(account.id, changes_of(changes))

    @staticmethod
    def _count(summary: SyncSummary, records: int, changes: AppliedChanges) -> None:
        summary.pages += 1
        summary.records += records
        summary.new_messages += len(changes.new_message_ids)
        summary.conversations += len(changes.conversation_ids)
        summary.duplicates += changes.duplicates
        summary.not_imported += changes.not_imported

    def _run_hooks(self, conn: Connection, changes: AppliedChanges) -> None:
        for number, hook in enumerate(self.apply_hooks):
            try:
                with savepoint(conn, f"hook_{number}"):
                    hook(conn, changes)
            except Exception:
                log.exception("apply hook %r failed; its writes are rolled back", hook)

    def note_changes(self, account_id: int, changes: Changes) -> None:
        """Committed changes to the account's conversations, told with its next event (the batches' own,
        and those made beside them, like the outbox replay's delivery marks)."""
        if changes:
            with self._lock:
                self._unreported[account_id] = self._unreported.get(account_id, NOTHING) | changes

    def _emit(self, account_id: int, state: Connectivity, done: int, total: int, message: str,
              last_sync: datetime | None) -> None:
        with self._lock:
            changes = self._unreported.pop(account_id, NOTHING)
        if self.on_event is None:
            return
        try:
            self.on_event(SyncEvent(account_id, state, done, total, message, last_sync, changes))
        except Exception:  # a listener's bug must not kill the sync thread
            log.exception("sync event listener failed")

    # --- background loops ------------------------------------------------------------------------

    def start(self) -> None:
        """One background thread per account, each syncing every ``interval`` seconds."""
        self._stopping.clear()
        with self.db.read() as conn:
            ids = [a.id for a in account_store.list_accounts(conn)]
        for account_id in ids:
            self._ensure_worker(account_id)

    def _ensure_worker(self, account_id: int) -> threading.Event:
        with self._lock:
            worker = self._workers.get(account_id)
            if worker is not None and worker[0].is_alive():
                return worker[1]
            wake = threading.Event()
            thread = threading.Thread(target=self._loop, args=(account_id, wake), name=f"sync-{account_id}",
                                      daemon=True)
            self._workers[account_id] = (thread, wake)
        thread.start()
        return wake

    def request_sync(self, account_id: int | None = None) -> None:
        """Wake the account's loop (all loops with None) for a pass now; starts a loop for a new account."""
        if account_id is None:
            with self._lock:
                wakes = [w for _t, w in self._workers.values()]
            for wake in wakes:
                wake.set()
            if not self._stopping.is_set():
                self.start()
            return
        with self._lock:
            self._wanted[account_id] = None
        self._ensure_worker(account_id).set()

    def request_streams(self, account_id: int, streams: Iterable[str]) -> None:
        """Wake the account's loop for a pass over these streams only (what a pushed event says changed);
        a full pass already asked for stays full."""
        with self._lock:
            wanted = self._wanted.get(account_id, set())
            if wanted is not None:
                self._wanted[account_id] = wanted | set(streams)
        self._ensure_worker(account_id).set()

    def set_live(self, account_id: int, live: bool) -> None:
        """The hub's push channel for the account came up (the caller asks for a catch-up pass) or went down
        (polling takes over at once, then every ``interval``)."""
        with self._lock:
            was = account_id in self._live
            (self._live.add if live else self._live.discard)(account_id)
        if was == live:
            return
        with self.db.read() as conn:
            account = account_store.get_account(conn, account_id)
        if account is not None:
            self._emit(account_id, account.state, 1, 1, FEED_LIVE if live else FEED_POLLING, account.last_sync)
        if not live and not self._stopping.is_set():
            self.request_sync(account_id)

    def is_live(self, account_id: int) -> bool:
        with self._lock:
            return account_id in self._live

    def stop(self, timeout: float = 30.0) -> None:
        """Ask every loop to finish its current page and wait for them."""
        self._stopping.set()
        with self._lock:
            workers = list(self._workers.values())
            self._workers.clear()
        for _thread, wake in workers:
            wake.set()
        deadline = time.monotonic() + timeout
        for thread, _wake in workers:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _loop(self, account_id: int, wake: threading.Event) -> None:
        failures = 0
        while not self._stopping.is_set():
            wake.clear()
            with self._lock:
                streams = self._wanted.pop(account_id, None)  # a timed pass (nobody asked) is a full one
            try:
                summary = self.sync_account_once(account_id, streams)
            except Exception:  # a bug in one pass must not end the loop for good
                log.exception("sync pass of account %s failed", account_id)
                summary = SyncSummary(account_id, state=Connectivity.DEGRADED, errors=["internal error"])
            if summary.errors == ["no such account"]:
                return
            if summary.state == Connectivity.AUTH_NEEDED:
                wake.wait()  # nothing to do until the agent fixes the credential and asks again
                continue
            failures = failures + 1 if summary.state == Connectivity.OFFLINE else 0
            interval = self.safety_interval if self.is_live(account_id) else self.interval
            delay = min(self.max_backoff, self.interval * (2 ** min(failures, 8))) if failures else interval
            wake.wait(delay)


def _pull_page(connector: Connector, stream: str, cursor: str | None) -> tuple[Batch, tuple[int, int] | None]:
    """One page, with the connector's walk progress read right after it, on the thread that pulled it: a page
    pulled ahead must not change what the page before it tells."""
    batch = connector.pull(stream, cursor)
    progress = getattr(connector, "walk_progress", None)
    return batch, progress(stream) if callable(progress) else None


def _in_order(pending: list[str], pull: Callable[[str], tuple[list[Any], str | None, bool]],
              workers: int) -> Generator[tuple[str, Callable[[], tuple[list[Any], str | None, bool]]]]:
    """(conversation, its pull's result getter) in ``pending`` order. With ``workers`` > 1 a few
    conversations are fetched side by side (their round trips overlap), at most 2 × workers ahead of
    the caller, who applies them in order on its own thread: one writer, the order of a plain loop."""
    if workers <= 1:
        for ext in pending:
            yield ext, functools.partial(pull, ext)
        return
    pool = ThreadPoolExecutor(workers, thread_name_prefix="pull")
    try:
        fetches = iter(pending)
        ahead = deque((ext, pool.submit(pull, ext)) for ext in itertools.islice(fetches, 2 * workers))
        while ahead:
            ext, future = ahead.popleft()
            following = next(fetches, None)
            if following is not None:
                ahead.append((following, pool.submit(pull, following)))
            yield ext, future.result
    finally:  # closed early (a stop, an error): what is queued is dropped, what runs is waited for
        pool.shutdown(wait=True, cancel_futures=True)
