"""Live traffic for the demo backend, one thing per tick at the hub's clock: customers writing (mostly in threads
still open), colleagues answering and resolving, new conversations, contact edits and shop updates."""

from __future__ import annotations

import contextlib
import random

from deskapp.demo import texts
from deskapp.demo.chatwoot_agent_bots import first_status
from deskapp.demo.chatwoot_common import ApiError
from deskapp.demo.chatwoot_contacts import edit_contact
from deskapp.demo.seed import CHANNELS, Conversation, Order
from deskapp.demo.state import INCOMING, OUTGOING, DemoState
from deskapp.demo.timeline import AGENT_STYLE, Event
from deskapp.demo.wording import render_text

_KIND_OF = {c[0]: c[3] for c in CHANNELS}


def live_tick(state: DemoState, rng: random.Random) -> str:
    """Make one thing happen now; returns what it was (message | reply | conversation | contact | order)."""
    with state.lock:
        roll = rng.random()
        # the team answers a little faster than customers write, so a long demo session keeps a steady backlog
        if roll < 0.3:
            kind = _message_on_recent(state, rng)
        elif roll < 0.75:
            kind = _colleague_answers(state, rng)
        elif roll < 0.8:  # one every two minutes at the usual 5 s tick: more than real life, so it shows
            kind = _new_conversation(state, rng)
        elif roll < 0.9:
            kind = _contact_edit(state, rng)
        else:
            kind = _order_update(state, rng)
        state.live_events += 1
        return kind


def _message_on_recent(state: DemoState, rng: random.Random) -> str:
    """A customer writes in a thread still open; now and then one whose problem came back (that reopens it)."""
    recent = state.conversations[-300:]
    still_open = [c for c in recent if c.status != "resolved"]
    conv = rng.choice(still_open if still_open and rng.random() < 0.85 else recent)
    person = state.world.people[conv.person_idx]
    text = rng.choice(texts.FOLLOW_UPS[conv.lang])
    if conv.status in ("resolved", "snoozed"):  # the message reopens it (add_message)
        order = state.world.orders[conv.order_idx] if conv.order_idx >= 0 else None
        text = rng.choice(texts.REOPEN_MESSAGES[conv.lang]).format(order=order.name if order else "my order")
    if person.typos and rng.random() < 0.5:
        text = text.lower()
    state.add_message(conv, content=text, message_type=INCOMING, sender_type="contact", sender_id=conv.contact_id)
    return "message"


def _colleague_answers(state: DemoState, rng: random.Random) -> str:
    """Another agent answers a customer who is waiting (taking it first when nobody has), and sometimes
    resolves it: the team works while the demo runs, and the signed-in agent's own queue is left to them."""
    waiting = [c for c in state.conversations[-300:] if c.waiting_since and c.status != "resolved"
               and c.assignee_id != state.me_id]
    if not waiting:
        return _message_on_recent(state, rng)
    conv = min(waiting, key=lambda c: c.waiting_since or 0)  # the longest wait first (all are waiting)
    w = state.world
    if conv.assignee_id is None:
        members = [a for a in AGENT_STYLE if a != state.me_id and conv.inbox_id in w.inbox_members[a]]
        conv.assignee_id = rng.choice(members)
        state.activity(conv, f"{state.agent(conv.assignee_id)['name']} self-assigned this conversation")
    kind = "out_followup" if conv.first_reply_at else "out_reply"
    person = w.people[conv.person_idx]
    order = w.orders[conv.order_idx] if conv.order_idx >= 0 else None
    answer = Event(kind, int(state.now()), conv.assignee_id, rng.getrandbits(16))
    state.add_message(conv, content=render_text(answer, conv, person, order, w.agents), message_type=OUTGOING,
                      sender_type="agent", sender_id=conv.assignee_id)
    if rng.random() < 0.4:
        conv.status, conv.waiting_since = "resolved", None
        state.activity(conv, f"Conversation was marked resolved by {state.agent(conv.assignee_id)['name']}")
    return "reply"


def _new_conversation(state: DemoState, rng: random.Random) -> str:
    w = state.world
    person = rng.choice(w.people)
    channel = rng.choice(person.channels)
    topic = rng.choice(list(texts.TOPICS))
    order_idx = person.order_idxs[-1] if person.order_idxs and texts.TOPICS[topic][2] else -1
    if order_idx < 0 and texts.TOPICS[topic][2]:
        topic = "product_question"
    lang = person.lang if topic in texts.OPENINGS.get(person.lang, {}) else "en"
    now = int(state.now())
    inbox_id = next(b["id"] for b in w.inboxes if b["key"] == channel)
    cseed = rng.getrandbits(48)
    conv = Conversation(
        id=len(w.conversations) + 1, seed=cseed, inbox_id=inbox_id, channel=channel,
        contact_id=person.contact_ids[_KIND_OF[channel]],
        person_idx=person.idx, topic=topic, lang=lang, order_idx=order_idx, created_at=now,
        status=first_status(state, inbox_id),
        assignee_id=None, team_id=None, labels=[texts.TOPICS[topic][0]], priority=None, updated_at=now,
        last_activity_at=now, first_reply_at=None, waiting_since=None, snoozed_until=None, msg_base=0, n_seeded=0)
    w.conversations.append(conv)
    order = w.orders[order_idx] if order_idx >= 0 else None
    opening = Event("in_open", now, None, rng.getrandbits(16))
    state.add_message(conv, content=render_text(opening, conv, person, order, w.agents), message_type=INCOMING,
                      sender_type="contact", sender_id=conv.contact_id)
    state.hub_event("conversation_created", conv)  # the queued listener finds the opening message there
    if channel != "email" and conv.status != "pending" and rng.random() < 0.5:  # pending: a real bot answers
        state.add_message(conv, content=rng.choice(texts.BOT_REPLIES), message_type=OUTGOING,
                          sender_type="agent_bot", sender_id=1 + cseed % len(texts.BOTS))
    return "conversation"


def _contact_edit(state: DemoState, rng: random.Random) -> str:
    """Another agent corrects a contact: a name spelled out, a city added. Nothing else tells a client."""
    contact = rng.choice(state.world.contacts[-500:])
    if state.contact(contact.id) is None:
        return "contact"
    person = state.world.people[contact.person_idx]
    edit = {"name": person.name, "custom_attributes": {"tier": rng.choice(("gold", "silver"))}}
    with contextlib.suppress(ApiError):  # refused as the API would refuse it (a client changed the contact): no edit
        edit_contact(state, contact, edit)
    return "contact"


def _order_update(state: DemoState, rng: random.Random) -> str:
    w = state.world
    state.shop_version += 1
    now = int(state.now())
    pending = [o for o in w.orders[-200:] if o.fulfilled_at is None and o.cancelled_at is None]
    if pending:
        order = rng.choice(pending)
        order.fulfilled_at, order.fulfillment, order.updated_at = now, "FULFILLED", now
        if order.financial in ("AUTHORIZED", "PENDING"):
            order.financial = "PAID"
        return "order"
    person = rng.choice(w.people)
    idx = len(w.orders)
    order = Order(idx, 1001 + idx, person.idx, now, now, rng.getrandbits(40), "PAID", "UNFULFILLED", None, None,
                  rng.randrange(len(texts.CARRIERS)))
    w.orders.append(order)
    person.order_idxs.append(idx)
    return "order"
