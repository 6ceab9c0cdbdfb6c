"""The replayer against the demo server's fault switches: 429 (with/without Retry-After), 5xx bursts,
timeouts, resets mid-body, truncated JSON, a long outage with hundreds of actions, a token revoked
mid-replay, conflicts from another agent, a deleted conversation, a message too large, a 1,000-action
reconnect without a request storm. Every queued message reaches the server exactly once.
"""

from __future__ import annotations

import time

import pytest

from deskapp.connectors.base import AuthError, TransientError
from deskapp.domain import OutboxState
from deskapp.services.actions import ActionService
from deskapp.services.drafts import load as load_draft
from tests.faults.stack import Stack, server_markers


@pytest.fixture
def stack(tmp_path, demo_server):
    server, info = demo_server
    s = Stack(tmp_path / "data", info)
    s.convs = s.mirror(server, 60)
    yield s
    s.close()


def _open_convs(stack: Stack, n: int) -> list[int]:
    return stack.convs[:n]


def _replies(stack: Stack, convs: list[int], n: int, tag: str) -> list[str]:
    return [stack.actions.reply(convs[i % len(convs)], f"{tag} {i}") for i in range(n)]


def _assert_once(server, client_ids: list[str]) -> None:
    markers = server_markers(server)
    assert {c: markers.get(c, 0) for c in client_ids} == {c: 1 for c in client_ids}


def _assert_sent(stack: Stack, client_ids: list[str]) -> None:
    with stack.db.read() as conn:
        rows = dict(conn.exec_driver_sql(
            f"SELECT client_id, delivery FROM message WHERE client_id IN ({','.join('?' * len(client_ids))})",
            tuple(client_ids)).all())
    assert rows == {c: "sent" for c in client_ids}


def test_429_with_retry_after_waits_as_told(stack, demo_server):
    server, _ = demo_server
    ids = _replies(stack, _open_convs(stack, 3), 3, "retry-after")
    server.set_faults(rate_limit=True, retry_after=2)
    with pytest.raises(TransientError):  # as the engine's before_pull hook: the account goes offline
        stack.replay(hook=True)
    refused_at = time.monotonic()
    assert stack.open_count() == 3
    server.set_faults()
    done_at: list[float] = []
    stack.replayer.on_item = lambda row: done_at.append(time.monotonic())
    stack.drain()
    assert min(done_at) - refused_at >= 1.5  # it did not knock again before the two seconds were up
    _assert_once(server, ids)
    _assert_sent(stack, ids)
    # A long Retry-After is not slept through: the pass ends at once and the engine comes back later.
    more = _replies(stack, _open_convs(stack, 1), 1, "long retry-after")
    server.set_faults(rate_limit=True, retry_after=120)
    stack.replay()
    server.set_faults()
    before = sum(server.state.stats()["requests"].values())
    started = time.monotonic()
    assert stack.replay().stopped == "offline" and time.monotonic() - started < 1
    assert sum(server.state.stats()["requests"].values()) == before
    assert stack.outbox.get(more[0]).state == OutboxState.PENDING


def test_429_without_retry_after_backs_off_then_sends(stack, demo_server):
    server, _ = demo_server
    ids = _replies(stack, _open_convs(stack, 2), 4, "no-retry-after")
    server.set_faults(rate_limit=True)
    assert stack.replay().stopped == "offline"
    assert stack.open_count() == 4 and stack.outbox.items()[0].last_error
    server.set_faults()
    stack.drain()
    _assert_once(server, ids)


@pytest.mark.parametrize("faults", [
    {"error_rate": 0.5}, {"hang_s": 1.3}, {"reset_mid_body": True}, {"truncate_json": True},
], ids=["5xx-burst", "timeouts", "reset-mid-body", "truncated-json"])
def test_flaky_server_never_duplicates(stack, demo_server, faults):
    server, _ = demo_server
    convs = _open_convs(stack, 4)
    ids = _replies(stack, convs, 8, f"flaky {faults}")
    prio = stack.actions.set_priority(convs[0], "urgent")
    server.set_faults(**faults)
    for _ in range(2):
        stack.replay()
    server.set_faults()
    stack.drain()
    _assert_once(server, ids)
    _assert_sent(stack, ids)
    assert stack.outbox.get(prio).state == OutboxState.DONE
    assert server.state.conversation(int(_external(stack, convs[0]))).priority == "urgent"


