"""Per-conversation timelines for the demo world: who says what when, derived from the conversation's seed,
so a conversation's messages can be rebuilt on request instead of being held in memory.
"""

from __future__ import annotations

import math
import random
from array import array
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from deskapp.demo import texts

if TYPE_CHECKING:
    from deskapp.demo.seed import Conversation, Order, Person

DAY = 86400
OPEN_HOUR, CLOSE_HOUR = 7, 21  # agents' shifts, UTC


class Event(NamedTuple):
    kind: str  # in_open in_follow in_impatient in_thanks in_reopen bot out_reply out_close note act_* csat campaign
    t: int
    agent_id: int | None  # the agent (human events), the agent bot (bot) or the campaign's sender (campaign)
    variant: int


INBOUND = frozenset({"in_open", "in_follow", "in_impatient", "in_thanks", "in_reopen"})


def _in_hours(ts: int, rng: random.Random) -> int:
    """Move a reply time into the agents' shift: nobody answers at 3 a.m. (The shop's support works every
    day, so the history does not depend on the weekday: shifted by whole days it stays the same.)"""
    hour = ts % DAY // 3600
    if hour < OPEN_HOUR:
        ts += (OPEN_HOUR - hour) * 3600
    elif hour >= CLOSE_HOUR:
        ts += (24 - hour + OPEN_HOUR) * 3600
    else:
        return ts
    return ts + int(rng.random() * 2400)


def _between(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low + 1))


def _lognormal(rng: random.Random, median_s: float, sigma: float) -> int:
    return max(20, int(rng.lognormvariate(math.log(median_s), sigma)))


KINDS = ("in_open", "in_follow", "in_impatient", "in_thanks", "in_reopen", "bot", "out_reply", "out_followup",
         "out_close", "note", "act_assign", "act_resolve", "act_pending", "csat", "campaign")
HUMAN_REPLIES = frozenset({"out_reply", "out_followup", "out_close"})
CAMPAIGN_SENDER = 3  # the agent a website campaign speaks as: a user, yet never a human reply
FRONTEND_URL = "https://support.shop.example.com"
_KIND_CODE = {k: i for i, k in enumerate(KINDS)}


class EventLog:
    """Every seeded event of the world in flat arrays (about 12 bytes each), indexed by message id - 1:
    a million messages cost megabytes, not the gigabyte a million dicts would."""

    def __init__(self) -> None:
        self.kind = bytearray()
        self.agent = bytearray()
        self.t = array("q")
        self.variant = array("H")

    def extend(self, events: list[Event]) -> None:
        self.kind.extend(_KIND_CODE[e.kind] for e in events)
        self.agent.extend(e.agent_id or 0 for e in events)
        self.t.extend(e.t for e in events)
        self.variant.extend(e.variant for e in events)

    def slice(self, first_id: int, count: int) -> list[Event]:
        i = first_id - 1
        return [Event(KINDS[self.kind[j]], self.t[j], self.agent[j] or None, self.variant[j])
                for j in range(i, i + count)]


