"""Per-conversation timelines for the demo world: who says what when, planned from the conversation's own seed
(so its messages can be rebuilt on request), placed on the calendar by the team's shifts, cut at `now`.

A conversation's script (which messages, by whom, in which words) depends on its seed only; the calendar
places its times and `now` cuts it. So whatever day the world is built on, message ids and words stay the
same; the ids of what has not happened yet are kept for it.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from array import array
from typing import TYPE_CHECKING, NamedTuple

from deskapp.demo import texts
from deskapp.demo.rhythm import DAY, staffed_after

if TYPE_CHECKING:
    from deskapp.demo.seed import Conversation, Person


class Event(NamedTuple):
    kind: str  # see KINDS
    t: int
    agent_id: int | None  # the agent (human events), the agent bot (bot) or the campaign's sender (campaign)
    variant: int


KINDS = ("in_open", "in_follow", "in_impatient", "in_thanks", "in_reopen", "bot", "out_reply", "out_followup",
         "out_close", "note", "act_assign", "act_resolve", "act_pending", "csat", "campaign", "in_detail",
         "act_label", "act_label_reopened", "act_priority", "act_team", "bot_handoff")
INBOUND = frozenset({"in_open", "in_follow", "in_impatient", "in_thanks", "in_reopen", "in_detail"})
HUMAN_REPLIES = frozenset({"out_reply", "out_followup", "out_close"})
PRIORITIES = ("low", "medium", "high", "urgent")
CAMPAIGN_SENDER = 3  # the agent a website campaign speaks as: a user, yet never a human reply
FRONTEND_URL = "https://support.shop.example.com"
_KIND_CODE = {k: i for i, k in enumerate(KINDS)}

# How long the team works on a channel's first answer (seconds of weekday shift time: median, lognormal
# sigma); waiting for a shift and the weekend pace come on top (rhythm.staffed_after).
FIRST_ANSWER = {"web_chat": (35, 0.7), "whatsapp": (40, 0.7), "sms": (300, 1.0), "instagram": (480, 1.0),
                "messenger": (480, 1.0), "email": (2 * 3600, 0.8)}
LATER_ANSWER = {"web_chat": (90, 0.9), "whatsapp": (120, 0.9), "sms": (600, 1.0), "instagram": (900, 1.0),
                "messenger": (900, 1.0), "email": (7200, 0.9)}
CUSTOMER_TURN = {"web_chat": 240, "whatsapp": 600, "sms": 1200, "instagram": 1800, "messenger": 1800,
                 "email": 5 * 3600}  # median wait before the customer writes again
# Chance that the first answer settles it, by topic: a tracking link closes most order questions, damaged
# or wrong items need photos, labels and replacements.
ONE_ANSWER = {"where_is_my_order": 0.88, "discount_code": 0.9, "product_question": 0.86, "invoice": 0.86,
              "address_change": 0.8, "cancel": 0.8, "wrong_size": 0.6, "refund": 0.66, "damaged_item": 0.5,
              "wrong_item": 0.5}
# Per agent (texts.AGENTS order, id 1..): pace of work (1 = the team's usual), change to the chance of settling
# it in one answer, share of the team's conversations taken. Sam leads and takes few; Maya is quickest; Jonas
# is thorough but slow; Noah joined lately (and works email and web chat only).
AGENT_STYLE = {1: (1.0, 0.0, 0.35), 2: (0.9, 0.02, 1.0), 3: (0.45, 0.06, 1.0), 4: (2.2, 0.04, 1.0),
               5: (1.0, 0.0, 1.0), 6: (1.15, -0.03, 1.0), 7: (0.7, 0.03, 1.0), 8: (2.0, -0.2, 0.8)}
CSAT_INBOXES = frozenset({"email", "web_chat", "whatsapp", "sms"})  # inboxes with the CSAT survey switched on
CSAT_ANSWER_RATE = 0.3


class EventLog:
    """Every planned event of the world in flat arrays (about 12 bytes each), indexed by message id - 1:
    a million messages cost megabytes, not the gigabyte a million dicts would."""

    def __init__(self) -> None:
        self.kind = bytearray()
        self.agent = bytearray()
        self.t = array("q")
        self.variant = array("H")

    def extend(self, plan: Plan) -> None:
        self.kind.extend(map(_KIND_CODE.__getitem__, plan.kinds))
        self.agent.extend(plan.agents)
        self.t.extend(plan.ts)
        self.variant.extend(plan.variants)

    def slice(self, first_id: int, count: int) -> list[Event]:
        i = first_id - 1
        return [Event(KINDS[self.kind[j]], self.t[j], self.agent[j] or None, self.variant[j])
                for j in range(i, i + count)]


def _between(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low + 1))


def _lognormal(rng: random.Random, median_s: float, sigma: float) -> float:
    return max(8.0, rng.lognormvariate(math.log(median_s), sigma))


_CANDIDATES: dict[tuple[int, int, bool], tuple[list[int], list[float]]] = {}


def pick_assignee(rng: random.Random, team_id: int, inbox_id: int, inbox_members: dict[int, set[int]]) -> int:
    """A member of the topic's team who works the inbox, by each one's share of the work (now and then
    another team helps out)."""
    other_team = rng.random() < 0.08
    key = (team_id, inbox_id, other_team)
    found = _CANDIDATES.get(key)
    if found is None or any(inbox_id not in inbox_members[a] for a in found[0]):
        agents = [a for a in sorted(AGENT_STYLE) if inbox_id in inbox_members[a]
                  and ((a - 1) // 4 + 1 == team_id) != other_team]
        found = _CANDIDATES[key] = (agents, list(itertools.accumulate(AGENT_STYLE[a][2] for a in agents)))
    agents, cum = found
    return agents[bisect.bisect(cum, rng.random() * cum[-1])]


class Plan:
    """The events of one conversation in the order they happen, as parallel lists; a time before the previous
    one moves after it (nobody answers before being asked), so the order is the script's whatever the
    calendar does."""

    __slots__ = ("agents", "kinds", "last", "rng", "ts", "variants")

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.kinds: list[str] = []
        self.ts: list[int] = []
        self.agents: list[int] = []  # 0: none
        self.variants: list[int] = []
        self.last = -1

    def add(self, kind: str, when: float, agent: int | None = None, variant: int | None = None) -> int:
        when = int(when)
        if when <= self.last:
            when = self.last + 1
        self.last = when
        self.kinds.append(kind)
        self.ts.append(when)
        self.agents.append(agent or 0)
        self.variants.append(self.rng.getrandbits(16) if variant is None else variant)
        return when

    def happened_by(self, now: int) -> int:
        """How many of the events have happened by `now` (times only grow)."""
        return len(self.ts) if self.last <= now else bisect.bisect_right(self.ts, now)


def _priority(rng: random.Random, person: Person) -> str | None:
    roll = rng.random()
    if person.temper == "angry":
        return "urgent" if roll < 0.1 else "high" if roll < 0.4 else None
    return "medium" if roll < 0.05 else "low" if roll < 0.08 else None


def plan_conversation(conv: Conversation, person: Person, assignee: int, team_routed: bool,
                      rng: random.Random) -> Plan:
    """The conversation's whole script, times on the calendar from its creation on (some may lie after
    `now`: they have not happened yet). Every draw is made whatever the times turn out to be."""
    s = Plan(rng)
    chatty = conv.channel != "email"
    t, bot = _opening(s, conv, team_routed, chatty)
    if bot and rng.random() < 0.1:  # the bot's answer (a tracking link) was all the customer needed
        if rng.random() < 0.5:
            s.add("in_thanks", s.last + _lognormal(rng, 60, 0.8))
        sweep = staffed_after(s.last, _between(rng, 600, 4 * 3600), rng.random())  # an agent tidies up
        s.add("act_assign", sweep - _between(rng, 5, 30), assignee)
        s.add("act_label", s.last + _between(rng, 3, 20), assignee)
        _settle(s, conv, assignee, s.last, settle=_between(rng, 5, 60), closing_chance=0.0)
        return s
    cur, one_answer = _first_answer(s, conv, person, assignee, t, chatty)
    outcome, thanked = rng.random(), rng.random() < (0.55 if chatty else 0.4)
    if outcome < 0.004:  # waiting on the customer (a photo, a return) who never came back
        s.add("act_pending", staffed_after(cur, _between(rng, 30, 600), rng.random()), assignee)
    elif outcome >= 0.006:  # (in between: it slipped through and was left open)
        if thanked:
            cur = s.add("in_thanks", cur + _lognormal(rng, CUSTOMER_TURN[conv.channel] / 2, 1.0))
            settle = _between(rng, 30, 1800 if chatty else 3 * 3600)
        else:  # left open in case the customer writes back, resolved later that day or the next
            settle = _between(rng, 2 * 3600, 20 * 3600)
        _settle(s, conv, assignee, cur, settle, closing_chance=(0.1 if one_answer else 0.4) if thanked else 0.0)
    return s


def _opening(s: Plan, conv: Conversation, team_routed: bool, chatty: bool) -> tuple[int, int | None]:
    """The customer's first message (after a campaign's, on some web chats), the routing and the bot:
    returns (the first message's time, the bot that answered)."""
    rng, t = s.rng, conv.created_at
    if conv.channel == "web_chat" and rng.random() < 0.15:  # a proactive campaign opened the conversation
        s.add("campaign", t, CAMPAIGN_SENDER)
        t += _between(rng, 30, 900)
    t = s.add("in_open", t)
    if team_routed:  # an automation rule routes it to the topic's team
        s.add("act_team", t + _between(rng, 1, 3))
    bot = 1 + conv.seed % len(texts.BOTS) if chatty and rng.random() < 0.7 else None
    if bot:  # the inbox's agent bot answers first
        s.add("bot", t + _between(rng, 2, 6), bot)
    details = rng.random()  # chat customers add the order number or the size, often in two messages
    for _ in range((2 if details < 0.25 else 1 if details < 0.65 else 0) if chatty else int(details < 0.3)):
        s.add("in_detail", s.last + _lognormal(rng, 20 if chatty else 900, 0.6))
    if bot and details < 0.65:  # the bot got what it asked for and hands over
        s.add("bot_handoff", s.last + _between(rng, 1, 3), bot)
    return t, bot


def _first_answer(s: Plan, conv: Conversation, person: Person, assignee: int, t: int,
                  chatty: bool) -> tuple[int, bool]:
    """The agent picks it up and answers, labels it, maybe notes something; longer threads go back and forth.
    Returns (the time of the thread's last message, whether the first answer settled it)."""
    rng, channel = s.rng, conv.channel
    pace, skill, _ = AGENT_STYLE[assignee]
    # the work the first answer takes, after the wait for a shift and the morning queue
    reply = staffed_after(t, _lognormal(rng, *FIRST_ANSWER[channel]) * pace, rng.random())
    if person.temper == "angry" and rng.random() < 0.45:
        s.add("in_impatient", max(s.last + 45, t + (reply - t) // 2))
    s.add("act_assign", reply - _between(rng, 5, 30 if chatty else 600), assignee)  # picked up from the queue
    cur = s.add("out_reply", reply, assignee)
    s.add("act_label", s.last + _between(rng, 5, 60), assignee)
    priority = _priority(rng, person)
    if priority:
        s.add("act_priority", s.last + _between(rng, 3, 20), assignee, PRIORITIES.index(priority))
    if rng.random() < 0.45:
        cur = s.add("note", s.last + _between(rng, 20, 300), assignee)
    one_answer = rng.random() < ONE_ANSWER[conv.topic] + skill
    for _ in range(0 if one_answer else rng.choice((1, 1, 1, 2, 2, 3))):
        cur = s.add("in_follow", cur + _lognormal(rng, CUSTOMER_TURN[channel], 1.0))
        if chatty and rng.random() < 0.5:
            cur = s.add("in_detail", cur + _lognormal(rng, 30, 0.6))
        cur = s.add("out_followup", staffed_after(cur, _lognormal(rng, *LATER_ANSWER[channel]) * pace,
                                                  rng.random()), assignee)
    return cur, one_answer


def _settle(s: Plan, conv: Conversation, assignee: int, cur: int, settle: int, closing_chance: float) -> None:
    """A last word from the agent (sometimes), a pause on hold (now and then), the resolution and its survey;
    and for a few, the problem comes back days later."""
    rng, channel = s.rng, conv.channel
    pace = AGENT_STYLE[assignee][0]
    closing, pending_first, comes_back = rng.random(), rng.random(), rng.random()
    if closing < closing_chance:
        cur = s.add("out_close", staffed_after(cur, _lognormal(rng, 60, 0.8) * pace, rng.random()), assignee)
    if pending_first < 0.08:  # on hold for a day or more (a return on its way), then settled
        cur = s.add("act_pending", staffed_after(cur, _between(rng, 30, 600), rng.random()), assignee)
        cur += _between(rng, DAY, 4 * DAY)
    cur = s.add("act_resolve", staffed_after(cur, settle, rng.random()), assignee)
    if channel in CSAT_INBOXES:
        s.add("csat", cur + _between(rng, 1, 5))
    if comes_back < 0.05:  # the customer's message reopens it (no activity message on these inboxes)
        cur = s.add("in_reopen", cur + _between(rng, DAY, 6 * DAY))
        s.add("act_label_reopened", staffed_after(cur, _between(rng, 30, 300), rng.random()), assignee)
        cur = s.add("out_reply", staffed_after(s.last, _lognormal(rng, *LATER_ANSWER[channel]) * pace,
                                               rng.random()), assignee)
        s.add("act_resolve", staffed_after(cur, _between(rng, 60, 7200), rng.random()), assignee)


def csat_rating(rng: random.Random, person: Person, plan: Plan) -> tuple[int, int] | None:
    """(rating, seconds after the survey) if the customer will answer the survey: happier after one answer,
    unhappier after a reopening or when angry to begin with. Draws the same whatever the events' times."""
    answers, rating_roll, delay = rng.random(), rng.random(), _between(rng, 60, 6 * 3600)
    if "csat" not in plan.kinds or answers >= CSAT_ANSWER_RATE:
        return None
    replies = sum(kind in HUMAN_REPLIES for kind in plan.kinds)
    happy = 0.95 - 0.08 * (replies - 1) - 0.3 * ("in_reopen" in plan.kinds) \
        - 0.3 * (person.temper == "angry")
    tiers = ((0.02, 0.02, 0.04, 0.24, 0.68) if rating_roll < happy else (0.18, 0.17, 0.25, 0.25, 0.15))
    roll = rng.random()
    for rating, weight in enumerate(tiers, start=1):
        roll -= weight
        if roll < 0:
            return rating, delay
    return 5, delay


def fill_header(conv: Conversation, person: Person, plan: Plan, happened: int, now: int, assignee: int,
                csat: tuple[int, int] | None) -> None:
    """The conversation's header from the first `happened` events of its plan (those that happened by `now`)."""
    # Chatwoot's rules: waiting_since starts at creation, an incoming message sets it when empty, a human
    # agent's public reply (not a bot's, not a campaign's) clears it and sets first_reply_created_at once,
    # resolving clears it; an incoming message reopens a resolved conversation.
    waiting: int | None
    status, first_reply, waiting = "open", None, conv.created_at
    kinds, ts = plan.kinds[:happened], plan.ts
    for kind, t in zip(kinds, ts, strict=False):  # ts runs on past what has happened
        if kind == "act_resolve":
            status, waiting = "resolved", None
        elif kind == "act_pending":
            status = "pending"
        elif kind in INBOUND:
            waiting = waiting or t
            if kind == "in_reopen":
                status = "open"
        elif kind in HUMAN_REPLIES:
            first_reply = first_reply or t
            waiting = None
    seen = set(kinds)
    conv.status = status
    conv.first_reply_at = first_reply
    conv.waiting_since = waiting
    conv.assignee_id = assignee if "act_assign" in seen else None
    team_id = texts.TOPICS[conv.topic][1] + 1
    conv.team_id = team_id if conv.assignee_id or "act_team" in seen else None
    conv.labels = sorted((topic_labels(conv, person) if "act_label" in seen else set())
                         | ({"reopened"} if "act_label_reopened" in seen else set()))
    conv.priority = (PRIORITIES[plan.variants[kinds.index("act_priority")] % len(PRIORITIES)]
                     if "act_priority" in seen else None)
    conv.updated_at = conv.last_activity_at = ts[happened - 1]
    conv.n_seeded = happened
    conv.csat = None
    if "csat" in seen and csat is not None:
        survey = kinds.index("csat")
        if ts[survey] + csat[1] <= now:
            conv.csat = (csat[0], conv.msg_base + survey, ts[survey] + csat[1])


def topic_labels(conv: Conversation, person: Person) -> set[str]:
    """What the agent labels the conversation with: its topic, and `vip` for a customer of four orders or more."""
    return {texts.TOPICS[conv.topic][0]} | ({"vip"} if len(person.order_idxs) >= 4 else set())
