"""The demo backend's live state: the seeded world plus everything that happened since (pushes received,
live traffic), behind one lock; the API modules read and change it, tests inspect it in-process.

Messages are held as plain dicts in the hub's own terms (`sender_type` contact | agent | agent_bot); the
Chatwoot shapes are made from them in chatwoot_json. Every rule that moves a conversation when a message
lands (first reply, waiting_since, last activity, reopening) follows Chatwoot's Message callbacks.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from deskapp.demo import texts
from deskapp.demo.floor_agents import add_floor
from deskapp.demo.rhythm import HOUR
from deskapp.demo.seed import Contact, Conversation, World, build_world
from deskapp.demo.timeline import HUMAN_REPLIES, INBOUND, Event
from deskapp.demo.wording import render_text

INCOMING, OUTGOING, ACTIVITY, TEMPLATE = 0, 1, 2, 3
_CACHE_SIZE = 4096
DELETED_CONTENT = "This message was deleted"  # config/locales/en.yml conversations.messages.deleted
VERSIONS = ("4.x", "3.x")
_PHOTO_TOPICS = frozenset({"damaged_item", "wrong_item"})
_PHOTO_CHANNELS = frozenset({"whatsapp", "instagram", "messenger", "web_chat"})


class DemoState:
    """World + overlays. Every method that touches data takes `self.lock` (handlers run on many threads)."""

    def __init__(self, seed: int = 1, scale: str = "small", now: int | None = None,
                 clock: Callable[[], float] | None = None, chatwoot_version: str = "4.x",
                 floor_agents: int = 0) -> None:
        if chatwoot_version not in VERSIONS:
            raise ValueError(f"unknown chatwoot_version {chatwoot_version!r} ({' | '.join(VERSIONS)})")
        self.lock = threading.RLock()
        # The seeded history ends at `now`, by default the start of the current hour (UTC): every start in the same
        # hour yields the same world, and any other keeps its ids and words (times follow the calendar), so a cache
        # from an earlier run stays valid. With `now` pinned, the hub's clock starts there and runs on: tests never
        # meet the wall clock.
        self.started = int(time.time()) // HOUR * HOUR if now is None else now
        if clock is None:
            clock = time.time if now is None else _running_from(now)
        self.clock = clock
        self.chatwoot_version = chatwoot_version
        self.world: World = build_world(seed, scale, self.started)
        if floor_agents:  # a floor of many agents (demo/floor_agents.py); off by default
            add_floor(self.world, floor_agents, seed)
        self.account_id = 3
        self.tokens = {f"cw-demo-token-{a['id']}": a["id"] for a in self.world.agents}
        self.me_id = 2  # an agent; agent 1 is the administrator (supervisor)
        self.chatwoot_token = f"cw-demo-token-{self.me_id}"
        self.shopify_token = "shpat_demo_0123456789abcdef"  # noqa: S105 - a public demo token
        self.public_url = "http://127.0.0.1"  # set by the server once it listens: attachment URLs point there
        self.extra_messages: dict[int, list[dict]] = {}  # conversation id -> messages added after seeding
        self.next_message_id = self.world.next_message_id
        self.received_messages: list[dict] = []  # every message POSTed by a client, as received
        self.deleted_messages: dict[int, dict[int, float]] = {}  # conversation id -> {message id: deleted at}
        self.merged_contacts: dict[int, int] = {}  # mergee contact id -> the contact it was merged into
        self.deleted_contacts: set[int] = set()
        self.extra_labels: set[str] = set()  # labels an older server created on the fly
        self.pushes: Counter[str] = Counter()  # kind -> count (reply, note, status, assign, labels, priority...)
        self.push_log: list[dict] = []  # every push in order: {"kind", "conversation_id", "body"}
        self.requests: Counter[str] = Counter()
        self.faults_injected: Counter[str] = Counter()
        self.live_events = 0
        # presence: AccountUser availability by agent id (unset: online), and each toggle_typing_status call
        self.availability: dict[int, str] = {}
        self.typing_log: list[dict] = []  # {"conversation_id", "user_id", "typing_status", "is_private", "at"}
        self.version = 0  # bumped on every Chatwoot change: list caches key on it
        self.shop_version = 0  # bumped on every order change
        self.list_cache: tuple | None = None  # (filters + version, meta, sorted conversations) of the last list
        self.contacts_cache: tuple | None = None  # (sort + version, sorted contacts) of the last contacts page
        self._seeded_cache: OrderedDict[int, list[dict]] = OrderedDict()
        # automation rules and macros (demo.chatwoot_automation): id -> the record as stored
        self.automation_rules: dict[int, dict] = {}
        self.macros: dict[int, dict] = {}
        self.csat = self._collect_csat()
        # agent bots (chatwoot_agent_bots): the hub, and what runs on each new message (its webhook queue)
        self.agent_bot_hub: Any = None
        self.message_hooks: list[Callable[[Conversation, dict], None]] = []
        # told of every change, under the lock: (kind, conversation, details); the cable hub broadcasts from it
        self.listeners: list[Callable[[str, Conversation, dict[str, Any] | None], None]] = []

    def now(self) -> float:
        return self.clock()

    # --- lookups ------------------------------------------------------------------------------------

    @property
    def conversations(self) -> list[Conversation]:
        return self.world.conversations

    @property
    def contacts(self) -> list[Contact]:
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

    def find_agent(self, agent_id: int | None) -> dict[str, Any] | None:
        agents = self.world.agents
        return agents[agent_id - 1] if agent_id and 1 <= agent_id <= len(agents) else None

    def agent(self, agent_id: int | None) -> dict[str, Any]:
        """An agent the world gave out the id of (a KeyError otherwise: a bug of the demo, a 500)."""
        found = self.find_agent(agent_id)
        if found is None:
            raise KeyError(f"no agent {agent_id}")
        return found

    def find_bot(self, bot_id: int | None) -> dict[str, Any] | None:
        bots = self.world.bots
        return bots[bot_id - 1] if bot_id and 1 <= bot_id <= len(bots) else None

    def bot(self, bot_id: int | None) -> dict[str, Any]:
        """A bot the world gave out the id of (a KeyError otherwise)."""
        found = self.find_bot(bot_id)
        if found is None:
            raise KeyError(f"no bot {bot_id}")
        return found

    def contact(self, contact_id: int) -> Contact | None:
        """A live contact (merged-away and deleted ones are gone, as Chatwoot deletes them)."""
        if not 1 <= contact_id <= len(self.world.contacts):
            return None
        if contact_id in self.merged_contacts or contact_id in self.deleted_contacts:
            return None
        return self.world.contacts[contact_id - 1]

    def is_admin(self, agent_id: int) -> bool:
        return self.agent(agent_id)["role"] == "administrator"

    def can_see(self, agent_id: int, conv: Conversation) -> bool:
        """Chatwoot's permission filter: administrators see every inbox, agents the inboxes they are members of."""
        return self.is_admin(agent_id) or conv.inbox_id in self.world.inbox_members[agent_id]

    def account_labels(self) -> list[str]:
        return [label["title"] for label in self.world.labels] + sorted(self.extra_labels)

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
            if deleted:  # Chatwoot keeps a deleted message's place: new content, content_attributes replaced
                messages = [dict(m, content=DELETED_CONTENT, content_type="text", updated_at=deleted[m["id"]],
                                 content_attributes={"deleted": True}, attachments=[])
                            if m["id"] in deleted else m for m in messages]
            return messages

    def message_count(self) -> int:
        return self.world.seeded_messages + sum(len(v) for v in self.extra_messages.values())

    @staticmethod
    def is_human_reply(m: dict) -> bool:
        """Chatwoot's `human_response?` and not private: what sets first_reply_created_at and clears waiting_since
        (a user's outgoing message that no campaign and no automation rule sent; never an agent bot's)."""
        return (m["message_type"] == OUTGOING and not m["private"] and m["sender_type"] == "agent"
                and not m["additional_attributes"].get("campaign_id")
                and not m["content_attributes"].get("automation_rule_id"))

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
        extra: dict[str, Any] = {}
        content_type = "text"
        attrs: dict[str, Any] = {}
        sender_id: int | None
        if e.kind in INBOUND:
            mtype, sender_type, sender_id = INCOMING, "contact", conv.contact_id
        elif e.kind in ("bot", "bot_handoff"):
            mtype, sender_type, sender_id = OUTGOING, "agent_bot", e.agent_id
        elif e.kind == "campaign":
            mtype, sender_type, sender_id = OUTGOING, "agent", e.agent_id
            extra = {"campaign_id": 1 + e.variant % len(texts.CAMPAIGN_MESSAGES)}
        elif e.kind in HUMAN_REPLIES or e.kind == "note":
            mtype, sender_type, sender_id = OUTGOING, "agent", e.agent_id
        elif e.kind == "csat":
            mtype, sender_type, sender_id, content_type = TEMPLATE, None, None, "input_csat"
            if conv.csat:
                feedback = random.Random(conv.seed).choice(texts.CSAT_FEEDBACK[conv.csat[0]])
                attrs = {"submitted_values": {"csat_survey_response": {"rating": conv.csat[0],
                                                                        "feedback_message": feedback}}}
        else:
            mtype, sender_type, sender_id = ACTIVITY, None, None
        attachments = []
        if e.kind == "in_open" and conv.topic in _PHOTO_TOPICS and conv.channel in _PHOTO_CHANNELS \
                and e.variant % 3:  # the customer sends a photo of the damage
            attachments = [{"id": msg_id, "file_type": "image", "extension": None, "width": 640, "height": 480,
                            "file_size": 2_000 + e.variant}]
        return {"id": msg_id, "conversation_id": conv.id, "inbox_id": conv.inbox_id, "content": text,
                "message_type": mtype, "private": e.kind == "note", "created_at": e.t, "updated_at": float(e.t),
                "sender_type": sender_type, "sender_id": sender_id, "content_type": content_type,
                "content_attributes": attrs, "additional_attributes": extra, "attachments": attachments,
                "status": "read" if mtype == OUTGOING and e.kind != "note" else "sent",
                "source_id": _source_id(conv, msg_id) if mtype in (INCOMING, OUTGOING) and e.kind != "note"
                else None}

    def _collect_csat(self) -> list[dict]:
        found = sorted((c.csat[2], c.id) for c in self.world.conversations if c.csat)
        out = []
        for i, (_, conv_id) in enumerate(found, start=1):
            conv = self.world.conversations[conv_id - 1]
            assert conv.csat is not None  # found holds only the conversations with one
            rating, message_id, created = conv.csat
            feedback = random.Random(conv.seed).choice(texts.CSAT_FEEDBACK[rating])
            out.append({"id": i, "rating": rating, "feedback_message": feedback, "message_id": message_id,
                        "conversation_id": conv_id, "contact_id": conv.contact_id, "assignee_id": conv.assignee_id,
                        "created_at": created})
        return out

    # --- changes ------------------------------------------------------------------------------------

    def touch(self, conv: Conversation, when: float | None = None) -> None:
        """Any change moves updated_at (a message touches its conversation too); list caches go stale."""
        when = self.now() if when is None else when
        conv.updated_at = max(conv.updated_at + 0.001, when)  # updated_within must see every change
        self.version += 1
        self.emit("touch", conv)

    def emit(self, kind: str, conv: Conversation, details: dict[str, Any] | None = None) -> None:
        for listener in self.listeners:
            listener(kind, conv, details)

    def add_message(self, conv: Conversation, *, content: str | None, message_type: int, private: bool = False,
                    sender_type: str | None = None, sender_id: int | None = None,
                    content_attributes: dict | None = None, content_type: str = "text",
                    additional_attributes: dict | None = None, source_id: str | None = None) -> dict:
        """A new message and its effects on the conversation and contact (Chatwoot's Message callbacks)."""
        with self.lock:
            when = self.now()
            now = int(when)
            msg: dict[str, Any] = {"id": self.next_message_id, "conversation_id": conv.id, "inbox_id": conv.inbox_id,
                   "content": content, "message_type": message_type, "private": private, "created_at": now,
                   "updated_at": when, "sender_type": sender_type, "sender_id": sender_id,
                   "content_type": content_type or "text", "content_attributes": dict(content_attributes or {}),
                   "additional_attributes": dict(additional_attributes or {}), "attachments": [],
                   "status": "sent", "source_id": source_id}
            self.next_message_id += 1
            self.extra_messages.setdefault(conv.id, []).append(msg)
            if message_type == INCOMING and conv.status in ("snoozed", "resolved"):
                # reopened without an activity message: on a non-API inbox nobody is the actor
                conv.status, conv.snoozed_until = "open", None
            conv.last_activity_at = now
            if self.is_human_reply(msg):
                conv.first_reply_at = conv.first_reply_at or now
                conv.waiting_since = None
            elif message_type == INCOMING:
                conv.waiting_since = conv.waiting_since or now
            if sender_type == "contact":
                self.world.contacts[conv.contact_id - 1].last_activity_at = now
            self.touch(conv, when)
            self.emit("message", conv, msg)  # told before the rules and bots react, so events keep their order
            self.hub_event("message_created", conv, msg)
            for hook in self.message_hooks:
                hook(conv, msg)
            return msg

    def hub_event(self, event: str, conv: Conversation, message: dict | None = None) -> None:
        """The hub's automation rules run on its events (conversation_created, message_created)."""
        from deskapp.demo.chatwoot_automation import run_rules  # it imports this module

        run_rules(self, event, conv, message)

    def activity(self, conv: Conversation, text: str) -> None:
        self.add_message(conv, content=text, message_type=ACTIVITY)

    def delete_message(self, conv: Conversation, message_id: int) -> dict | None:
        """An agent deletes a message; None when the conversation has no such message."""
        with self.lock:
            if not any(m["id"] == message_id for m in self.messages(conv)):
                return None
            self.deleted_messages.setdefault(conv.id, {})[message_id] = self.now()
            self.touch(conv)
            deleted = next(m for m in self.messages(conv) if m["id"] == message_id)
            self.emit("message.deleted", conv, deleted)
            return deleted

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
                           "agents": len(w.agents), "agent_bots": len(w.bots), "teams": len(w.teams),
                           "inboxes": len(w.inboxes), "csat": len(self.csat),
                           # people = Shopify customers; Instagram/Messenger contacts with neither email nor
                           # phone can only be matched fuzzily, so an exact merge leaves them apart
                           "customers_after_exact_merge": len(w.people) + sum(
                               1 for c in w.contacts if c.kind == "social" and not c.email)},
                "chatwoot_version": self.chatwoot_version,
                "pushes": dict(self.pushes),
                "received_messages": len(self.received_messages),
                "requests": dict(self.requests),
                "faults_injected": dict(self.faults_injected),
                "live_events": self.live_events,
            }


def _running_from(start: float) -> Callable[[], float]:
    """A clock that reads `start` now and runs on in real time, whatever the wall clock says."""
    origin = time.monotonic()
    return lambda: start + (time.monotonic() - origin)


def _source_id(conv: Conversation, msg_id: int) -> str | None:
    """The channel's own message id (none for the web widget, where Chatwoot is the channel)."""
    return {"web_chat": None, "email": f"<demo-{msg_id}@mail.shop.example.com>",
            "whatsapp": f"wamid.DEMO{msg_id:010d}"}.get(conv.channel, f"demo-{msg_id}")
