"""The demo backend's seeded world: people, Chatwoot contacts/conversations and Shopify orders, built
deterministically from a seed, compact enough for 100k conversations (messages are derived on request).
"""

from __future__ import annotations

import bisect
import itertools
import random
import uuid
from dataclasses import dataclass, field

from deskapp.demo import texts
from deskapp.demo.timeline import INBOUND, Event, EventLog, plan_conversation

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
    next_message_id: int
    events: EventLog

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
                email = person.email if rng.random() < 0.3 else None  # an agent added it from the chat
            cid = len(contacts) + 1
            person.contact_ids[kind] = cid
            name = person.name if kind != "social" or rng.random() < 0.6 else person.handle
            contacts.append(Contact(cid, person.idx, kind, name, email, phone, identifier,
                                    [channel_inbox[channel]], person.created_at + rng.randint(0, 90) * DAY))
    return contacts


def _make_orders(rng: random.Random, people: list[Person], n: int, now: int) -> list[Order]:
    made = []
    for _ in range(n):
        person = people[min(int(rng.paretovariate(1.2)) - 1, len(people) - 1) if rng.random() < 0.3
                        else rng.randrange(len(people))]
        created = now - rng.randint(3600, 120 * DAY)
        made.append((created, person.idx, rng.getrandbits(40)))
    made.sort()
    orders = []
    orng = rng
    for idx, (created, pidx, oseed) in enumerate(made):
        fulfilled_at = created + orng.randint(6 * 3600, 3 * DAY)
        cancelled_at = None
        financial, fulfillment = "PAID", "FULFILLED"
        if fulfilled_at > now or orng.random() < 0.04:
            fulfilled_at, fulfillment = None, orng.choice(("UNFULFILLED", "UNFULFILLED", "IN_PROGRESS", "ON_HOLD"))
            financial = orng.choice(("PAID", "PAID", "AUTHORIZED", "PENDING"))
        if fulfilled_at is None and orng.random() < 0.05:
            cancelled_at, financial = created + orng.randint(600, DAY), "VOIDED"
        updated = max(t for t in (created, fulfilled_at, cancelled_at) if t is not None)
        orders.append(Order(idx, 1001 + idx, pidx, created, min(updated, now), oseed, financial, fulfillment,
                            fulfilled_at, cancelled_at, orng.randrange(len(texts.CARRIERS))))
        people[pidx].order_idxs.append(idx)
    return orders


_TOPIC_KEYS = tuple(texts.TOPIC_WEIGHTS)
_TOPIC_CUM = tuple(itertools.accumulate(texts.TOPIC_WEIGHTS.values()))


def _pick_topic(rng: random.Random, person: Person, orders: list[Order], start: int) -> tuple[str, int]:
    topic = rng.choices(_TOPIC_KEYS, cum_weights=_TOPIC_CUM)[0]
    if not texts.TOPICS[topic][2]:
        return topic, -1
    # a person's orders are in creation order: the ones placed before the conversation are a prefix
    cut = bisect.bisect_left(person.order_idxs, start - 3600, key=lambda i: orders[i].created_at)
    earlier = person.order_idxs[:cut]
    if not earlier:
        return rng.choice(("product_question", "discount_code")), -1
    return topic, earlier[-1] if rng.random() < 0.8 else rng.choice(earlier)


def _apply_outcome_to_order(conv: Conversation, order: Order, events: list[Event]) -> None:
    """Resolved refunds and cancellations leave their mark on the shop side too."""
    if conv.status != "resolved":
        return
    when = events[-1].t
    if conv.topic == "refund" and order.financial == "PAID":
        order.financial, order.updated_at = "REFUNDED", max(order.updated_at, when)
    elif conv.topic in ("damaged_item", "wrong_item") and order.financial == "PAID":
        order.financial, order.updated_at = "PARTIALLY_REFUNDED", max(order.updated_at, when)
    elif conv.topic == "cancel" and order.fulfilled_at is None and order.cancelled_at is None:
        order.cancelled_at, order.financial, order.updated_at = when, "VOIDED", max(order.updated_at, when)


