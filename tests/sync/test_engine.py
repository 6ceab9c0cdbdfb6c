"""The sync engine over a fake network side: ordering, resume after a crash, states, hooks, loops."""

from __future__ import annotations

import threading
import time

import pytest

from deskapp.credentials import SecretStore
from deskapp.domain import AccountKind, Connectivity, Message
from deskapp.store import accounts as account_store
from deskapp.sync.engine import SyncEngine
from tests.sync.fake_network import AuthError, FakeConnector, FakeService, PayloadError, TransientError

# The connectors here are given their tokens directly: nothing reads this profile's keyring entries.
NO_SECRETS = SecretStore("sync-tests")


class Crash(BaseException):
    """Stands for the process dying: not an error the engine handles."""


def _account(db, kind=AccountKind.CHATWOOT) -> int:
    with db.write() as conn:
        return account_store.insert_account(conn, kind, "test", "http://127.0.0.1:1", {"account_id": 1})


def _engine(db, connectors: dict[int, FakeConnector], **kw) -> SyncEngine:
    table = {k: (lambda acc, _s: connectors[acc.id]) for k in AccountKind}
    return SyncEngine(db, NO_SECRETS, registry=table, **kw)


def _count(db, sql: str) -> int:
    with db.read() as conn:
        return conn.exec_driver_sql(sql).scalar()


def test_full_sync_pulls_every_stream_and_messages_per_conversation(db):
    service = FakeService(conversations=5, messages_per_conversation=5)
    aid = _account(db)
    events = []
    summary = _engine(db, {aid: FakeConnector(service)}, on_event=events.append).sync_account_once(aid)
    assert summary.state == Connectivity.ONLINE and summary.errors == []
    assert _count(db, "SELECT count(*) FROM conversation") == 5
    assert _count(db, "SELECT count(*) FROM message") == 25
    assert _count(db, "SELECT count(*) FROM customer") == 5
    assert _count(db, "SELECT sum(message_count) FROM conversation") == 25
    # no pending marks are left behind, and each conversation kept its message cursor
    assert _count(db, "SELECT count(*) FROM sync_cursor WHERE stream LIKE 'pending/%'") == 0
    assert _count(db, "SELECT count(*) FROM sync_cursor WHERE stream LIKE 'messages/%'") == 5
    with db.read() as conn:
        acc = account_store.get_account(conn, aid)
    assert acc.state == Connectivity.ONLINE and acc.last_sync is not None and acc.last_error is None
    assert events and events[-1].state == Connectivity.ONLINE and events[-1].last_sync is not None


def test_events_carry_what_the_applied_batches_changed(db):
    service = FakeService(conversations=3, messages_per_conversation=2)
    aid = _account(db)
    events = []
    _engine(db, {aid: FakeConnector(service)}, on_event=events.append).sync_account_once(aid)
    told = [e.changes for e in events]
    with db.read() as conn:
        conversations = {r[0] for r in conn.exec_driver_sql("SELECT id FROM conversation")}
        customers = {r[0] for r in conn.exec_driver_sql("SELECT id FROM customer")}
    merged = told[0]
    for changes in told[1:]:
        merged |= changes
    assert merged.conversations == conversations and merged.customers == customers and merged.counts
    assert not merged.all
    # Each change is told once: with the first event after its batch was committed.
    assert sum(len(c.conversations) for c in told) >= len(conversations)
    assert not events[0].changes  # the first event comes before any page was applied

    events.clear()  # a pass that brings nothing new says so
    quiet = _engine(db, {aid: FakeConnector(FakeService(conversations=0, messages_per_conversation=0))},
                            on_event=events.append)
    quiet.sync_account_once(aid)
    assert events and not any(e.changes.conversations for e in events)


def test_second_pass_is_idempotent_and_picks_up_new_messages(db):
    service = FakeService(conversations=3, messages_per_conversation=3)
    aid = _account(db)
    engine = _engine(db, {aid: FakeConnector(service)})
    engine.sync_account_once(aid)
    before = _count(db, "SELECT count(*) FROM message")
    old = service.msgs["100"][-1]
    service.msgs["100"].append(Message("100-3", "100", old.direction, old.sent_at, text="one more"))
    with db.write() as conn:  # the service's conversations cursor restarts, as an incremental window would
        conn.exec_driver_sql("DELETE FROM sync_cursor WHERE stream = 'conversations'")
    summary = engine.sync_account_once(aid)
    assert summary.new_messages == 1
    assert _count(db, "SELECT count(*) FROM message") == before + 1


