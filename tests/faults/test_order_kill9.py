"""Refunds queued during a shop outage, then kill -9 during their replay at random moments (30+ times): every
refund exists on the shop exactly once, and each is recorded by exactly one private note."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deskapp.domain import OutboxState
from deskapp.sync.replay import note_client_id
from tests.faults.order_stack import OrderStack, paid_order, shop_refund_markers

REPO = Path(__file__).resolve().parents[2]
KILLS = 32


@pytest.mark.timeout(300)
def test_kill9_during_refund_replay_refunds_each_exactly_once(tmp_path, demo_server):
    server, info = demo_server
    stack = OrderStack(tmp_path / "data", info)
    conv = stack.mirror(server, 1)[0]
    rng = random.Random(15)
    server.set_faults(outage=True, scope="shopify")
    queued: list[str] = []
    next_order = 0

    def queue(n: int) -> None:
        nonlocal next_order
        for _ in range(n):
            number = stack.mirror_order(server, paid_order(server, fulfilled=True, skip=next_order))
            next_order += 1
            plan = stack.orders.plan_refund(number, lines={0: 1}, reason=rng.choice(["damaged", "late"]),
                                            shipping=rng.random() < 0.3)
            queued.append(stack.orders.queue(plan, conversation_id=conv))

    queue(30)
    assert stack.replay_shop().stopped == "offline"  # the outage: nothing lands, everything waits
    assert shop_refund_markers(server) == {}
    server.set_faults(outage=False, latency_ms=6, scope="shopify")  # widen "applied, not yet acknowledged"
    env = {**os.environ, "DESKAPP_TEST_TOKEN": info["shopify_token"], "PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-m", "tests.faults.order_replay_child", str(stack.folder), info["url"],
            str(stack.shop_id)]
    mid_push = 0
    started = time.monotonic()
    for _ in range(KILLS):
        if len(stack.outbox.open_items(stack.shop_id)) < 8:
            queue(10)
        child = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert child.stdout.readline().strip() == "READY", child.stderr.read()
            time.sleep(rng.uniform(0.0, 0.3))
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait(10)
            child.stdout.close()
            child.stderr.close()
        mid_push += len(stack.outbox.items(states=("sending",), account_id=stack.shop_id))
    final = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr
    elapsed = time.monotonic() - started

    rows = {r.client_id: r for r in stack.outbox.items()}
    assert all(rows[cid].state == OutboxState.DONE for cid in queued), stack.outbox.counts()
    markers = shop_refund_markers(server)
    assert markers == {cid: 1 for cid in queued}  # each once; nothing we never queued
    notes = [note_client_id(cid) for cid in queued]
    assert all(n in rows and rows[n].payload["text"].startswith("Refunded") for n in notes)
    found_by_check = sum(1 for cid in queued if rows[cid].attempts > 1)
    print(f"\norder kill -9: {KILLS} kills, {len(queued)} refunds, {mid_push} caught mid-push, "
          f"{found_by_check} pushed more than once by the client, {sum(markers.values())} refunds on the shop "
          f"(0 duplicates), {len(notes)} notes queued once each, {elapsed:.1f} s")
    stack.close()
