"""How well the bot does on the demo's order-status questions, for tools/bot_order_questions.py and its test:
each seeded "where is my order" opening is asked again, live, by the same contact in a new web chat, and the
bot's answer or handoff is checked against the shop's truth.

An answer is correct when it names the customer's order and carries its real tracking link (or, for an order
not shipped yet, says so). A handoff is right when no correct answer was possible in the bot's wording: the
customer reports a delivered parcel missing, the order has no tracking to give, the customer writes in a
language the bot has no wording for, or the order cannot be told; any other handoff is a missed answer.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import requests

from deskapp.demo.state import INCOMING
from deskapp.services.bot_demo import DemoBot

# Words of the demo's English opening that reports a problem rather than asks where the order is ("Order #1
# says delivered but there is nothing at my door or with my neighbours"); its typos never hit all of them.
PROBLEM_CUES = ("says delivered", "nothing at", "my door", "neighbours")


@dataclass
class Figures:
    asked: int = 0
    answered_correctly: int = 0
    answered_wrongly: int = 0
    handed_over_rightly: int = 0
    handed_over_needlessly: int = 0
    handoff_reasons: Counter[str] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {"asked": self.asked, "answered_correctly": self.answered_correctly,
                "answered_wrongly": self.answered_wrongly, "handed_over_rightly": self.handed_over_rightly,
                "handed_over_needlessly": self.handed_over_needlessly,
                "answered_share": round(self.answered_correctly / self.asked, 3) if self.asked else 0.0,
                "handoff_reasons": dict(self.handoff_reasons.most_common())}


def _reason_kind(reason: str) -> str:
    for cue, kind in (("language", "not English"), ("not an order-status", "other intent"),
                      ("sure", "not sure of the intent"), ("not this contact", "order of someone else"),
                      ("no email or phone", "buyer not verifiable"),
                      ("orders match", "order not found"), ("cancelled", "order cancelled"),
                      ("shop unavailable", "shop unavailable"), ("person", "asks for a person"),
                      ("without tracking", "no tracking"), ("delivery problem", "delivery problem reported")):
        if cue in reason:
            return kind
    return reason


def measure_order_questions(demo_bot: DemoBot, limit: int | None = None) -> Figures:
    demo, state = demo_bot.demo, demo_bot.demo.state
    convs = [c for c in state.conversations if c.topic == "where_is_my_order" and c.n_seeded and c.order_idx >= 0]
    figures = Figures()
    for conv in convs[:limit]:
        opening = next(m for m in state.messages(conv) if m["message_type"] == INCOMING)
        order = state.orders[conv.order_idx]
        problem = any(cue in opening["content"].lower() for cue in PROBLEM_CUES)
        started = requests.post(f"{demo.url}/demo/inboxes/{demo_bot.inbox_ids['web_chat']}/conversations",
                                json={"contact_id": conv.contact_id, "content": opening["content"]}, timeout=30)
        started.raise_for_status()
        demo_bot.settle()
        asked = state.conversation(started.json()["conversation_id"])
        assert asked is not None  # the hub has just made it
        said = [m for m in state.messages(asked) if m["sender_type"] == "agent_bot"]
        figures.asked += 1
        if not said:
            figures.handed_over_needlessly += 1
            figures.wrong.append(f"{conv.id}: no bot message")
            continue
        mark = said[-1]["content_attributes"].get("deskapp_bot", {})
        content = said[-1]["content"] or ""
        if mark.get("action") == "answer":
            right_order = order.name in content
            truth = order.tracking_url if order.fulfilled_at is not None else "not shipped yet"
            ok = right_order and truth is not None and truth in content and not problem
            figures.answered_correctly += ok
            figures.answered_wrongly += not ok
            if not ok:
                figures.wrong.append(f"{conv.id}: answered {content[:80]!r} for {order.name}")
            continue
        kind = _reason_kind(str(mark.get("reason", "")))
        figures.handoff_reasons[kind] += 1
        rightly = (problem or conv.lang != "en"
                   or kind in ("order cancelled", "order not found", "order of someone else", "no tracking",
                                                        "buyer not verifiable"))
        figures.handed_over_rightly += rightly
        figures.handed_over_needlessly += not rightly
        if not rightly:
            figures.wrong.append(f"{conv.id}: handed over ({mark.get('reason')}) {opening['content'][:60]!r}")
    return figures