def test_crash_between_conversations_and_their_messages_loses_nothing(db):
    service = FakeService(conversations=4, messages_per_conversation=4)
    aid = _account(db)
    # calls: agents, contacts x2, conversations p1, then the first messages pull dies
    crashing = FakeConnector(service, faults={5: Crash()})
    with pytest.raises(Crash):
        _engine(db, {aid: crashing}).sync_account_once(aid)
    assert _count(db, "SELECT count(*) FROM conversation") == 2
    assert _count(db, "SELECT count(*) FROM message") == 0
    assert _count(db, "SELECT count(*) FROM sync_cursor WHERE stream LIKE 'pending/messages/%'") == 2
    summary = _engine(db, {aid: FakeConnector(service)}).sync_account_once(aid)
    assert summary.state == Connectivity.ONLINE
    assert _count(db, "SELECT count(*) FROM message") == 16
    assert _count(db, "SELECT count(*) FROM conversation") == 4


def test_crash_in_the_middle_of_a_conversations_messages_resumes_from_its_cursor(db):
    service = FakeService(conversations=3, messages_per_conversation=6)
    aid = _account(db)
    engine = _engine(db, {aid: FakeConnector(service, page_size=2)})
    engine.sync_account_once(aid)
    for cid in ("100", "101"):
        for j in range(6, 9):
            service.msgs[cid].append(Message(f"{cid}-{j}", cid, service.msgs[cid][0].direction,
                                             service.msgs[cid][0].sent_at, text=f"late {j}"))
    with db.write() as conn:  # the next conversations page marks both again, as an incremental pull would
        account_store.mark_messages_pending(conn, aid, ["100", "101"])
    crashing = FakeConnector(service, page_size=2, faults={3: Crash()})  # dies on 101's second page
    with pytest.raises(Crash):
        _engine(db, {aid: crashing}).sync_account_once(aid)
    fresh = FakeConnector(service, page_size=2)
    _engine(db, {aid: fresh}).sync_account_once(aid)
    assert _count(db, "SELECT count(*) FROM message") == 24
    # each conversation resumed after its last committed message, not from the start
    assert ("messages/100", "5") in crashing.calls and ("messages/101", "5") in fresh.calls
    assert ("messages/100", None) not in fresh.calls


def test_auth_error_stops_that_account_and_others_go_on(db):
    service = FakeService(conversations=2)
    bad, good = _account(db), _account(db)
    engine = _engine(db, {bad: FakeConnector(service, faults={2: AuthError("401")}),
                          good: FakeConnector(service)})
    summaries = engine.sync_all_once()
    assert [s.state for s in summaries] == [Connectivity.AUTH_NEEDED, Connectivity.ONLINE]
    with db.read() as conn:
        acc = account_store.get_account(conn, bad)
    assert acc.state == Connectivity.AUTH_NEEDED and "401" in acc.last_error and acc.last_sync is None


def test_transient_errors_give_offline_or_degraded(db):
    service = FakeService(conversations=2)
    aid = _account(db)
    first = _engine(db, {aid: FakeConnector(service, faults={1: TransientError("down")})}).sync_account_once(aid)
    assert first.state == Connectivity.OFFLINE
    later = _engine(db, {aid: FakeConnector(service, faults={3: TransientError("5xx")})}).sync_account_once(aid)
    assert later.state == Connectivity.DEGRADED and later.pages >= 2
    again = _engine(db, {aid: FakeConnector(service)}).sync_account_once(aid)
    assert again.state == Connectivity.ONLINE
    assert _count(db, "SELECT count(*) FROM message") == 10


def test_payload_error_in_one_stream_keeps_the_others_going(db):
    service = FakeService(conversations=2)
    aid = _account(db)
    summary = _engine(db, {aid: FakeConnector(service, fail_streams={"contacts": PayloadError("bad json")})}
                      ).sync_account_once(aid)
    assert summary.state == Connectivity.DEGRADED
    assert _count(db, "SELECT count(*) FROM message") == 10  # conversations and messages still came


def test_payload_error_on_one_conversations_messages_keeps_its_mark(db):
    service = FakeService(conversations=2)
    aid = _account(db)
    summary = _engine(db, {aid: FakeConnector(service, fail_streams={"messages/100": PayloadError("truncated")})}
                      ).sync_account_once(aid)
    assert summary.state == Connectivity.DEGRADED
    assert _count(db, "SELECT count(*) FROM sync_cursor WHERE stream = 'pending/messages/100'") == 1
    _engine(db, {aid: FakeConnector(service)}).sync_account_once(aid)
    assert _count(db, "SELECT count(*) FROM message") == 10