# customers write mostly in the day and evening (UTC hour weights)
_HOUR_CUM = tuple(itertools.accumulate((1, 1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 9, 9, 9, 8, 8, 8, 8, 9, 9, 7, 4, 2)))


def _human_time(rng: random.Random, ts: int, now: int) -> int:
    day = ts - ts % DAY
    when = day + rng.choices(range(24), cum_weights=_HOUR_CUM)[0] * 3600 + rng.randrange(3600)
    return when if when <= now else when - DAY


def build_world(seed: int = 1, scale: str = "small", now: int = 0) -> World:
    """Everything the demo serves, the same for the same (seed, scale, now)."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r} (small | large)")
    sizes = SCALES[scale]
    rng = random.Random(seed * 1_000_003 + len(scale))
    agents = [{"id": i + 1, "name": name, "role": role, "team_id": 1 if i < 4 else 2,
               "email": f"{_ascii(name.split()[0])}@shop.example.com"} for i, (name, role) in enumerate(texts.AGENTS)]
    bots = [{"id": i + 1, "name": name, "description": desc} for i, (name, desc) in enumerate(texts.BOTS)]
    teams = [{"id": i + 1, "name": name, "description": desc} for i, (name, desc) in enumerate(texts.TEAMS)]
    inboxes = [{"id": i + 1, "key": c[0], "channel_type": c[1], "name": c[2]} for i, c in enumerate(CHANNELS)]
    channel_inbox = {c["key"]: c["id"] for c in inboxes}
    labels = [{"id": i + 1, "title": title} for i, title in enumerate(texts.ACCOUNT_LABELS)]
    # every agent works every inbox except the last one, who is only on email and web chat: a token of theirs
    # meets Chatwoot's permission refusal on the other inboxes' conversations
    inbox_members = {a["id"]: {b["id"] for b in inboxes} for a in agents}
    inbox_members[agents[-1]["id"]] = {channel_inbox["email"], channel_inbox["web_chat"]}
    people = _make_people(rng, sizes["people"], now)
    contacts = _make_contacts(rng, people, channel_inbox)
    orders = _make_orders(rng, people, sizes["orders"], now)
    cum_weights = list(itertools.accumulate(1.0 + (3.0 if p.temper == "angry" else 0.0) + len(p.order_idxs)
                                            for p in people))
    person_range = range(len(people))
    starts = sorted(_human_time(rng, now - int(rng.triangular(0, 90 * DAY, 10 * DAY)), now)
                    for _ in range(sizes["conversations"]))
    kind_of = {c[0]: c[3] for c in CHANNELS}
    conversations: list[Conversation] = []
    log = EventLog()
    next_msg = 1
    for cid, start in enumerate(starts, start=1):
        person = people[rng.choices(person_range, cum_weights=cum_weights)[0]]
        channel = rng.choice(person.channels)
        topic, order_idx = _pick_topic(rng, person, orders, start)
        lang = person.lang if topic in texts.OPENINGS.get(person.lang, {}) else "en"
        cseed = rng.getrandbits(48)
        conv = Conversation(
            id=cid, seed=cseed,
            inbox_id=channel_inbox[channel], channel=channel, contact_id=person.contact_ids[kind_of[channel]],
            person_idx=person.idx, topic=topic, lang=lang, order_idx=order_idx, created_at=start, status="open",
            assignee_id=None, team_id=None, labels=[], priority=None, updated_at=start, last_activity_at=start,
            first_reply_at=None, waiting_since=None, snoozed_until=None, msg_base=next_msg, n_seeded=0)
        events = plan_conversation(conv, person, agents, now, rng)
        log.extend(events)
        next_msg += conv.n_seeded
        if order_idx >= 0:
            _apply_outcome_to_order(conv, orders[order_idx], events)
        last_inbound = max((e.t for e in events if e.kind in INBOUND), default=None)
        contact = contacts[conv.contact_id - 1]
        if last_inbound is not None:
            contact.last_activity_at = max(contact.last_activity_at or 0, last_inbound)
        conversations.append(conv)
    return World(seed, scale, now, agents, bots, teams, inboxes, labels, inbox_members, people, contacts, orders,
                 conversations, next_msg, log)