def plan_conversation(conv: Conversation, person: Person, agents: list[dict], now: int,
                      rng: random.Random) -> list[Event]:
    """The conversation's events up to `now`; fills in the conversation's header fields from them."""
    events: list[Event] = []

    last = [0]

    def add(kind: str, when: int, agent: int | None = None) -> int:
        if when <= last[0]:  # events keep their order: nobody answers before being asked
            when = last[0] + 1
        last[0] = when
        events.append(Event(kind, when, agent, rng.getrandbits(16)))
        return when

    chatty = conv.channel != "email"
    team_id = texts.TOPICS[conv.topic][1] + 1
    assignee = (team_id - 1) * 4 + 1 + rng.randrange(4) if rng.random() < 0.92 else 1 + rng.randrange(len(agents))
    t = conv.created_at
    if conv.channel == "web_chat" and rng.random() < 0.15:  # a proactive campaign opened the conversation
        add("campaign", t, CAMPAIGN_SENDER)
        t += _between(rng, 30, 900)
    t = add("in_open", t)
    if chatty and rng.random() < 0.7:  # the inbox's agent bot answers first
        add("bot", t + _between(rng, 1, 4), 1 + conv.seed % len(texts.BOTS))
    unassigned = now - t < 3 * DAY and rng.random() < 0.4
    if unassigned:
        assignee = None
    else:
        add("act_assign", t + _between(rng, 5, 600), assignee)
        reply = _in_hours(t + _lognormal(rng, 480 if chatty else 9000, 1.0), rng)
        if person.temper == "angry" and reply - t > 1800 and rng.random() < 0.6:
            add("in_impatient", t + (reply - t) // 2)
        if rng.random() < 0.45:
            add("note", reply - _between(rng, 60, 600), assignee)
        cur = add("out_reply", reply, assignee)
        roll = rng.random()
        for _ in range(0 if roll < 0.1 else 1 if roll < 0.38 else 2 if roll < 0.7 else 3):
            cur = add("in_follow", cur + _lognormal(rng, 1800 if chatty else 14400, 1.0))
            cur = add("out_followup", _in_hours(cur + _lognormal(rng, 600 if chatty else 7200, 1.0), rng),
                      assignee)
        outcome = rng.random()
        if outcome < 0.8:
            if rng.random() < 0.5:
                cur = add("in_thanks", cur + _lognormal(rng, 900, 1.0))
                cur = add("out_close", _in_hours(cur + _lognormal(rng, 600, 1.0), rng), assignee)
            cur = add("act_resolve", cur + _between(rng, 30, 3 * 3600), assignee)
            if rng.random() < 0.55:
                add("csat", cur + _between(rng, 60, 6 * 3600))
            if rng.random() < 0.09:  # the problem came back
                # the customer's message reopens it; on a non-API inbox that leaves no activity message
                cur = add("in_reopen", cur + _between(rng, 1, 5) * DAY + _between(rng, 0, DAY))
                cur = add("out_reply", _in_hours(cur + _lognormal(rng, 1200 if chatty else 7200, 1.0), rng), assignee)
                if rng.random() < 0.7:
                    add("act_resolve", cur + _between(rng, 60, 7200), assignee)
        elif outcome < 0.9:
            add("act_pending", cur + _between(rng, 10, 120), assignee)
    events = [e for e in events if e.t <= now]
    _fill_header(conv, person, events, assignee, team_id, rng)
    return events


def _fill_header(conv: Conversation, person: Person, events: list[Event], assignee: int | None, team_id: int,
                 rng: random.Random) -> None:
    # Chatwoot's rules: waiting_since starts at creation, an incoming message sets it when empty, a human
    # agent's public reply (not a bot's, not a campaign's) clears it and sets first_reply_created_at once,
    # resolving clears it; an incoming message reopens a resolved conversation.
    status, first_reply, waiting, reopened = "open", None, conv.created_at, False
    for e in events:
        if e.kind == "act_resolve":
            status, waiting = "resolved", None
        elif e.kind == "act_pending":
            status = "pending"
        elif e.kind in INBOUND:
            waiting = waiting or e.t
            if e.kind == "in_reopen":
                status, reopened = "open", True
        elif e.kind in HUMAN_REPLIES:
            first_reply = first_reply or e.t
            waiting = None
    conv.status = status
    conv.first_reply_at = first_reply
    conv.waiting_since = waiting
    conv.assignee_id = assignee if any(e.kind == "act_assign" for e in events) else None
    conv.team_id = team_id if conv.assignee_id else (team_id if rng.random() < 0.5 else None)
    conv.labels = sorted({texts.TOPICS[conv.topic][0]} | ({"reopened"} if reopened else set())
                         | ({"vip"} if len(person.order_idxs) >= 4 else set()))
    roll = rng.random()
    if person.temper == "angry":
        conv.priority = "urgent" if roll < 0.1 else "high" if roll < 0.4 else None
    else:
        conv.priority = "medium" if roll < 0.05 else "low" if roll < 0.08 else None
    conv.updated_at = conv.last_activity_at = events[-1].t
    conv.n_seeded = len(events)
    for i, e in enumerate(events):
        if e.kind == "csat":
            cum = (1, 3, 7, 17, 37) if person.temper != "angry" else (6, 11, 15, 19, 22)
            conv.csat = (rng.choices((1, 2, 3, 4, 5), cum_weights=cum)[0], conv.msg_base + i, e.t)


def _typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    for _ in range(max(1, len(words) // 8)):
        i = rng.randrange(len(words))
        w = words[i]
        if len(w) > 3 and w.isalpha():
            j = rng.randrange(len(w) - 1)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:] if rng.random() < 0.6 else w[:j] + w[j + 1:]
    out = " ".join(words)
    return out.lower() if rng.random() < 0.4 else out


def _pick(options: tuple[str, ...], variant: int) -> str:
    return options[variant % len(options)]


def render_text(e: Event, conv: Conversation, person: Person, order: Order | None, agents: list[dict]) -> str:
    """The words of one event, in the customer's language, with order number and tracking link filled in."""
    rng = random.Random(conv.seed ^ (e.variant << 20) ^ (e.t - conv.created_at))
    lang = conv.lang
    product = texts.PRODUCTS[(order.seed if order else conv.seed) % len(texts.PRODUCTS)]
    carrier = texts.CARRIERS[order.carrier][0] if order else "DHL Express"
    agent = next((a for a in agents if a["id"] == e.agent_id), agents[0])
    values = {
        "order": order.name if order else "", "item": product[0], "size": _pick(product[1], e.variant),
        "code": _pick(texts.DISCOUNT_CODES, conv.seed), "city": person.city, "name": person.first,
        "carrier": carrier, "tracking_no": (order.tracking_number if order else None) or "",
        "tracking_url": (order.tracking_url if order else None) or "", "agent": agent["name"],
        "supervisor": agents[0]["name"].split()[0].lower(),
        "date": datetime.fromtimestamp(order.fulfilled_at or order.created_at, UTC).strftime("%d %b")
        if order else "",
    }
    kind = e.kind
    if kind == "in_open":
        text = _pick(texts.OPENINGS[lang][conv.topic], e.variant)
        if lang == "en" and person.temper == "angry":
            text = _pick(texts.ANGRY_PREFIX, e.variant) + text + _pick(texts.ANGRY_SUFFIX, e.variant >> 3)
        elif lang == "en" and person.temper == "polite":
            text = _pick(texts.POLITE_PREFIX, e.variant) + text + _pick(texts.POLITE_SUFFIX, e.variant >> 3)
    elif kind in ("in_follow", "in_thanks", "in_impatient"):
        options = texts.FOLLOW_UPS[lang]
        text = (options[1] if kind == "in_impatient" else options[-1] if kind == "in_thanks"
                else _pick(options, e.variant))
    elif kind == "in_reopen":
        text = _pick(texts.REOPEN_MESSAGES[lang], e.variant)
    elif kind == "out_reply":
        replies = texts.AGENT_REPLIES[lang]
        text = _pick(replies.get(conv.topic, replies["any"]), e.variant)
        if order is not None and order.fulfilled_at is None and "{tracking" in text:
            text = "Hi {name}, I checked {order}: it's being packed and will ship within 24 hours. You'll get the " \
                   "tracking link by email."
    elif kind == "out_followup":
        text = _pick(texts.AGENT_FOLLOW_UPS[lang], e.variant)
        if order is None:
            text = _pick(texts.AGENT_FOLLOW_UPS[lang][-2:], e.variant)
    elif kind == "out_close":
        text = _pick(texts.CLOSING_REPLIES[lang], e.variant)
    elif kind == "note":
        text = _pick(texts.PRIVATE_NOTES, e.variant)
    elif kind == "bot":
        text = _pick(texts.BOT_REPLIES, e.variant)
    elif kind == "campaign":
        text = _pick(texts.CAMPAIGN_MESSAGES, e.variant)
    elif kind == "act_assign":  # the texts of config/locales/en.yml, conversations.activity
        text = (f"{agent['name']} self-assigned this conversation" if e.variant % 3 == 0
                else f"Assigned to {agent['name']} by {agents[0]['name']}")
    elif kind == "act_resolve":
        text = f"Conversation was marked resolved by {agent['name']}"
    elif kind == "act_pending":
        text = f"Conversation was marked as pending by {agent['name']}"
    elif kind == "csat":  # the survey template; outside the web widget it carries the survey link
        text = ("Please rate the conversation" if conv.channel == "web_chat"
                else f"Please rate this conversation, {FRONTEND_URL}/survey/responses/{conv.uuid}")
    else:
        text = kind
    text = text.format(**values)
    if kind in ("out_reply", "out_followup") and conv.channel == "email":
        text += f"\n\nBest regards,\n{agent['name']}\nCustomer Care"
    if kind in INBOUND and person.typos:
        text = _typo(text, rng)
    return text
