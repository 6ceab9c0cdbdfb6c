"""The words of the demo world's events: what a customer, an agent, a bot or Chatwoot itself says in a
conversation, in the customer's language, with order numbers and tracking links filled in."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from deskapp.demo import texts
from deskapp.demo.timeline import FRONTEND_URL, INBOUND, KINDS, PRIORITIES, Event, topic_labels

if TYPE_CHECKING:
    from deskapp.demo.seed import Conversation, Order, Person

_KIND_CODE = {k: i for i, k in enumerate(KINDS)}


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


def _shipped(conv: Conversation, order: Order | None) -> bool:
    """Whether the order had left the warehouse when the customer wrote (and has a tracking number now)."""
    return order is not None and conv.order_shipped and order.tracking_number is not None


def render_text(e: Event, conv: Conversation, person: Person, order: Order | None, agents: list[dict]) -> str:
    """The words of one event, in the customer's language, with order number and tracking link filled in."""
    rng = random.Random(conv.seed ^ (e.variant << 20) ^ _KIND_CODE[e.kind])  # typos: the same on any day
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
    elif kind == "in_follow":
        text = _pick(texts.FOLLOW_UPS[lang], e.variant)
    elif kind == "in_thanks":
        text = _pick(texts.THANKS[lang], e.variant)
    elif kind == "in_impatient":
        text = _pick(texts.IMPATIENT[lang], e.variant)
    elif kind == "in_detail":
        text = _pick(texts.OPENING_DETAILS[lang] if order else texts.NO_ORDER_DETAILS[lang], e.variant)
    elif kind == "in_reopen":
        text = _pick(texts.REOPEN_MESSAGES[lang], e.variant)
    elif kind == "out_reply":
        replies = texts.AGENT_REPLIES[lang]
        text = _pick(replies.get(conv.topic, replies["any"]), e.variant)
        if "{tracking" in text and not _shipped(conv, order):
            text = texts.NOT_SHIPPED_YET[lang]
    elif kind == "out_followup":
        options = texts.AGENT_FOLLOW_UPS[lang]
        if not _shipped(conv, order):  # nothing to trace: no carrier, no tracking link (nor order)
            options = tuple(o for o in options if "{tracking" not in o and "{carrier" not in o
                            and (order or "{order" not in o))
        text = _pick(options, e.variant)
    elif kind == "out_close":
        text = _pick(texts.CLOSING_REPLIES[lang], e.variant)
    elif kind == "note":
        text = _pick(texts.PRIVATE_NOTES.get(conv.topic, texts.PRIVATE_NOTES["any"]) if order
                     else texts.PRIVATE_NOTES["any"], e.variant)
    elif kind == "bot":
        text = _pick(texts.BOT_REPLIES, e.variant)
    elif kind == "bot_handoff":
        text = _pick(texts.BOT_HANDOFFS, e.variant)
    elif kind == "campaign":
        text = _pick(texts.CAMPAIGN_MESSAGES, e.variant)
    elif kind == "act_assign":  # the texts of config/locales/en.yml, conversations.activity
        text = (f"{agent['name']} self-assigned this conversation" if e.variant % 3 == 0
                else f"Assigned to {agent['name']} by {agents[0]['name']}")
    elif kind == "act_resolve":
        text = f"Conversation was marked resolved by {agent['name']}"
    elif kind == "act_label":
        text = f"{agent['name']} added {', '.join(sorted(topic_labels(conv, person)))}"
    elif kind == "act_label_reopened":
        text = f"{agent['name']} added reopened"
    elif kind == "act_priority":
        text = f"{agent['name']} set the priority to {PRIORITIES[e.variant % len(PRIORITIES)]}"
    elif kind == "act_team":  # routed by an automation rule (activity_message_handler: "Automation System")
        text = f"Assigned to {texts.TEAMS[texts.TOPICS[conv.topic][1]][0]} by Automation System"
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
