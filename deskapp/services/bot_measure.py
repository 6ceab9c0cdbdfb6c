"""How well the bot does on the demo's order-status questions, for tools/bot_order_questions.py and its test:
each seeded "where is my order" opening is asked again, live, by the same contact in a new web chat, and the
bot's answer or handoff is checked against the shop's truth, in all and per language of the customer.

The demo seeds these questions in English, German, Spanish and French only; so that every language the bot
may answer in is measured, the same contact also asks about the same order in one of the bot's languages in
turn (PROBES: short questions as customers write them), reported apart as "probes".

An answer is correct when it names the customer's order, carries its real tracking link (or, for an order
not shipped yet, says so) and is written in the customer's language. A handoff is right when no correct answer
was possible: the customer reports a delivered parcel missing, the order has no tracking to give, the bot's
answers in that language are off or the detector is not sure of the language, or the order cannot be told;
any other handoff is a missed answer. The seeded openings on other topics (refunds, damaged items,
cancellations...) are asked again too, as "other_questions": any answer to one of them is a wrong answer.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests

from deskapp.copilot import language
from deskapp.demo.seed import Order
from deskapp.demo.state import INCOMING
from deskapp.services.bot_demo import DemoBot

# Words of the demo's English opening that reports a problem rather than asks where the order is ("Order #1
# says delivered but there is nothing at my door or with my neighbours"); its typos never hit all of them.
PROBLEM_CUES = ("says delivered", "nothing at", "my door", "neighbours")
# How an answer says "not shipped yet" in each language (what a customer must read in it, checked as text).
NOT_SHIPPED = {"en": "not shipped yet", "de": "noch nicht verschickt", "fr": "pas encore été expédiée",
               "es": "todavía no ha salido", "it": "non è ancora stato spedito", "nl": "nog niet verzonden",
               "pt": "ainda não foi enviado"}
PROBES = {
    "en": ("Hi, any news on my order {order}? It's been a while.", "where is order {order} please"),
    "de": ("Guten Tag, können Sie mir sagen, wo meine Bestellung {order} gerade ist?",
           "Hallo, wann kommt meine Bestellung {order} an? Danke!"),
    "fr": ("Bonjour, pouvez-vous me dire quand ma commande {order} va arriver ? Merci",
           "Bonjour, je n'ai toujours pas reçu ma commande {order}, où en est-elle ?"),
    "es": ("Buenas, ¿me pueden decir cuándo llega mi pedido {order}? Gracias",
           "Hola, ¿en qué estado está mi pedido {order}?"),
    "it": ("Buongiorno, potete dirmi dove si trova il mio ordine {order}? Grazie",
           "Salve, quando arriva il mio ordine {order}?"),
    "nl": ("Hallo, waar blijft mijn bestelling {order}? Ik heb nog niets ontvangen.",
           "Goedemiddag, wanneer wordt mijn bestelling {order} geleverd?"),
    "pt": ("Olá, podem dizer-me onde está a minha encomenda {order}? Obrigado",
           "Bom dia, quando chega o meu pedido {order}?"),
}
# Requests that name an order but are not about where it is, in each language (the demo seeds other topics in
# English, German, Spanish and French only): the bot must hand every one of them over.
OTHER_PROBES = {
    "en": ("The jacket from order {order} is too big, can I swap it for a smaller one?",
           "Please cancel {order}, I don't need it anymore."),
    "de": ("Die Tasse aus Bestellung {order} kam kaputt an. Was nun?",
           "Wann bekomme ich mein Geld für die Bestellung {order} zurück?"),
    "fr": ("Le vase de la commande {order} est arrivé cassé, que faire ?",
           "Je voudrais être remboursée pour la commande {order}, merci."),
    "es": ("Quiero cancelar el pedido {order}, por favor.",
           "Las zapatillas del pedido {order} me quedan pequeñas, ¿puedo cambiarlas?"),
    "it": ("Il vaso dell'ordine {order} è arrivato rotto, come posso fare?",
           "Vorrei annullare l'ordine {order}, grazie.",
           "Quando riceverò il rimborso per l'ordine {order}?"),
    "nl": ("De mok uit bestelling {order} is kapot aangekomen, wat nu?",
           "Ik wil bestelling {order} annuleren alstublieft.",
           "De schoenen uit bestelling {order} zijn te klein, kan ik ze ruilen?"),
    "pt": ("A caneca da encomenda {order} chegou partida, o que faço?",
           "Quero cancelar o pedido {order}, por favor.",
           "Quando recebo o reembolso da encomenda {order}?"),
}
_URL = re.compile(r"https?://\S+")


OUTCOMES = ("answered_correctly", "answered_wrongly", "handed_over_rightly", "handed_over_needlessly")


@dataclass
class Figures:
    asked: int = 0
    answered_correctly: int = 0
    answered_wrongly: int = 0
    handed_over_rightly: int = 0
    handed_over_needlessly: int = 0
    handoff_reasons: Counter[str] = field(default_factory=Counter)
    per_language: dict[str, Counter[str]] = field(default_factory=dict)
    wrong: list[str] = field(default_factory=list)
    probes: Figures | None = None  # the same questions asked again in the bot's other languages
    others: Figures | None = None  # questions on other topics: every answer to one is wrong

    def count(self, lang: str, outcome: str) -> None:
        self.asked += 1
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.per_language.setdefault(lang, Counter()).update(("asked", outcome))

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "asked": self.asked, **{k: getattr(self, k) for k in OUTCOMES},
            "answered_share": round(self.answered_correctly / self.asked, 3) if self.asked else 0.0,
            "handoff_reasons": dict(self.handoff_reasons.most_common()),
            "per_language": {lang: {k: counts[k] for k in ("asked", *OUTCOMES)}
                             for lang, counts in sorted(self.per_language.items())}}
        for name, part in (("probes", self.probes), ("other_questions", self.others)):
            if part is not None:
                out[name] = part.as_json()
        return out


def _reason_kind(reason: str) -> str:
    for cue, kind in (("no wording", "no wording in the language"), ("are off", "answers off in the language"),
                      ("language", "language not sure"),
                      ("not an order-status", "other intent"),
                      ("sure", "not sure of the intent"), ("not this contact", "order of someone else"),
                      ("no email or phone", "buyer not verifiable"),
                      ("orders match", "order not found"), ("cancelled", "order cancelled"),
                      ("shop unavailable", "shop unavailable"), ("person", "asks for a person"),
                      ("without tracking", "no tracking"), ("delivery problem", "delivery problem reported"),
                      ("more than the order", "asks for more than the status")):
        if cue in reason:
            return kind
    return reason


# Handoffs no answer could have avoided (besides a reported delivery problem).
RIGHT_HANDOFFS = ("order cancelled", "order not found", "order of someone else", "no tracking", "buyer not verifiable",
                  "language not sure", "answers off in the language", "no wording in the language")


def measure_order_questions(demo_bot: DemoBot, limit: int | None = None, *, probes: bool = True,
                            others: bool = True) -> Figures:
    """The seeded order-status questions (the first ``limit``), their probes, and as many of the seeded openings
    on other topics (refunds, damaged items, cancellations...), which the bot must never answer."""
    state = demo_bot.demo.state
    convs = [c for c in state.conversations if c.topic == "where_is_my_order" and c.n_seeded and c.order_idx >= 0]
    figures = Figures(probes=Figures() if probes else None, others=Figures() if others else None)
    langs = sorted(PROBES)
    for n, conv in enumerate(convs[:limit]):
        opening = next(m for m in state.messages(conv) if m["message_type"] == INCOMING)
        order = state.orders[conv.order_idx]
        problem = any(cue in opening["content"].lower() for cue in PROBLEM_CUES)
        _count(figures, f"{conv.id} ({conv.lang})", conv.lang, opening["content"], order, problem,
               _ask(demo_bot, conv.contact_id, opening["content"]))
        if figures.probes is not None:
            lang = langs[n % len(langs)]
            variants = PROBES[lang]
            text = variants[(n // len(langs)) % len(variants)].format(order=order.name)
            _count(figures.probes, f"{conv.id} ({lang})", lang, text, order, False,
                   _ask(demo_bot, conv.contact_id, text))
    if figures.others is not None:
        for conv in [c for c in state.conversations if c.topic != "where_is_my_order" and c.n_seeded][:limit]:
            opening = next(m for m in state.messages(conv) if m["message_type"] == INCOMING)
            said = _ask(demo_bot, conv.contact_id, opening["content"])
            answered = said is not None and said["content_attributes"].get("deskapp_bot", {}).get("action") == "answer"
            figures.others.count(conv.lang, "answered_wrongly" if answered else "handed_over_rightly")
            if answered:
                figures.others.wrong.append(f"{conv.id} ({conv.lang}, {conv.topic}): answered {opening['content']!r}")
        for n, (lang, text) in enumerate((lang, t) for lang, ts in sorted(OTHER_PROBES.items()) for t in ts):
            conv = convs[n % len(convs)]  # a buyer asks about their own order
            text = text.format(order=state.orders[conv.order_idx].name)
            said = _ask(demo_bot, conv.contact_id, text)
            answered = said is not None and said["content_attributes"].get("deskapp_bot", {}).get("action") == "answer"
            figures.others.count(lang, "answered_wrongly" if answered else "handed_over_rightly")
            if answered:
                figures.others.wrong.append(f"probe ({lang}): answered {text!r}")
    return figures


def _ask(demo_bot: DemoBot, contact_id: int, text: str) -> dict[str, Any] | None:
    """The contact asks ``text`` in a new web chat: the bot's last message there, if any."""
    demo, state = demo_bot.demo, demo_bot.demo.state
    started = requests.post(f"{demo.url}/demo/inboxes/{demo_bot.inbox_ids['web_chat']}/conversations",
                            json={"contact_id": contact_id, "content": text}, timeout=30)
    started.raise_for_status()
    demo_bot.settle()
    asked = state.conversation(started.json()["conversation_id"])
    assert asked is not None  # the hub has just made it
    said = [m for m in state.messages(asked) if m["sender_type"] == "agent_bot"]
    return said[-1] if said else None


