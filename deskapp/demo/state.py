"""The demo backend's live state: the seeded world plus everything that happened since (pushes received,
live traffic), behind one lock; the API modules read and change it, tests inspect it in-process.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Iterator
from typing import Any

from deskapp.demo.seed import DAY, Conversation, World, build_world
from deskapp.demo.timeline import INBOUND, Event, render_text

ACTIVITY, INCOMING, OUTGOING = 2, 0, 1
_CACHE_SIZE = 4096
DELETED_CONTENT = "This message was deleted"  # what Chatwoot leaves in place of a deleted message


class DemoState:
    """World + overlays. Every method that touches data takes `self.lock` (handlers run on many threads)."""

    def __init__(self, seed: int = 1, scale: str = "small", now: int | None = None) -> None:
        self.lock = threading.RLock()
        # The seeded history ends at `now`, by default today's midnight (UTC): every start on the same day, and
        # every later day shifted by whole days, yields the same ids and words, so a cache from an earlier run
        # stays valid. Live traffic brings the hours since midnight.
        self.started = int(time.time()) // DAY * DAY if now is None else now
        self.world: World = build_world(seed, scale, self.started)
        self.account_id = 3
        self.tokens = {f"cw-demo-token-{a['id']}": a["id"] for a in self.world.agents}
        self.me_id = 2  # an agent; agent 1 is the administrator (supervisor)
        self.chatwoot_token = f"cw-demo-token-{self.me_id}"
        self.shopify_token = "shpat_demo_0123456789abcdef"  # noqa: S105 - a public demo token
        self.extra_messages: dict[int, list[dict]] = {}  # conversation id -> messages added after seeding
        self.next_message_id = self.world.next_message_id
        self.received_messages: list[dict] = []  # every message POSTed by a client, as received
        self.deleted_messages: dict[int, dict[int, int]] = {}  # conversation id -> {message id: deleted at}
        self.merged_contacts: dict[int, int] = {}  # mergee contact id -> the contact it was merged into
        self.pushes: Counter[str] = Counter()  # kind -> count (reply, note, status, assign, labels, priority...)
        self.push_log: list[dict] = []  # every push in order: {"kind", "conversation_id", "body"}
        self.requests: Counter[str] = Counter()
        self.faults_injected: Counter[str] = Counter()
        self.live_events = 0
        self.version = 0  # bumped on every Chatwoot change: list caches key on it
        self.shop_version = 0  # bumped on every order change
        self.list_cache: tuple | None = None  # (filters + version, meta, sorted conversations) of the last list
        self._seeded_cache: OrderedDict[int, list[dict]] = OrderedDict()
        self.csat = self._collect_csat()

    # --- lookups ------------------------------------------------------------------------------------

    @property
    def conversations(self) -> list[Conversation]:
        return self.world.conversations

    @property
    def contacts(self) -> list:
        return self.world.contacts

    @property
    def orders(self) -> list:
        return self.world.orders

    def iter_messages(self) -> Iterator[dict]:
        """Every message of every conversation (slow at large scale: each is rebuilt)."""
        for conv in list(self.world.conversations):
            yield from self.messages(conv)

    def conversation(self, conv_id: int) -> Conversation | None:
        convs = self.world.conversations
        return convs[conv_id - 1] if 1 <= conv_id <= len(convs) else None

    def agent(self, agent_id: int | None) -> dict | None:
        agents = self.world.agents
        return agents[agent_id - 1] if agent_id and 1 <= agent_id <= len(agents) else None

    def messages(self, conv: Conversation) -> list[dict]:
        """All of a conversation's messages, oldest first (seeded ones rebuilt from its seed on demand)."""
        with self.lock:
            seeded = self._seeded_cache.get(conv.id)
            if seeded is None:
                seeded = self._render_seeded(conv)
                self._seeded_cache[conv.id] = seeded
                if len(self._seeded_cache) > _CACHE_SIZE:
                    self._seeded_cache.popitem(last=False)
            else:
                self._seeded_cache.move_to_end(conv.id)
            messages = seeded + self.extra_messages.get(conv.id, [])
            deleted = self.deleted_messages.get(conv.id)
            if deleted:  # as Chatwoot keeps a deleted message: its place, with the content gone
                messages = [dict(m, content=DELETED_CONTENT, updated_at=deleted[m["id"]],
                                 content_attributes={**m["content_attributes"], "deleted": True})
                            if m["id"] in deleted else m for m in messages]
            return messages

    def delete_message(self, conv: Conversation, message_id: int) -> dict | None:
        """Another agent deletes a message on the hub; None when the conversation has no such message."""
        with self.lock:
            if not any(m["id"] == message_id for m in self.messages(conv)):
                return None
            self.deleted_messages.setdefault(conv.id, {})[message_id] = int(time.time())
            self.touch(conv)
            return next(m for m in self.messages(conv) if m["id"] == message_id)

    def message_count(self) -> int:
        return self.world.next_message_id - 1 + sum(len(v) for v in self.extra_messages.values())

    def _render_seeded(self, conv: Conversation) -> list[dict]:
        if conv.n_seeded == 0:  # born live: all its messages are extras
            return []
        w = self.world
        person = w.people[conv.person_idx]
        order = w.orders[conv.order_idx] if conv.order_idx >= 0 else None
        events = w.events.slice(conv.msg_base, conv.n_seeded)
        return [self._message_from_event(conv, conv.msg_base + i, e, render_text(e, conv, person, order, w.agents))
                for i, e in enumerate(events)]

    def _message_from_event(self, conv: Conversation, msg_id: int, e: Event, text: str) -> dict:
        if e.kind in INBOUND:
            mtype, sender_type, sender_id = INCOMING, "contact", conv.contact_id
        elif e.kind == "bot":
            mtype, sender_type, sender_id = OUTGOING, "agent_bot", 1
        elif e.kind in ("out_reply", "out_followup", "out_close", "note"):
            mtype, sender_type, sender_id = OUTGOING, "agent", e.agent_id
        else:
            mtype, sender_type, sender_id = ACTIVITY, None, None
        attrs: dict[str, Any] = {}
        if e.kind == "csat" and conv.csat:
            attrs = {"submitted_values": {"csat_survey_response": {"rating": conv.csat[0]}}}
        return {"id": msg_id, "conversation_id": conv.id, "inbox_id": conv.inbox_id, "content": text,
                "message_type": mtype, "private": e.kind == "note", "created_at": e.t, "updated_at": e.t,
                "sender_type": sender_type, "sender_id": sender_id, "content_type": "text",
                "content_attributes": attrs, "status": "read" if mtype == OUTGOING else "sent",
                "source_id": f"demo-{msg_id}" if conv.channel != "web_chat" and mtype != ACTIVITY else None}

    def _collect_csat(self) -> list[dict]:
        found = sorted((c.csat[2], c.id) for c in self.world.conversations if c.csat)
        out = []
        for i, (_, conv_id) in enumerate(found, start=1):
            conv = self.world.conversations[conv_id - 1]
            rating, message_id, created = conv.csat
            feedback = random.Random(conv.seed).choice(("", "Thanks!", "Quick and friendly", "Took too long"))
            out.append({"id": i, "rating": rating, "feedback_message": feedback, "message_id": message_id,
                        "conversation_id": conv_id, "contact_id": conv.contact_id, "assignee_id": conv.assignee_id,
                        "created_at": created})
        return out

    # --- changes ------------------------------------------------------------------------------------

    def touch(self, conv: Conversation, when: int | None = None) -> None:
        when = int(time.time()) if when is None else when
        conv.updated_at = max(conv.updated_at + 1, when)  # updated_within must see every change
        self.version += 1

    def add_message(self, conv: Conversation, *, content: str, message_type: int, private: bool = False,
                    sender_type: str | None = None, sender_id: int | None = None,
                    content_attributes: dict | None = None, content_type: str = "text") -> dict:
        with self.lock:
            now = int(time.time())
            msg = {"id": self.next_message_id, "conversation_id": conv.id, "inbox_id": conv.inbox_id,
                   "content": content, "message_type": message_type, "private": private, "created_at": now,
                   "updated_at": now, "sender_type": sender_type, "sender_id": sender_id,
                   "content_type": content_type, "content_attributes": dict(content_attributes or {}),
                   "status": "sent", "source_id": None}
            self.next_message_id += 1
            self.extra_messages.setdefault(conv.id, []).append(msg)
            if message_type != ACTIVITY:
                conv.last_activity_at = now
            if message_type == OUTGOING and not private and sender_type == "agent":
                conv.first_reply_at = conv.first_reply_at or now
                conv.waiting_since = None
            if message_type == INCOMING:
                conv.waiting_since = conv.waiting_since or now
                contact = self.world.contacts[conv.contact_id - 1]
                contact.last_activity_at = now
            self.touch(conv, now)
            return msg

    def activity(self, conv: Conversation, text: str) -> None:
        self.add_message(conv, content=text, message_type=ACTIVITY)

    def record_push(self, kind: str, conv_id: int, body: Any) -> None:
        with self.lock:
            self.pushes[kind] += 1
            self.push_log.append({"kind": kind, "conversation_id": conv_id, "body": body})

    def stats(self) -> dict:
        with self.lock:
            w = self.world
            return {
                "counts": {"conversations": len(w.conversations), "messages": self.message_count(),
                           "contacts": len(w.contacts), "customers": len(w.people), "orders": len(w.orders),
                           "agents": len(w.agents), "teams": len(w.teams), "inboxes": len(w.inboxes),
                           "csat": len(self.csat),
                           # people = Shopify customers; Instagram/Messenger contacts with neither email nor
                           # phone can only be matched fuzzily, so an exact merge leaves them apart
                           "customers_after_exact_merge": len(w.people) + sum(
                               1 for c in w.contacts if c.kind == "social" and not c.email)},
                "pushes": dict(self.pushes),
                "received_messages": len(self.received_messages),
                "requests": dict(self.requests),
                "faults_injected": dict(self.faults_injected),
                "live_events": self.live_events,
            }