class _LoopingCursor(FakeConnector):
    """A service whose cursor goes backwards and repeats: the pass must end anyway."""

    def pull(self, stream, cursor):
        batch = super().pull(stream, cursor)
        if stream == "conversations":
            return type(batch)(batch.items, "0" if cursor else "2", False)  # never done
        return batch


def test_cursor_that_goes_backwards_ends_the_stream(db):
    service = FakeService(conversations=4)
    aid = _account(db)
    summary = _engine(db, {aid: _LoopingCursor(service)}).sync_account_once(aid)
    assert summary.state == Connectivity.ONLINE
    assert _count(db, "SELECT count(*) FROM conversation") == 4  # pages 0, 2, then back to 0: stop
    assert _count(db, "SELECT count(DISTINCT external_id) FROM message") == _count(db, "SELECT count(*) FROM message")


class _EmptyPages(FakeConnector):
    def pull(self, stream, cursor):
        if stream == "contacts" and cursor in (None, "e1"):
            self.calls.append((stream, cursor))
            return type(FakeConnector(self.service).pull("agents", None))([], "e1" if cursor is None else "0", False)
        return super().pull(stream, cursor)


def test_empty_pages_are_fine(db):
    service = FakeService(conversations=2)
    aid = _account(db)
    summary = _engine(db, {aid: _EmptyPages(service)}).sync_account_once(aid)
    assert summary.state == Connectivity.ONLINE
    assert _count(db, "SELECT count(*) FROM contact") == 2


def test_hooks_preprocessors_and_before_pull_run(db):
    service = FakeService(conversations=2, messages_per_conversation=2)
    aid = _account(db)
    seen, pulled = [], []

    def hook(conn, changes):
        seen.append((changes.stream, list(changes.new_inbound_message_ids)))
        conn.exec_driver_sql("INSERT OR REPLACE INTO setting (key, value) VALUES ('hook', 'ran')")

    def broken_hook(conn, changes):
        conn.exec_driver_sql("INSERT OR REPLACE INTO setting (key, value) VALUES ('broken', 'x')")
        raise RuntimeError("bug")

    def upper(conn, account_id, records):
        return [r for r in records]

    engine = _engine(db, {aid: FakeConnector(service)}, apply_hooks=[broken_hook, hook],
                     preprocessors={"chatwoot": upper}, before_pull=[lambda a, c: pulled.append(a)])
    summary = engine.sync_account_once(aid)
    assert summary.state == Connectivity.ONLINE
    assert pulled == [aid]
    assert sum(len(ids) for _s, ids in seen) == 2  # one inbound message per conversation
    with db.read() as conn:
        settings = dict(conn.exec_driver_sql("SELECT key, value FROM setting").all())
    assert settings.get("hook") == "ran" and "broken" not in settings


def test_background_loop_syncs_and_stops(db):
    service = FakeService(conversations=2)
    aid = _account(db)
    connector = FakeConnector(service)
    done = threading.Event()
    engine = _engine(db, {aid: connector}, interval=60.0,
                     on_event=lambda e: e.last_sync and done.set())
    engine.start()
    try:
        assert done.wait(20)
        calls = len(connector.calls)
        done.clear()
        engine.request_sync(aid)
        assert done.wait(20)
        assert len(connector.calls) > calls
    finally:
        started = time.monotonic()
        engine.stop()
        assert time.monotonic() - started < 10
    assert _count(db, "SELECT count(*) FROM message") == 10


def test_unknown_account_kind_is_a_visible_state(db):
    aid = _account(db)
    engine = SyncEngine(db, NO_SECRETS, registry={})
    summary = engine.sync_account_once(aid)
    assert summary.state == Connectivity.OFFLINE and "no connector" in summary.errors[0]


def test_an_ingest_failure_on_one_stream_is_visible_and_the_rest_syncs(db):
    service = FakeService(conversations=2)
    aid = _account(db)

    def explode_on_contacts(conn, account_id, records):
        if any(type(r).__name__ == "Contact" for r in records):
            raise RuntimeError("disk on fire")
        return records

    summary = _engine(db, {aid: FakeConnector(service)}, preprocessors={"chatwoot": explode_on_contacts}
                      ).sync_account_once(aid)
    assert summary.state == Connectivity.DEGRADED and "contacts" in summary.errors[0]
    assert _count(db, "SELECT count(*) FROM message") == 10
    assert _count(db, "SELECT count(*) FROM sync_cursor WHERE stream = 'contacts'") == 0  # retried next pass


