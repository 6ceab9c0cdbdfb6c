"""The demo backend's seeded world: people, Chatwoot contacts/conversations and Shopify orders, built
deterministically from a seed, compact enough for 100k conversations (messages are derived on request).
"""

from __future__ import annotations

import bisect
import itertools
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from deskapp.demo import texts
from deskapp.demo.rhythm import CONVERSATIONS_FROM, SPAN_DAYS, Rhythm
from deskapp.demo.timeline import INBOUND, EventLog, csat_rating, fill_header, pick_assignee, plan_conversation

DAY = 86400
# channel key, Chatwoot channel_type, inbox name, identity the contact is found by, weight
CHANNELS = (
    ("email", "Channel::Email", "Support Email", "email", 32),
    ("web_chat", "Channel::WebWidget", "Website Chat", "email", 24),
    ("whatsapp", "Channel::Whatsapp", "WhatsApp", "phone", 20),
    ("instagram", "Channel::Instagram", "Instagram", "social", 8),
    ("messenger", "Channel::FacebookPage", "Messenger", "social", 7),
    ("sms", "Channel::Sms", "SMS", "phone", 9),
)
SCALES = {
    "small": {"people": 600, "conversations": 2000, "orders": 1500},
    "large": {"people": 20000, "conversations": 100000, "orders": 50000},
}
CUSTOMER_GID_BASE = 7_000_000_000
ORDER_GID_BASE = 5_000_000_000


@dataclass(slots=True)
class Person:
    idx: int
    first: str
    last: str
    email: str
    phone: str
    country: str
    lang: str
    city: str
    temper: str  # angry | polite | neutral
    typos: bool
    handle: str
    channels: tuple[str, ...]
    created_at: int
    contact_ids: dict[str, int] = field(default_factory=dict)  # identity kind -> Chatwoot contact id
    order_idxs: list[int] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass(slots=True)
class Contact:
    id: int
    person_idx: int
    kind: str  # email | phone | social
    name: str
    email: str | None
    phone: str | None
    identifier: str | None
    inbox_ids: list[int]
    created_at: int
    last_activity_at: int | None = None  # the last incoming message's time: only a contact's own messages move it
    custom_attributes: dict | None = None  # set when an agent edits the contact
    additional_attributes: dict | None = None  # merged over the person's city and country


@dataclass(slots=True)
class Order:
    idx: int
    number: int
    person_idx: int
    created_at: int
    updated_at: int
    seed: int
    financial: str
    fulfillment: str
    fulfilled_at: int | None
    cancelled_at: int | None
    carrier: int
    share: float = 0.0  # its place in the shop's volume (rhythm.Rhythm.at): what conversations compare with
    ship_delay: int | None = None  # seconds from order to shipment; None: it is stuck

    @property
    def gid_num(self) -> int:
        return ORDER_GID_BASE + self.idx

    @property
    def name(self) -> str:
        return f"#{self.number}"

    @property
    def tracking_number(self) -> str | None:
        if self.fulfilled_at is None:
            return None
        return texts.CARRIERS[self.carrier][2].format(digits=f"{(self.seed % 10**8):08d}")

    @property
    def tracking_url(self) -> str | None:
        number = self.tracking_number
        return None if number is None else texts.CARRIERS[self.carrier][1].format(number=number)


@dataclass(slots=True)
class Conversation:
    id: int
    seed: int
    inbox_id: int
    channel: str
    contact_id: int
    person_idx: int
    topic: str
    lang: str
    order_idx: int  # -1 when the topic needs none
    created_at: int
    status: str
    assignee_id: int | None
    team_id: int | None
    labels: list[str]
    priority: str | None
    updated_at: float  # Chatwoot sends it with microseconds (`updated_at.to_f`)
    last_activity_at: int
    first_reply_at: int | None
    waiting_since: int | None
    snoozed_until: int | None
    msg_base: int  # id of the first seeded message; seeded ids are msg_base .. msg_base + n_seeded - 1
    n_seeded: int
    csat: tuple[int, int, int] | None = None  # (rating, survey message id, created_at)
    order_shipped: bool = False  # the order had left the warehouse when the customer wrote

    @property
    def uuid(self) -> str:
        return str(uuid.UUID(int=(self.seed << 80 | self.id) & (1 << 128) - 1, version=4))