def _count(figures: Figures, which: str, lang: str, text: str, order: Order, problem: bool,
           said: dict[str, Any] | None) -> None:
    """The bot's answer or handoff to an order-status question (in ``lang``), checked against the shop."""
    if said is None:
        figures.count(lang, "handed_over_needlessly")
        figures.wrong.append(f"{which}: no bot message")
        return
    mark = said["content_attributes"].get("deskapp_bot", {})
    content = said["content"] or ""
    if mark.get("action") == "answer":
        truth = order.tracking_url if order.fulfilled_at is not None else NOT_SHIPPED[lang]
        in_language = language.detect(_URL.sub("", content)) == lang
        ok = order.name in content and truth is not None and truth in content and in_language and not problem
        figures.count(lang, "answered_correctly" if ok else "answered_wrongly")
        if not ok:
            figures.wrong.append(f"{which}: answered {content[:80]!r} for {order.name}")
        return
    kind = _reason_kind(str(mark.get("reason", "")))
    figures.handoff_reasons[kind] += 1
    rightly = problem or kind in RIGHT_HANDOFFS
    figures.count(lang, "handed_over_rightly" if rightly else "handed_over_needlessly")
    if not rightly:
        figures.wrong.append(f"{which}: handed over ({mark.get('reason')}) {text[:60]!r}")