def test_a_connector_factory_that_blows_up_is_a_state_not_a_crash(db):
    aid = _account(db)

    def factory(_account, _secrets):
        raise RuntimeError("cannot build")

    summary = SyncEngine(db, NO_SECRETS, registry={AccountKind.CHATWOOT: factory}).sync_account_once(aid)
    assert summary.state == Connectivity.OFFLINE and "cannot build" in summary.errors[0]


class _Slow(FakeConnector):
    def pull(self, stream, cursor):
        time.sleep(0.02)
        return super().pull(stream, cursor)


def test_stop_during_a_long_pass_returns_quickly_and_is_not_a_sync(db):
    service = FakeService(conversations=400, messages_per_conversation=2)
    aid = _account(db)
    connector = _Slow(service, page_size=5)
    engine = _engine(db, {aid: connector}, interval=60.0)
    engine.start()
    deadline = time.monotonic() + 20
    while len(connector.calls) < 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    engine.stop()
    assert time.monotonic() - started < 5
    with db.read() as conn:
        acc = account_store.get_account(conn, aid)
    assert acc.last_sync is None  # cut short: not a completed sync
    assert _count(db, "SELECT count(*) FROM message") < 800
    # what was committed is consistent: resuming finishes the job
    _engine(db, {aid: FakeConnector(service, page_size=50)}).sync_account_once(aid)
    assert _count(db, "SELECT count(*) FROM message") == 800


class _PullsAhead(FakeConnector):
    """Contacts pulled a page ahead, with a walk's progress: where the connector is after its last pull."""

    pulls_ahead = True

    def __init__(self, service: FakeService, **kw) -> None:
        super().__init__(service, **kw)
        self.walked = 0
        self.pulled_on: list[tuple[str | None, str]] = []

    def pull(self, stream, cursor):
        batch = super().pull(stream, cursor)
        if stream == "contacts":
            self.walked = int(batch.next_cursor)
            self.pulled_on.append((cursor, threading.current_thread().name))
        return batch

    def walk_progress(self, stream):
        return (self.walked, len(self.service.contacts)) if stream == "contacts" else None


def test_a_connector_that_pulls_ahead_has_its_pages_applied_in_order_each_with_its_own_progress(db):
    service = FakeService(conversations=7)
    aid = _account(db)
    connector = _PullsAhead(service)
    events = []
    summary = _engine(db, {aid: connector}, on_event=events.append).sync_account_once(aid)
    assert summary.state == Connectivity.ONLINE and _count(db, "SELECT count(*) FROM contact") == 7
    # Each event tells the page just applied, though the connector had already pulled the next one.
    assert [(e.done, e.total) for e in events if e.message.startswith("contacts:")] == [(2, 7), (4, 7), (6, 7), (7, 7)]
    assert [cursor for cursor, _thread in connector.pulled_on] == [None, "2", "4", "6"]
    assert [thread.startswith("pull-ahead") for _cursor, thread in connector.pulled_on] == [False, True, True, True]


def test_a_page_pulled_ahead_of_a_failed_apply_is_dropped_and_the_next_pass_resumes(db):
    service = FakeService(conversations=7)
    aid = _account(db)
    connector = _PullsAhead(service)
    applied = []

    def second_contacts_page_fails(_conn, _account_id, items):
        if items and any(type(i).__name__ == "Contact" for i in items):
            applied.append(len(applied) + 1)
            if len(applied) == 2:
                raise RuntimeError("the disk is full")
        return items

    engine = _engine(db, {aid: connector}, preprocessors={AccountKind.CHATWOOT: second_contacts_page_fails})
    summary = engine.sync_account_once(aid)
    assert summary.state == Connectivity.DEGRADED and "contacts: internal error: the disk is full" in summary.errors
    # Page 3 was asked for while page 2 was applied: it is dropped, whether or not its pull had started.
    with db.read() as conn:
        assert account_store.get_cursor(conn, aid, "contacts") == "2"  # page 1's: page 2 did not land
    assert engine.sync_account_once(aid).state == Connectivity.ONLINE
    assert connector.pulled_on[-3:] == [("2", "MainThread"), ("4", "pull-ahead_0"), ("6", "pull-ahead_0")]
    with db.read() as conn:
        assert account_store.get_cursor(conn, aid, "contacts") == "7"
    assert _count(db, "SELECT count(*) FROM contact") == 7