@dataclass
class World:
    seed: int
    scale: str
    now: int
    agents: list[dict]
    bots: list[dict]
    teams: list[dict]
    inboxes: list[dict]
    labels: list[dict]
    inbox_members: dict[int, set[int]]  # agent id -> the inboxes the agent is a member of
    people: list[Person]
    contacts: list[Contact]
    orders: list[Order]
    conversations: list[Conversation]
    next_message_id: int  # after every planned message: ids of what has not happened yet stay reserved
    events: EventLog  # every planned message, by id - 1
    seeded_messages: int  # the planned messages that have happened by `now` (the hub serves those)

    def person_of_contact(self, contact_id: int) -> Person:
        return self.people[self.contacts[contact_id - 1].person_idx]


_CHANNEL_KEYS = tuple(c[0] for c in CHANNELS)
_CHANNEL_CUM = tuple(itertools.accumulate(c[4] for c in CHANNELS))


def _phone(rng: random.Random, cc: str, length: int) -> str:
    first = str(rng.randint(2, 9))
    return f"+{cc}{first}{rng.randrange(10 ** (length - 1)):0{length - 1}d}"


def _ascii(text: str) -> str:
    table = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "é": "e", "è": "e", "ë": "e", "í": "i", "á": "a",
                           "ó": "o", "ï": "i", "ç": "c", "ñ": "n", " ": "", "'": "", "-": ""})
    return text.lower().translate(table)


def _make_people(rng: random.Random, n: int, now: int) -> list[Person]:
    people = []
    for idx in range(n):
        first, last = rng.choice(texts.FIRST_NAMES), rng.choice(texts.LAST_NAMES)
        country, cc, length, lang = rng.choice(texts.COUNTRIES)
        email = f"{_ascii(first)}.{_ascii(last)}{idx}@{rng.choice(texts.EMAIL_DOMAINS)}"
        primary = rng.choices(_CHANNEL_KEYS, cum_weights=_CHANNEL_CUM)[0]
        channels = [primary]
        if rng.random() < 0.45:  # many customers reach out on more than one channel
            for _ in range(rng.choice((1, 1, 2))):
                other = rng.choices(_CHANNEL_KEYS, cum_weights=_CHANNEL_CUM)[0]
                if other not in channels:
                    channels.append(other)
        people.append(Person(
            idx=idx, first=first, last=last, email=email, phone=_phone(rng, cc, length), country=country,
            lang=lang if rng.random() < 0.8 else "en", city=rng.choice(texts.CITIES[country]),
            temper=rng.choices(("angry", "polite", "neutral"), weights=(18, 42, 40))[0], typos=rng.random() < 0.2,
            handle=f"{_ascii(first)}_{_ascii(last)[:5]}{rng.randint(1, 999)}", channels=tuple(channels),
            created_at=now - rng.randint(100, 400) * DAY,
        ))
    return people


def _make_contacts(rng: random.Random, people: list[Person], channel_inbox: dict[str, int]) -> list[Contact]:
    contacts: list[Contact] = []
    kind_of = {c[0]: c[3] for c in CHANNELS}
    for person in people:
        kinds = {kind_of[channel] for channel in person.channels}
        for channel in person.channels:
            kind = kind_of[channel]
            if kind in person.contact_ids:
                contacts[person.contact_ids[kind] - 1].inbox_ids.append(channel_inbox[channel])
                continue
            email = phone = identifier = None
            if kind == "email":
                email = person.email  # Chatwoot stores contact emails downcased
            elif kind == "phone":
                phone = person.phone
            else:
                identifier = person.handle
                # an agent added it from the chat, unless the email contact holds it (Chatwoot keeps emails unique)
                email = person.email if rng.random() < 0.3 and "email" not in kinds else None
            cid = len(contacts) + 1
            person.contact_ids[kind] = cid
            name = person.name if kind != "social" or rng.random() < 0.6 else person.handle
            contacts.append(Contact(cid, person.idx, kind, name, email, phone, identifier,
                                    [channel_inbox[channel]], person.created_at + rng.randint(0, 90) * DAY))
    return contacts


SPAN_S = SPAN_DAYS * DAY
ORDER_TOP = 0.9995  # orders are placed up to about an hour before now
EARLIER = 0.0003  # an order a conversation is about was placed at least this share of the volume before it


