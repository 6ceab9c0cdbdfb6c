"""The Chatwoot hubs the sync "done when" tests run against, behind one face: the scripted loopback server that
answers as Chatwoot's source does (tests/connectors/fake_chatwoot: v4, or a builder that drops our marker) and
the demo hub (deskapp.demo, chatwoot_version 4.x or 3.x). The scripted hub runs on the test's Clock; the demo
hub's seeded history ends at PINNED_NOW."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from deskapp.demo.server import DemoServer
from deskapp.demo.state import INCOMING
from deskapp.kpi.definitions import percentiles
from tests.connectors import chatwoot_payloads as cp
from tests.connectors.fake_chatwoot import TOKEN, Clock, FakeChatwoot
from tests.connectors.scripted_server import ScriptedServer
from tests.demo.conftest import PINNED_NOW
from tests.faults.stack import Stack


@dataclass
class Held:
    """One conversation as the hub holds it: its status, when the customer wrote, when a person replied
    (the hub's own rule of a first response: Message#human_response?, public)."""

    status: str
    inbound: list[int]
    human: list[int]


def recomputed(conversations: list[Held]) -> tuple[int, float | None]:
    """(unanswered, median first response) from the hub's raw data, by the KPI definitions of docs/architecture.md."""
    unanswered, frt = 0, []
    for conv in conversations:
        if not conv.inbound:
            continue
        answers = [t for t in conv.human if t >= min(conv.inbound)]
        if answers:
            frt.append(min(answers) - min(conv.inbound))
        elif conv.status != "resolved":
            unanswered += 1
    return unanswered, percentiles(frt)[0]


class ScriptedHub:
    """FakeChatwoot over ScriptedServer: 60 conversations of every kind, in October 2025."""

    period = ("--from", "2025-10-01", "--to", "2025-11-01", "--tz", "UTC")

    def __init__(self, *, keeps_marker: bool = True, clock: Clock | None = None, populate: bool = True) -> None:
        self.server = ScriptedServer().start()
        self.fake = FakeChatwoot(self.server, clock or Clock(cp.T0 + 40 * 86400), keeps_marker=keeps_marker)
        if populate:
            self.fake.populate(60, start=cp.T0, rng=random.Random(12))
        self.url, self.account, self.token = self.server.url, cp.ACCOUNT, TOKEN

    def stop(self) -> None:
        self.server.stop()

    def held(self) -> list[Held]:
        return [Held(conv["status"], [m["created_at"] for m in self.fake.messages[cid] if m["message_type"] == 0],
                     [m["created_at"] for m in self.fake.messages[cid] if m["id"] in self.fake.human])
                for cid, conv in self.fake.conversations.items()]

    def bot_messages(self) -> int:
        return sum(1 for msgs in self.fake.messages.values() for m in msgs
                   if (m.get("sender") or {}).get("type") == "agent_bot")

    def set_priority(self, cid: int, priority: str | None) -> None:
        self.fake.conversations[cid]["priority"] = priority

    def priority(self, cid: int) -> str | None:
        return self.fake.conversations[cid]["priority"]

    def priority_bodies(self, cid: int) -> list:
        path = f"{cp.PREFIX}/conversations/{cid}/toggle_priority"
        return [seen.body for seen in self.fake.reached if seen.path == path]

    def outage(self, down: bool) -> None:
        self.fake.down = down

    # -- exactly once across a kill ------------------------------------------------------------------
    def open_conversation(self, stack: Stack) -> str:
        """A conversation the customer wrote in, in the stack's cache; its external id."""
        self.fake.add_conversation(5)
        self.fake.add_message(5, "incoming", at=self.fake.clock.now - 60, content="Where is my parcel?")
        stack.sync()
        return "5"

    @contextmanager
    def holding_answers(self) -> Iterator[threading.Event]:
        """Within: a message create is applied, then its answer waits (the event says it was applied)."""
        self.fake.hold_post = threading.Event()
        try:
            yield self.fake.applied
        finally:
            self.fake.hold_post.set()
            self.fake.hold_post = None

    def created(self, conversation: str) -> list[tuple[str, str, bool]]:
        """(hub id, content, private) of every message a client created in ``conversation``."""
        return [(str(m["id"]), m["content"], m["private"]) for m in self.fake.posted
                if str(m["conversation_id"]) == conversation]


class _AnswerAfterRelease(list):
    """The demo hub's record of received messages, appended once a message is stored: the answer then waits."""

    def __init__(self, items: list) -> None:
        super().__init__(items)
        self.applied, self.released = threading.Event(), threading.Event()

    def append(self, item) -> None:
        super().append(item)
        self.applied.set()
        self.released.wait(30)


class DemoHub:
    """The demo hub. ``clock``: replaces the hub's running clock (the exactly-once check of an older server
    compares the hub's message times with the client's queue times, so there they must share one clock)."""

    period = ("--from", "2024-06-01", "--to", "2025-06-03", "--tz", "UTC")  # the whole seeded year

    def __init__(self, *, chatwoot_version: str = "4.x", clock: Callable[[], float] | None = None) -> None:
        self.server = DemoServer(seed=1, scale="small", live=False, now=PINNED_NOW, clock=clock,
                                 chatwoot_version=chatwoot_version)
        self.info = self.server.start()
        self.state = self.server.state
        self.url, self.account, self.token = self.info["url"], self.info["chatwoot_account_id"], \
            self.info["chatwoot_token"]

    def stop(self) -> None:
        self.server.stop()

    def held(self) -> list[Held]:
        state = self.state
        return [Held(conv.status, [m["created_at"] for m in state.messages(conv) if m["message_type"] == INCOMING],
                     [m["created_at"] for m in state.messages(conv) if state.is_human_reply(m)])
                for conv in state.conversations]

    def bot_messages(self) -> int:
        return sum(1 for conv in self.state.conversations for m in self.state.messages(conv)
                   if m["sender_type"] == "agent_bot")

    def set_priority(self, cid: int, priority: str | None) -> None:
        self.state.conversation(cid).priority = priority

    def priority(self, cid: int) -> str | None:
        return self.state.conversation(cid).priority

    def priority_bodies(self, cid: int) -> list:
        return [p["body"] for p in self.state.push_log if p["kind"] == "priority" and p["conversation_id"] == cid]

    def outage(self, down: bool) -> None:
        self.server.set_faults(outage=down)

    def open_conversation(self, stack: Stack) -> str:
        [_local] = stack.mirror(self.server, 1)  # the first open conversation (the customer wrote), and the agents
        return str(next(c.id for c in self.state.conversations if c.status == "open"))

    @contextmanager
    def holding_answers(self) -> Iterator[threading.Event]:
        record = _AnswerAfterRelease(self.state.received_messages)
        self.state.received_messages = record
        try:
            yield record.applied
        finally:
            record.released.set()
            self.state.received_messages = list(record)

    def created(self, conversation: str) -> list[tuple[str, str, bool]]:
        return [(str(m["id"]), m["content"], m["private"]) for m in self.state.received_messages
                if str(m["conversation_id"]) == conversation]

