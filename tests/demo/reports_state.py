"""A small hand-built hub state for the reports tests: three conversations a day after the seeded history ends,
with the times of every message chosen, and the figures Chatwoot's report definitions give for them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from deskapp.demo.reporting_events import facts
from deskapp.demo.seed import Conversation
from deskapp.demo.server import DemoServer
from deskapp.demo.state import ACTIVITY, INCOMING, OUTGOING, DemoState
from tests.demo.conftest import PINNED_NOW

T0 = PINNED_NOW + 86400  # a whole day after the seeded history: only what is built here is in the window
WINDOW = (T0, T0 + 7200)
# reporting events: A first_response 600 (agent 2), reply_time 900 (assignee 2), resolved after 3600 (agent 2);
# B first_response 400 - 160 (after the bot's last message) = 240 (agent 3); C nothing yet
EXPECTED_SUMMARY = {"conversations_count": 3, "incoming_messages_count": 5, "outgoing_messages_count": 5,
                    "avg_first_response_time": 420.0, "avg_resolution_time": 3600.0, "resolutions_count": 1,
                    "reply_time": 900.0}


def _conversation(state: DemoState, *, inbox_id: int, assignee: int | None, team: int | None, at: int) -> Conversation:
    conv = Conversation(
        id=len(state.world.conversations) + 1, seed=1, inbox_id=inbox_id,
        channel=state.world.inboxes[inbox_id - 1]["key"], contact_id=1, person_idx=0, topic="product_question",
        lang="en", order_idx=-1, created_at=at, status="open", assignee_id=assignee, team_id=team, labels=[],
        priority=None, updated_at=at, last_activity_at=at, first_reply_at=None, waiting_since=None,
        snoozed_until=None, msg_base=0, n_seeded=0)
    state.world.conversations.append(conv)
    return conv


def build(state: DemoState, clock: list[float]) -> dict[str, Conversation]:
    """Conversations A (resolved), B (bot first, then agent 3) and C (waiting, unassigned) at T0."""
    def at(seconds: int) -> None:
        clock[0] = T0 + seconds

    def incoming(conv: Conversation) -> None:
        state.add_message(conv, content="hello", message_type=INCOMING, sender_type="contact",
                          sender_id=conv.contact_id)

    def reply(conv: Conversation, agent: int, *, private: bool = False) -> None:
        state.add_message(conv, content="answer", message_type=OUTGOING, sender_type="agent", sender_id=agent,
                          private=private)

    at(0)
    a = _conversation(state, inbox_id=1, assignee=2, team=1, at=T0)
    incoming(a)
    at(100)
    b = _conversation(state, inbox_id=2, assignee=3, team=2, at=T0 + 100)
    incoming(b)
    at(160)
    state.add_message(b, content="I am a bot", message_type=OUTGOING, sender_type="agent_bot", sender_id=1)
    at(200)
    c = _conversation(state, inbox_id=1, assignee=None, team=None, at=T0 + 200)
    incoming(c)
    at(400)
    reply(b, 3)
    at(600)
    reply(a, 2)
    at(1000)
    incoming(a)
    at(1300)
    incoming(a)
    at(1900)
    reply(a, 2)
    at(2000)
    reply(a, 3, private=True)  # a note: an outgoing message, no reporting event
    at(3600)
    a.status = "resolved"
    state.add_message(a, content="Conversation was marked resolved by Alex Chen", message_type=ACTIVITY)
    at(5000)
    return {"A": a, "B": b, "C": c}


@contextmanager
def hand_built_hub() -> Iterator[tuple[DemoServer, dict[str, Conversation]]]:
    """A running demo hub (no live traffic) whose clock the state builder moves."""
    clock = [float(PINNED_NOW)]
    server = DemoServer(seed=3, live=False, now=PINNED_NOW, clock=lambda: clock[0])
    convs = build(server.state, clock)
    facts(server.state)  # the first report reads every seeded message: done here, not against a client's timeout
    server.start()
    try:
        yield server, convs
    finally:
        server.stop()