def _make_orders(rng: random.Random, people: list[Person], n: int, rhythm: Rhythm) -> list[Order]:
    """Orders over the span, as busy as the shop (they follow the same rhythm as conversations); each one's
    state is what it is at `now`."""
    made = []
    for _ in range(n):
        # a third of the orders come from repeat buyers: the lower a person's index, the more they buy (the most
        # loyal one about weekly), the rest from anyone
        loyal, roll, pick = rng.random(), rng.random(), rng.randrange(len(people))
        person = people[int(len(people) * loyal * loyal) if roll < 0.3 else pick]
        made.append((rng.random() * ORDER_TOP, person.idx, rng.getrandbits(40)))
    made.sort()
    now = rhythm.now
    orders = []
    for idx, (share, pidx, oseed) in enumerate(made):
        created = min(rhythm.at(share), now - 3600)
        ships_after, stuck, hold, money, cancel, cancel_after = (
            rng.randint(6 * 3600, 3 * DAY), rng.random(), rng.choice(("UNFULFILLED", "UNFULFILLED", "IN_PROGRESS",
                                                                       "ON_HOLD")),
            rng.choice(("PAID", "PAID", "AUTHORIZED", "PENDING")), rng.random(), rng.randint(600, DAY))
        fulfilled_at: int | None
        cancelled_at: int | None
        fulfilled_at, cancelled_at = created + ships_after, None
        financial, fulfillment = "PAID", "FULFILLED"
        if fulfilled_at > now or stuck < 0.04:
            fulfilled_at, fulfillment, financial = None, hold, money
        if fulfilled_at is None and cancel < 0.05 and created + cancel_after <= now:
            cancelled_at, financial = created + cancel_after, "VOIDED"
        updated = max(t for t in (created, fulfilled_at, cancelled_at) if t is not None)
        orders.append(Order(idx, 1001 + idx, pidx, created, min(updated, now), oseed, financial, fulfillment,
                            fulfilled_at, cancelled_at, rng.randrange(len(texts.CARRIERS)), share,
                            None if stuck < 0.04 else ships_after))
        people[pidx].order_idxs.append(idx)
    return orders


_TOPIC_KEYS = tuple(texts.TOPIC_WEIGHTS)
_TOPIC_CUM = tuple(itertools.accumulate(texts.TOPIC_WEIGHTS.values()))


def _pick_topic(rng: random.Random, person: Person, orders: list[Order], share: float) -> tuple[str, int]:
    """The topic, and the order it is about (-1 for none). Orders are compared by their place in the volume,
    not by time, so the choice is the same whatever day the world is built on."""
    topic = _TOPIC_KEYS[bisect.bisect(_TOPIC_CUM, rng.random() * _TOPIC_CUM[-1])]
    fallback = "product_question" if rng.random() < 0.5 else "discount_code"
    recent, anyone = rng.random(), rng.random()
    if not texts.TOPICS[topic][2]:
        return topic, -1
    # a person's orders are in creation order: the ones placed before the conversation are a prefix
    cut = bisect.bisect_left(person.order_idxs, share - EARLIER, key=lambda i: orders[i].share)
    earlier = person.order_idxs[:cut]
    if not earlier:
        return fallback, -1
    return topic, earlier[-1] if recent < 0.8 else earlier[int(anyone * len(earlier))]


def _apply_outcome_to_order(conv: Conversation, order: Order, when: int) -> None:
    """Resolved refunds and cancellations leave their mark on the shop side too (`when`: its last event)."""
    if conv.status != "resolved":
        return
    if conv.topic == "refund" and order.financial == "PAID":
        order.financial, order.updated_at = "REFUNDED", max(order.updated_at, when)
    elif conv.topic in ("damaged_item", "wrong_item") and order.financial == "PAID":
        order.financial, order.updated_at = "PARTIALLY_REFUNDED", max(order.updated_at, when)
    elif conv.topic == "cancel" and order.fulfilled_at is None and order.cancelled_at is None:
        order.cancelled_at, order.financial, order.updated_at = when, "VOIDED", max(order.updated_at, when)


