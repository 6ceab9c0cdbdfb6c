"""Live traffic over a long demo session: customers write mostly in threads still open, colleagues answer the
longest waits (never as the signed-in agent), so the backlog stays steady instead of piling up."""

from __future__ import annotations

import random
from collections import Counter

from deskapp.demo.live import live_tick
from deskapp.demo.state import DemoState
from tests.demo.conftest import PINNED_NOW


def test_an_hour_of_live_traffic_keeps_a_steady_backlog() -> None:
    state = DemoState(seed=1, scale="small", now=PINNED_NOW)
    clock = [float(PINNED_NOW)]
    state.clock = lambda: clock[0]
    seeded = len(state.conversations)
    resolved = {c.id for c in state.conversations if c.status == "resolved"}
    open_before = sum(c.status != "resolved" for c in state.conversations)
    rng = random.Random(7)
    kinds: Counter[str] = Counter()
    for _ in range(720):  # an hour at the usual 5 s tick
        clock[0] += 5
        kinds[live_tick(state, rng)] += 1
    assert kinds["reply"] > 150 and 10 <= kinds["conversation"] <= 80 and kinds["contact"] and kinds["order"]
    open_after = sum(c.status != "resolved" for c in state.conversations)
    assert open_after <= open_before + 30
    reopened = sum(state.conversation(i).status != "resolved" for i in resolved)
    assert reopened <= 40  # a problem that comes back is the exception, not every other message
    answers = [m for conv in state.conversations for m in state.extra_messages.get(conv.id, [])
               if state.is_human_reply(m)]
    assert answers and all(m["sender_id"] != state.me_id for m in answers)  # the signed-in agent's own queue
    for conv in state.conversations[seeded:]:
        replies = [m for m in state.messages(conv) if state.is_human_reply(m)]
        assert conv.first_reply_at == (replies[0]["created_at"] if replies else None)
