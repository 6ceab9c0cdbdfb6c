"""Replayer state machine: order per conversation, states, conflicts, auth stop, crash recovery, rate bound."""

from __future__ import annotations

import threading
import time

import pytest

from deskapp.connectors.base import AuthError, PayloadError, TransientError
from deskapp.domain import OutboxItem, OutboxState, PushResult
from deskapp.services.actions import ActionService
from deskapp.services.drafts import load as load_draft
from deskapp.services.profile import set_work_offline
from deskapp.store.outbox import OutboxStore
from deskapp.sync.replay import Replayer, TokenBucket
from tests.faults.seed import conversation_state, seed_cache


class ScriptedConnector:
    """Stands in for a remote service: records pushes; ``script`` maps a client_id to raise/return."""

    def __init__(self) -> None:
        self.pushed: list[OutboxItem] = []
        self.script: dict[str, object] = {}
        self.times: list[float] = []
        self.landed: set[str] = set()

    def streams(self) -> list[str]:
        return []

    def push(self, item: OutboxItem) -> PushResult:
        self.times.append(time.monotonic())
        action = self.script.pop(item.client_id, None)
        if isinstance(action, Exception):
            raise action
        if isinstance(action, PushResult):
            return action
        self.pushed.append(item)
        if item.client_id in self.landed:  # the check-first: it is already there
            return PushResult(ok=True, external_id=f"srv-{item.client_id[:8]}")
        self.landed.add(item.client_id)
        return PushResult(ok=True, external_id=f"srv-{item.client_id[:8]}")


@pytest.fixture
def env(db, data_dir, profile):
    seeded = seed_cache(db, profile=profile)
    outbox = OutboxStore(data_dir / "outbox.sqlite3")
    service = ActionService(db, outbox, profile)
    replayer = Replayer(db, outbox, hold_s=0, rate=1000, burst=1000)
    yield service, outbox, replayer, seeded
    outbox.close()


def test_sends_in_order_and_marks_sent(env):
    service, outbox, replayer, seeded = env
    a, b = seeded["conversations"][:2]
    ids = [service.reply(a, "1"), service.resolve(b), service.note(a, "2"), service.set_priority(a, "high")]
    conn = ScriptedConnector()
    report = replayer.replay_account(seeded["account_id"], conn)
    assert report.sent == 4 and report.stopped is None
    assert sorted(i.client_id for i in conn.pushed) == sorted(ids)
    order_in_a = [i.client_id for i in conn.pushed if i.conversation_external_id == "101"]
    assert order_in_a == [ids[0], ids[2], ids[3]]  # strictly in order within a conversation
    assert all(outbox.get(i).state == OutboxState.DONE for i in ids)
    msgs = conversation_state(service.db, a)["messages"]
    assert [m["delivery"] for m in msgs] == ["sent", "sent"]
    assert msgs[0]["external_id"] == f"srv-{ids[0][:8]}"
    assert replayer.replay_account(seeded["account_id"], conn).sent == 0  # nothing twice


def test_delivery_marks_are_told_as_changes_of_their_conversation(env):
    service, _outbox, replayer, seeded = env
    a, b = seeded["conversations"][:2]
    service.reply(a, "1")
    service.resolve(b)  # no message of ours in b: its delivery marks do not change
    told = []
    replayer.on_changes = lambda account_id, changes: told.append((account_id, changes))
    replayer.replay_account(seeded["account_id"], ScriptedConnector())
    assert told and {account for account, _ in told} == {seeded["account_id"]}
    assert set().union(*(changes.conversations for _, changes in told)) == {a}


def test_transient_failure_stops_round_and_keeps_items(env):
    service, outbox, replayer, seeded = env
    a = seeded["conversations"][0]
    first, second = service.reply(a, "x"), service.reply(a, "y")
    conn = ScriptedConnector()
    conn.script[first] = TransientError("down")
    report = replayer.replay_account(seeded["account_id"], conn)
    assert report.stopped == "offline" and report.sent == 0
    assert outbox.get(first).state == OutboxState.PENDING and outbox.get(first).attempts == 1
    assert conversation_state(service.db, a)["messages"][0]["delivery"] == "queued"
    conn.script[first] = TransientError("still down")
    with pytest.raises(TransientError):  # as a before_pull hook it tells the engine "offline"
        replayer(seeded["account_id"], conn)
    report = replayer.replay_account(seeded["account_id"], conn)
    assert report.sent == 2 and [i.client_id for i in conn.pushed] == [first, second]
    assert conn.pushed[0].attempts == 2  # the connector knows it may have landed