def build_world(seed: int = 1, scale: str = "small", now: int = 0) -> World:
    """Everything the demo serves, the same for the same (seed, scale, now); another `now` keeps every id and
    word and moves the times (rhythm.py, timeline.py)."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r} (small | large)")
    sizes = SCALES[scale]
    rng = random.Random(seed * 1_000_003 + len(scale))
    agents: list[dict[str, Any]] = [{"id": i + 1, "name": name, "role": role, "team_id": 1 if i < 4 else 2,
               "email": f"{_ascii(name.split()[0])}@shop.example.com"} for i, (name, role) in enumerate(texts.AGENTS)]
    bots = [{"id": i + 1, "name": name, "description": desc} for i, (name, desc) in enumerate(texts.BOTS)]
    teams = [{"id": i + 1, "name": name, "description": desc} for i, (name, desc) in enumerate(texts.TEAMS)]
    inboxes: list[dict[str, Any]] = [{"id": i + 1, "key": c[0], "channel_type": c[1], "name": c[2]}
                                     for i, c in enumerate(CHANNELS)]
    channel_inbox = {c["key"]: c["id"] for c in inboxes}
    labels = [{"id": i + 1, "title": title} for i, title in enumerate(texts.ACCOUNT_LABELS)]
    # every agent works every inbox except the last one, who is only on email and web chat: a token of theirs
    # meets Chatwoot's permission refusal on the other inboxes' conversations
    inbox_members = {a["id"]: {b["id"] for b in inboxes} for a in agents}
    inbox_members[agents[-1]["id"]] = {channel_inbox["email"], channel_inbox["web_chat"]}
    rhythm = Rhythm(now, seed)
    people = _make_people(rng, sizes["people"], now)
    contacts = _make_contacts(rng, people, channel_inbox)
    orders = _make_orders(rng, people, sizes["orders"], rhythm)
    cum_weights = list(itertools.accumulate(1.0 + (3.0 if p.temper == "angry" else 0.0) + len(p.order_idxs)
                                            for p in people))
    total_weight = cum_weights[-1]
    kind_of = {c[0]: c[3] for c in CHANNELS}
    conversations: list[Conversation] = []
    log = EventLog()
    next_msg, seeded = 1, 0
    n = sizes["conversations"]
    script_rng = random.Random()
    for cid in range(1, n + 1):
        # spread evenly over the volume (a jittered grid): busy days get more, no day is left empty by chance
        share = CONVERSATIONS_FROM + (1 - CONVERSATIONS_FROM) * (cid - 1 + rng.random()) / n
        person = people[bisect.bisect(cum_weights, rng.random() * total_weight)]
        channel = person.channels[int(rng.random() * len(person.channels))]
        topic, order_idx = _pick_topic(rng, person, orders, share)
        lang = person.lang if topic in texts.OPENINGS.get(person.lang, {}) else "en"
        cseed = rng.getrandbits(48)
        start = rhythm.at(share)
        order = orders[order_idx] if order_idx >= 0 else None
        conv = Conversation(
            id=cid, seed=cseed,
            inbox_id=channel_inbox[channel], channel=channel, contact_id=person.contact_ids[kind_of[channel]],
            person_idx=person.idx, topic=topic, lang=lang, order_idx=order_idx, created_at=start, status="open",
            assignee_id=None, team_id=None, labels=[], priority=None, updated_at=start, last_activity_at=start,
            first_reply_at=None, waiting_since=None, snoozed_until=None, msg_base=next_msg, n_seeded=0,
            order_shipped=order is not None and order.ship_delay is not None
            and order.share + order.ship_delay / SPAN_S < share)  # by the volume's clock: the same on any day
        script_rng.seed(cseed)  # the conversation's script draws from its own seed only
        assignee = pick_assignee(script_rng, texts.TOPICS[topic][1] + 1, conv.inbox_id, inbox_members)
        team_routed = script_rng.random() < 0.5
        plan = plan_conversation(conv, person, assignee, team_routed, script_rng)
        csat = csat_rating(script_rng, person, plan)
        log.extend(plan)
        next_msg += len(plan.ts)  # ids are kept for what has not happened yet
        happened = plan.happened_by(now)
        fill_header(conv, person, plan, happened, now, assignee, csat)
        seeded += happened
        if order is not None:
            _apply_outcome_to_order(conv, order, plan.ts[happened - 1])
        last_inbound = next((plan.ts[i] for i in range(happened - 1, -1, -1) if plan.kinds[i] in INBOUND), None)
        contact = contacts[conv.contact_id - 1]
        if last_inbound is not None:
            contact.last_activity_at = max(contact.last_activity_at or 0, last_inbound)
        conversations.append(conv)
    return World(seed, scale, now, agents, bots, teams, inboxes, labels, inbox_members, people, contacts, orders,
                 conversations, next_msg, log, seeded)
