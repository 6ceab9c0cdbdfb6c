"""The reporting events Chatwoot's ReportingEventListener would have written for the demo state, and the
messages the reports count, for demo/chatwoot_reports.py.

Derived from each conversation's messages, in order, as the Message callbacks dispatch them:
- first_response: the first human reply (Chatwoot's `human_response?`, not private); value = its time minus
  the last non-human activity (the bot's last message before it when a bot held the conversation, else the
  conversation's creation); user = the replying agent.
- reply_time: a later human reply while the conversation waits (waiting_since, set by the first incoming
  message after the last human reply); value = reply time minus waiting_since; user = the assignee.
- conversation_resolved: each "marked resolved" activity; value = that time minus the creation; user = the
  assignee.
Seeded messages are read from the world's event log without rendering their text (a large world holds a
million); what was added since is read as stored. Each conversation's facts are kept until it changes.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from deskapp.demo.state import ACTIVITY, INCOMING, OUTGOING, TEMPLATE, DemoState
from deskapp.demo.timeline import HUMAN_REPLIES, INBOUND

RESOLVED_PREFIX = "Conversation was marked resolved by "


@dataclass(frozen=True, slots=True)
class Event:
    name: str
    value: int
    created_at: int
    user_id: int | None
    inbox_id: int
    team_id: int | None
    conversation_id: int


@dataclass(frozen=True, slots=True)
class Msg:
    created_at: int
    message_type: int
    sender_id: int | None  # a user's id when a user sent it, else None
    inbox_id: int
    team_id: int | None
    conversation_id: int


@dataclass(frozen=True, slots=True)
class Facts:
    events: list[Event]
    messages: list[Msg]


class Light(NamedTuple):
    """What the reports need of one message."""

    created_at: int
    message_type: int
    user_id: int | None  # the user who sent it (None: a contact, a bot, the system)
    bot: bool
    human_reply: bool
    resolved: bool  # the activity that says the conversation was resolved


def light_rendered(state: DemoState, m: dict) -> Light:
    return Light(int(m["created_at"]), m["message_type"], m["sender_id"] if m["sender_type"] == "agent" else None,
                 m["sender_type"] == "agent_bot", state.is_human_reply(m),
                 m["message_type"] == ACTIVITY and (m["content"] or "").startswith(RESOLVED_PREFIX))


def light_seeded(state: DemoState, conv: Any) -> Iterator[Light]:
    """The seeded messages of a conversation as state.messages() would render them, minus the text."""
    for e in state.world.events.slice(conv.msg_base, conv.n_seeded) if conv.n_seeded else ():
        if e.kind in INBOUND:
            yield Light(e.t, INCOMING, None, False, False, False)
        elif e.kind in ("bot", "bot_handoff"):
            yield Light(e.t, OUTGOING, None, True, False, False)
        elif e.kind in HUMAN_REPLIES or e.kind in ("note", "campaign"):  # a note or a campaign is no reply
            yield Light(e.t, OUTGOING, e.agent_id, False, e.kind in HUMAN_REPLIES, False)
        else:
            yield Light(e.t, TEMPLATE if e.kind == "csat" else ACTIVITY, None, False, False, e.kind == "act_resolve")


_Stamp = tuple[float, int | None, int | None]  # what a conversation's facts depend on: updated_at, assignee, team
_Kept = tuple[int, Facts, dict[int, tuple[_Stamp, list[Event], list[Msg]]]]
_FACTS: weakref.WeakKeyDictionary[DemoState, _Kept] = weakref.WeakKeyDictionary()
_BUILDING: weakref.WeakKeyDictionary[DemoState, threading.Lock] = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()


def facts(state: DemoState) -> Facts:
    """Every reporting event and message, rebuilt only for the conversations that changed (every change moves
    updated_at). The state's lock is taken a conversation at a time: the hub answers other requests meanwhile."""
    with _GUARD:
        building = _BUILDING.setdefault(state, threading.Lock())
    with building:
        with state.lock:
            version, conversations = state.version, list(state.conversations)
        kept = _FACTS.get(state)
        if kept is not None and kept[0] == version:
            return kept[1]
        per = kept[2] if kept is not None else {}
        events: list[Event] = []
        messages: list[Msg] = []
        for conv in conversations:
            with state.lock:
                stamp = (conv.updated_at, conv.assignee_id, conv.team_id)
                found = per.get(conv.id)
                extras = None if found is not None and found[0] == stamp else \
                    [light_rendered(state, m) for m in state.extra_messages.get(conv.id, ())]
            if found is None or extras is not None:
                found = (stamp, *_conversation_facts(conv, [*light_seeded(state, conv), *(extras or ())]))
                per[conv.id] = found
            events.extend(found[1])
            messages.extend(found[2])
        built = Facts(events, messages)
        _FACTS[state] = (version, built, per)
        return built


def _conversation_facts(conv: Any, lights: list[Light]) -> tuple[list[Event], list[Msg]]:
    events: list[Event] = []
    messages: list[Msg] = []

    def event(name: str, value: int, at: int, user: int | None) -> None:
        events.append(Event(name, value, at, user, conv.inbox_id, conv.team_id, conv.id))

    replied = False
    waiting: int | None = None
    last_bot: int | None = None
    for m in lights:
        if m.message_type in (INCOMING, OUTGOING):
            messages.append(Msg(m.created_at, m.message_type, m.user_id, conv.inbox_id, conv.team_id, conv.id))
        if m.resolved:
            event("conversation_resolved", m.created_at - conv.created_at, m.created_at, conv.assignee_id)
        elif m.message_type == INCOMING:
            waiting = waiting if waiting is not None else m.created_at
        elif m.bot and not replied:
            last_bot = m.created_at
        elif m.human_reply:
            if not replied:
                start = last_bot if last_bot is not None else conv.created_at
                event("first_response", m.created_at - start, m.created_at, m.user_id)
                replied = True
            elif waiting is not None:
                event("reply_time", m.created_at - waiting, m.created_at, conv.assignee_id)
            waiting = None
    return events, messages