def test_auth_error_stops_everything_and_keeps_pending(env):
    service, outbox, replayer, seeded = env
    a, b = seeded["conversations"][:2]
    first, other = service.reply(a, "x"), service.resolve(b)
    conn = ScriptedConnector()
    conn.script[first] = AuthError("401")
    with pytest.raises(AuthError):
        replayer(seeded["account_id"], conn)
    assert outbox.get(first).state == OutboxState.PENDING
    # Another conversation's worker may have finished its push before the stop; never lost or failed.
    assert outbox.get(other).state in (OutboxState.PENDING, OutboxState.DONE)
    assert [i.client_id for i in conn.pushed] in ([], [other])
    sequential = Replayer(service.db, outbox, hold_s=0, rate=1000, burst=1000, concurrency=1)
    third = service.reply(b, "z")
    conn.script[first] = AuthError("401 again")
    assert sequential.replay_account(seeded["account_id"], conn).stopped == "auth_needed"
    assert outbox.get(third).state == OutboxState.PENDING


def test_conflict_blocks_its_conversation_only(env):
    service, outbox, replayer, seeded = env
    a, b = seeded["conversations"][:2]
    resolve = service.resolve(a)
    later = service.reply(a, "after the resolve")
    elsewhere = service.reply(b, "other conversation")
    conn = ScriptedConnector()
    conn.script[resolve] = PushResult(ok=False, conflict="resolved_by_other")
    report = replayer.replay_account(seeded["account_id"], conn)
    assert report.conflicts == 1 and report.sent == 1 and report.deferred == 1
    assert outbox.get(resolve).state == OutboxState.CONFLICT and outbox.get(resolve).conflict == "resolved_by_other"
    assert outbox.get(later).state == OutboxState.PENDING
    assert outbox.get(elsewhere).state == OutboxState.DONE
    # Still blocked on the next round until the agent decides.
    assert replayer.replay_account(seeded["account_id"], conn).sent == 0
    assert service.discard(resolve)
    assert conversation_state(service.db, a)["status"] == "open"
    assert replayer.replay_account(seeded["account_id"], conn).sent == 1


def test_rejections_and_malformed_answers(env):
    service, outbox, replayer, seeded = env
    a, b = seeded["conversations"][:2]
    big = service.reply(a, "x" * 100)
    flaky = service.reply(b, "y")
    conn = ScriptedConnector()
    conn.script[big] = PushResult(ok=False, retryable=False, detail={"error": "too large"})
    conn.script[flaky] = PayloadError("truncated JSON")
    report = replayer.replay_account(seeded["account_id"], conn)
    assert report.failed == 1 and report.deferred == 1
    assert outbox.get(big).state == OutboxState.FAILED
    assert conversation_state(service.db, a)["messages"][0]["delivery"] == "failed"
    assert outbox.get(flaky).state == OutboxState.PENDING  # retried next round (check-first makes it safe)
    replayer.max_attempts = 2
    conn.script[flaky] = PayloadError("again")
    replayer.replay_account(seeded["account_id"], conn)
    assert outbox.get(flaky).state == OutboxState.FAILED
    assert service.keep_as_draft(big)
    assert load_draft(service.db, service.profile, a).body == "x" * 100


def test_crash_after_server_applied_does_not_send_twice(env):
    """Killed between the push and the ack: the item is 'sending'; the next replay's push is a check."""
    service, outbox, replayer, seeded = env
    cid = service.reply(seeded["conversations"][0], "once")
    conn = ScriptedConnector()
    outbox.claim(cid)
    conn.landed.add(cid)  # the server had applied it
    service.restore()
    replayer.replay_account(seeded["account_id"], conn)
    assert outbox.get(cid).state == OutboxState.DONE
    assert conn.pushed[0].attempts == 1