def test_outage_with_hundreds_of_actions(stack, demo_server):
    server, _ = demo_server
    convs = _open_convs(stack, 50)
    server.set_faults(outage=True)
    pushes_before = dict(server.state.pushes)
    ids = []
    for i, conv in enumerate(convs * 6):  # 300 actions: replies, notes, labels, priority, resolves
        kind = (i // len(convs)) % 5
        if kind in (0, 1):
            ids.append(stack.actions.reply(conv, f"outage reply {i}"))
        elif kind == 2:
            ids.append(stack.actions.note(conv, f"outage note {i}"))
        elif kind == 3:  # labels the account has: v4 drops unknown ones (that case is the last action below)
            stack.actions.set_labels(conv, ["escalated", ("vip", "refund", "follow-up")[i % 3]])
        else:
            stack.actions.set_priority(conv, "high")
    for conv in convs[:25]:
        stack.actions.resolve(conv)
    unknown = stack.actions.set_labels(convs[-1], ["escalated", "outage-triage"])  # not an account label
    for _ in range(3):  # the sync loop keeps trying during the outage
        assert stack.replay().stopped == "offline"
    assert dict(server.state.pushes) == pushes_before and stack.open_count() == 326
    server.set_faults()
    started = time.monotonic()
    stack.engine.start()  # the app's own sync loop: replay runs before each pass's pulls
    while stack.open_count() and time.monotonic() - started < 60:
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    stack.engine.stop(10)
    assert stack.open_count() == 0, stack.outbox.counts()
    _assert_once(server, ids)
    _assert_sent(stack, ids)
    for conv in convs[:25]:
        remote = server.state.conversation(int(_external(stack, conv)))
        assert remote.status == "resolved" and remote.priority == "high" and "escalated" in remote.labels
    # The hub kept the label it knows and dropped the other silently: the agent is told which, nothing else waits.
    row = stack.outbox.get(unknown)
    assert (row.state, row.conflict) == (OutboxState.CONFLICT, "labels dropped by the hub: outage-triage")
    assert server.state.conversation(int(_external(stack, convs[-1]))).labels == ["escalated"]
    assert stack.outbox.counts()["conflict"] == 1
    print(f"\noutage: 326 actions replayed in {elapsed:.1f} s after the outage ended")


def test_token_revoked_mid_replay_keeps_items_pending(stack, demo_server):
    server, _ = demo_server
    ids = _replies(stack, _open_convs(stack, 5), 30, "revoked")
    sent = []

    def revoke_after_ten(row):
        if row.state == OutboxState.DONE:
            sent.append(row.client_id)
            if len(sent) == 10:
                server.set_faults(revoke_tokens=True)

    stack.replayer.on_item = revoke_after_ten
    with pytest.raises(AuthError):  # the engine turns this into "auth needed" and stops the account
        stack.replay(hook=True)
    counts = stack.outbox.counts()
    # Pushes already in flight on other workers may still land; nothing fails, nothing is lost.
    assert counts["done"] >= 10 and counts["pending"] >= 15 and counts["done"] + counts["pending"] == 30
    assert counts["failed"] == counts["conflict"] == 0
    server.set_faults()
    stack.replayer.on_item = None
    stack.drain()
    _assert_once(server, ids)


def test_conflict_from_another_agent_is_visible_and_settled(stack, demo_server):
    server, _ = demo_server
    conv = _open_convs(stack, 1)[0]
    ext = _external(stack, conv)
    pending_status = stack.actions.set_status(conv, "pending")
    reply = stack.actions.reply(conv, "after the status change")
    server.set_faults(conflict_resolved=True)
    stack.replay()
    server.set_faults()
    row = stack.outbox.get(pending_status)
    assert row.state == OutboxState.CONFLICT and "resolved" in row.conflict
    assert stack.outbox.get(reply).state == OutboxState.PENDING  # held back: order per conversation
    assert stack.conversation(ext)["status"] == "pending"  # kept until the agent decides
    assert stack.actions.discard(pending_status)
    assert stack.conversation(ext)["status"] == "open"  # rolled back; the next pull brings "resolved"
    assert server.state.conversation(int(ext)).status == "resolved"  # the other agent's change stands
    stack.drain()
    _assert_once(server, [reply])


def test_deleted_conversation_and_too_large_message(stack, demo_server):
    server, _ = demo_server
    conv = _open_convs(stack, 1)[0]
    with stack.db.write() as conn:  # a conversation the server no longer has
        conn.exec_driver_sql("UPDATE conversation SET external_id='999999' WHERE id=?", (conv,))
    gone = stack.actions.reply(conv, "to a deleted conversation")
    other = _open_convs(stack, 2)[1]
    huge = stack.actions.reply(other, "x" * 400_000)
    stack.replay()
    assert stack.outbox.get(gone).state == OutboxState.CONFLICT and stack.outbox.get(gone).conflict == "deleted"
    assert stack.outbox.get(huge).state in (OutboxState.CONFLICT, OutboxState.FAILED)
    assert stack.actions.keep_as_draft(huge)
    assert len(load_draft(stack.db, stack.ws.profile, other).body) == 400_000
    assert stack.actions.discard(gone)
    assert stack.open_count() == 0 and not stack.actions.problems()
    assert server_markers(server) == {}


def test_reconnect_with_1000_actions_is_rate_bounded(tmp_path, demo_server):
    server, info = demo_server
    rate, burst = 100.0, 10
    stack = Stack(tmp_path / "data", info, rate=rate, burst=burst)
    stack.convs = stack.mirror(server, 60)
    convs = _open_convs(stack, 60)
    server.set_faults(outage=True)
    ids = []
    for i in range(1000):
        conv = convs[i % len(convs)]
        if i % 2:
            ids.append(stack.actions.reply(conv, f"storm {i}"))
        else:
            stack.actions.set_priority(conv, ("low", "high")[i % 4 // 2])
    assert stack.replay().stopped == "offline"
    server.set_faults()
    times: list[float] = []
    stack.replayer.on_item = lambda row: times.append(time.monotonic())
    started = time.monotonic()
    stack.drain(timeout=120)
    elapsed = time.monotonic() - started
    peak = max(sum(1 for t in times if s <= t < s + 1.0) for s in times)
    requests_total = sum(server.state.stats()["requests"].values())
    print(f"\nreconnect: 1000 actions in {elapsed:.1f} s, peak {peak} pushes/s (bound {rate + burst:.0f} + workers), "
          f"{requests_total} requests on the server in all")
    # The bucket bounds when pushes start (burst + rate per second); times here are completions, so a
    # window may also hold the pushes already in flight when it opened: at most one per worker.
    bound = rate + burst + stack.replayer.concurrency
    assert len(times) == 1000 and peak <= bound, (peak, bound)
    assert elapsed >= (1000 - burst) / rate * 0.95  # the mean rate is held too: no storm
    _assert_once(server, ids)
    stack.close()


def _external(stack: Stack, conv: int) -> str:
    with stack.db.read() as conn:
        return conn.exec_driver_sql("SELECT external_id FROM conversation WHERE id=?", (conv,)).scalar()


def test_running_app_sends_soon_after_the_undo_window(tmp_path, demo_server):
    """The sync loop sleeps 30 s between passes; a queued action wakes it once its undo window is over."""
    from tests.faults.conftest import trim_world

    server, info = demo_server
    trim_world(server, 10)
    stack = Stack(tmp_path / "data", info, hold_s=0.5)
    stack.engine.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the first pass (a full pull) ends, then the loop waits
        with stack.db.read() as conn:
            if conn.exec_driver_sql("SELECT last_sync FROM account").scalar():
                break
        time.sleep(0.1)
    conv = stack.local_id(server.state.conversations[0].id)
    queued_at = time.monotonic()
    actions = ActionService(stack.db, stack.outbox, stack.ws.profile)  # as the UI does
    cid = actions.reply(conv, "sent soon after the undo window")
    while stack.outbox.get(cid).state != OutboxState.DONE and time.monotonic() - queued_at < 15:
        time.sleep(0.05)
    took = time.monotonic() - queued_at
    stack.close()
    assert 0.5 <= took < 10, took  # held for the undo window, then sent long before the 30 s interval
    assert server_markers(server).get(cid) == 1
