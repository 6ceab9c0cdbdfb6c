"""kill -9 during replay at random moments, 50+ times: the server receives every queued item exactly once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deskapp.domain import OutboxKind, OutboxState
from tests.faults.stack import Stack, server_markers

REPO = Path(__file__).resolve().parents[2]
KILLS = 50


def _queue(stack: Stack, convs: list[int], rng: random.Random, n: int, log: list[tuple[str, OutboxKind]]) -> None:
    for _ in range(n):
        conv = rng.choice(convs)
        roll = rng.random()
        if roll < 0.6:
            log.append((stack.actions.reply(conv, f"kill test reply {len(log)}"), OutboxKind.REPLY))
        elif roll < 0.75:
            log.append((stack.actions.note(conv, f"kill test note {len(log)}"), OutboxKind.NOTE))
        elif roll < 0.9:
            log.append((stack.actions.set_priority(conv, rng.choice(["low", "high", "urgent"])), OutboxKind.PRIORITY))
        else:
            # labels the account has (Chatwoot v4 drops unknown ones, which would make the item a conflict)
            labels = rng.sample(["vip", "escalated", "refund"], 2)
            log.append((stack.actions.set_labels(conv, labels), OutboxKind.LABEL))


@pytest.mark.timeout(240)
def test_kill9_during_replay_never_loses_or_duplicates(tmp_path, demo_server):
    server, info = demo_server
    server.set_faults(latency_ms=4)  # widen the window between "server applied" and "local ack"
    stack = Stack(tmp_path / "data", info)
    convs = stack.mirror(server, 12)
    rng = random.Random(5)
    queued: list[tuple[str, OutboxKind]] = []
    _queue(stack, convs, rng, 40, queued)
    env = {**os.environ, "DESKAPP_TEST_TOKEN": info["chatwoot_token"], "PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-m", "tests.faults.replay_child", str(stack.folder), info["url"],
            str(info["chatwoot_account_id"]), str(stack.account_id)]
    mid_push = 0
    started = time.monotonic()
    for _ in range(KILLS):
        if stack.open_count() < 20:
            _queue(stack, convs, rng, 25, queued)
        child = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert child.stdout.readline().strip() == "READY", child.stderr.read()
            time.sleep(rng.uniform(0.0, 0.25))
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait(10)
            child.stdout.close()
            child.stderr.close()
        mid_push += len(stack.outbox.items(states=("sending",)))
    final = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr
    elapsed = time.monotonic() - started

    rows = {r.client_id: r for r in stack.outbox.items()}
    assert all(rows[cid].state == OutboxState.DONE for cid, _ in queued), stack.outbox.counts()
    markers = server_markers(server)
    messages = [cid for cid, kind in queued if kind in (OutboxKind.REPLY, OutboxKind.NOTE)]
    assert {cid: markers.get(cid, 0) for cid in messages} == {cid: 1 for cid in messages}
    assert all(count == 1 for count in markers.values())  # nothing we never queued, nothing twice
    retried = sum(1 for r in rows.values() if r.attempts > 1)
    print(f"\nkill -9: {KILLS} kills, {len(queued)} items ({len(messages)} messages), {mid_push} caught mid-push, "
          f"{retried} items pushed more than once by the client, 0 duplicates on the server, {elapsed:.1f} s")
    stack.close()