def test_undo_window_holds_items(env):
    service, outbox, _, seeded = env
    replayer = Replayer(service.db, outbox, hold_s=5.0, rate=1000, burst=1000)
    cid = service.reply(seeded["conversations"][0], "hold")
    conn = ScriptedConnector()
    assert replayer.replay_account(seeded["account_id"], conn).deferred == 1
    assert service.undo(cid)
    assert conn.pushed == []


def test_work_offline_pauses(env):
    service, _, replayer, seeded = env
    service.reply(seeded["conversations"][0], "later")
    set_work_offline(service.db, service.profile, True)
    conn = ScriptedConnector()
    assert replayer.replay_account(seeded["account_id"], conn).stopped == "paused"
    set_work_offline(service.db, service.profile, False)
    assert replayer.replay_account(seeded["account_id"], conn).sent == 1


def test_token_bucket_bounds_rate():
    bucket = TokenBucket(rate=50, burst=5)
    start = time.monotonic()
    for _ in range(30):
        bucket.acquire()
    elapsed = time.monotonic() - start
    assert elapsed >= (30 - 5) / 50 * 0.9


def test_concurrent_replays_of_one_account_never_double_send(env):
    service, _, replayer, seeded = env
    for i in range(30):
        service.reply(seeded["conversations"][i % 3], f"m{i}")
    conn = ScriptedConnector()
    threads = [threading.Thread(target=replayer.replay_account, args=(seeded["account_id"], conn)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(conn.pushed) == 30 and len({i.client_id for i in conn.pushed}) == 30


def test_retry_after_hint_is_honoured(env):
    service, _, replayer, seeded = env
    cid = service.reply(seeded["conversations"][0], "x")
    conn = ScriptedConnector()
    conn.script[cid] = TransientError("429", retry_after=30)
    assert replayer.replay_account(seeded["account_id"], conn).stopped == "offline"
    report = replayer.replay_account(seeded["account_id"], conn)
    assert report.stopped == "offline" and conn.times and len(conn.times) == 1  # not even tried
    replayer._not_before[seeded["account_id"]] = time.monotonic() + 0.3  # a short wait is slept through
    started = time.monotonic()
    assert replayer.replay_account(seeded["account_id"], conn).sent == 1
    assert time.monotonic() - started >= 0.25


def test_order_per_conversation_holds_with_parallel_workers(env):
    service, _, replayer, seeded = env
    import random
    rng = random.Random(3)
    queued = [service.reply(seeded["conversations"][i % 3], f"m{i}") for i in range(60)]

    class Jittery(ScriptedConnector):
        def push(self, item):
            time.sleep(rng.uniform(0, 0.004))
            return super().push(item)

    conn = Jittery()
    assert replayer.replay_account(seeded["account_id"], conn).sent == 60
    for ext in ("101", "102", "103"):
        expected = [c for i, c in enumerate(queued) if f"{101 + i % 3}" == ext]
        assert [i.client_id for i in conn.pushed if i.conversation_external_id == ext] == expected


def test_another_process_sending_holds_us_back_until_it_dies(env, data_dir):
    import subprocess
    import sys

    service, outbox, replayer, seeded = env
    a = seeded["conversations"][0]
    first, second = service.reply(a, "1"), service.reply(a, "2")
    # Another deskapp (say the app while a script runs `deskapp sync`) holds the replay lock and is
    # pushing the first item right now.
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys, time\n"
        f"fd = os.open({str(outbox.replay_lock.path)!r}, os.O_CREAT | os.O_RDWR)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(60)\n")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with outbox._lock:
            outbox._conn.execute("UPDATE outbox SET state='sending', attempts=1 WHERE client_id=?", (first,))
        conn = ScriptedConnector()
        report = replayer.replay_account(seeded["account_id"], conn)
        assert conn.pushed == [] and report.deferred == 2 and "another deskapp" in report.errors[0]
        assert outbox.recover_sending() == 0  # its in-flight item is not ours to reset
        assert outbox.get(first).state == OutboxState.SENDING
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    # It died mid-push: the lock went with it; its "sending" item is taken over (the connector checks
    # first whether it landed) and the conversation goes on in order.
    assert replayer.replay_account(seeded["account_id"], conn).sent == 2
    assert [i.client_id for i in conn.pushed] == [first, second] and conn.pushed[0].attempts == 1
