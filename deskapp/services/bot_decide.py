"""What the agent bot does with one webhook, for services.bot_service: parse Chatwoot's message_created payload,
ignore what must never be answered (its own and other bots' messages, agents, notes, mailbox auto-replies,
conversations a person has), and answer an order-status question only when it is sure, in the customer's
language (services.bot_wording); otherwise hand off.

Pure functions over plain data (no I/O, no Qt): the triage result, the language guess and the orders are given.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from deskapp.copilot.triage import TriageResult
from deskapp.domain import Order
from deskapp.services import bot_wording as bw

IGNORE, ANSWER, HANDOFF = "ignore", "answer", "handoff"
BOT_MARK = "deskapp_bot"  # the content_attributes key that marks the bot's messages as its own
ORDER_INTENTS = frozenset({"order_status"})
# Chatwoot's account labels are kebab-case; these intents map onto the usual help-desk label names.
INTENT_LABELS = {"order_status": "order-status", "cancel_order": "cancellation", "shipping_address": "address-change",
                 "return_exchange": "exchange", "damaged_or_wrong_item": "damaged", "discount_code": "discount",
                 "product_question": "pre-sales", "invoice": "billing", "payment": "billing",
                 "human_agent": "escalated"}
_ORDER_NUMBER = re.compile(r"(?:#\s?|\b(?:order|bestellung|bestelling|commande|pedido|ordine|encomenda)\s*"
                           r"(?:no\.?|nr\.?|number|n[°º]\.?)?\s*#?\s?)(\d{3,10})\b", re.IGNORECASE)
_ASKS_FOR_PERSON = re.compile(
    r"\b(?:speak|talk|chat)\s+(?:to|with)\s+(?:a|an|some|the|your)?\s*(?:real\s+|actual\s+|live\s+)?"
    r"(?:person|human|agent|someone|somebody|representative|manager|people)\b|\bhuman\s+(?:being|agent)\b|"
    r"\breal\s+person\b|\bnot\s+a\s+bot\b|\bno\s+bots?\b|\brepresentative\b|"
    r"\bmit\s+einem\s+(?:menschen|mitarbeiter)|\bparler\s+(?:à|a)\s+(?:un|une|quelqu)|"
    r"\bhablar\s+con\s+(?:una\s+persona|un\s+agente|alguien)|"
    r"\bparlare\s+con\s+(?:una\s+persona|un\s+operatore|qualcuno)|\bmet\s+een\s+(?:mens|medewerker|persoon)\b|"
    r"\been\s+medewerker\s+spreken|\bfalar\s+com\s+(?:uma\s+pessoa|um\s+atendente|algu[ée]m|um\s+humano)",
    re.IGNORECASE)
# A parcel the carrier calls delivered but the customer has not got is a claim for a person, not a status question
# (in each language the bot answers in; "has not arrived yet" is the status question, "never arrived" the claim).
_DELIVERY_PROBLEM = re.compile(
    r"(?:says|marked|shows|showing|listed)\s+(?:as\s+)?delivered|nothing at (?:my|the) door|"
    r"never (?:arrived|came|got it)|(?:didn'?t|did not|haven'?t|have not) (?:receive|get)|"
    r"\b(?:lost|stolen|missing)\b|"
    r"als zugestellt|zugestellt,? aber|nie angekommen|nicht erhalten|\b(?:verloren|gestohlen)\b|"
    r"comme livr[ée]|jamais (?:re[çc]u|arriv[ée])|\b(?:perdue?|vol[ée]e?)\b|"
    r"como entregad[oa]|nunca (?:lleg[óo]|recib[íi])|\b(?:perdid[oa]|robad[oa])\b|"
    r"risulta consegnat[oa]|mai (?:arrivat[oa]|ricevut[oa])|\b(?:pers[oa]|rubat[oa])\b|"
    r"als bezorgd|op bezorgd|nooit (?:aangekomen|ontvangen)|\b(?:kwijt|gestolen|zoekgeraakt)\b|"
    r"como entregue|nunca (?:chegou|recebi)|\b(?:extraviad[oa]|roubad[oa])\b",
    re.IGNORECASE)
# A damaged or ill-fitting item, an exchange, a refund, a cancellation or a new address: the message asks for more
# than where the order is, whatever the intent model says (it is weakest on these outside English: "El ... de mi
# pedido #1462 llegó roto" reads 0.96 order status), so a person takes it.
_OTHER_REQUEST = re.compile(
    r"\b(?:damaged|broken|torn|defective|faulty|too (?:small|big|large|tight)|wrong size|exchange|refund|cancel|"
    r"change (?:the |my )?(?:shipping |delivery )?address)|"
    r"beschädigt|kaputt|defekt|zerbrochen|mein geld|\bzu (?:klein|groß|gross|eng)\b|umtausch|erstatt|stornier|"
    r"adresse ändern|"
    r"endommag|cass[ée]|abîm[ée]|défectueu|trop (?:petit|grand|serr)|échang|rembours|\bannul|changer l'adresse|"
    r"\brot[oa]s?\b|dañad|defectuos|demasiado (?:pequeñ|grande)|cambiar|reembols|\bdevol|"
    r"\brott[oa]\b|danneggiat|difettos|troppo (?:piccol|grand|strett)|\bcambi|rimbors|\breso\b|indirizzo|"
    r"\bkapot|beschadigd|\bdefect|\bte (?:klein|groot|krap)\b|ruilen|terugbetal|geld terug|adres wijzigen|"
    r"\bpartid[oa]\b|danificad|estragad|defeituos|muito (?:pequen|grande|apertad)|\btroc|reembolso|morada|endereço",
    re.IGNORECASE)
_AUTO_SUBMITTED = re.compile(r"auto-(?:generated|replied|notified)", re.IGNORECASE)


class BadWebhook(ValueError):
    """The body is not a webhook this bot understands (not JSON, not an object, ids missing)."""


@dataclass(frozen=True, slots=True)
class Incoming:
    """The parts of Message#webhook_data the bot reads."""

    event: str
    message_id: int
    conversation_id: int
    inbox_id: int
    content: str
    message_type: str
    sender_type: str
    private: bool
    status: str
    labels: tuple[str, ...]
    contact_email: str
    contact_phone: str = ""
    content_attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Decision:
    action: str  # IGNORE | ANSWER | HANDOFF
    reason: str
    reply: str | None = None
    labels: tuple[str, ...] = ()
    order: str | None = None  # the order the answer is about
    language: str = bw.FALLBACK  # the language the bot writes to the customer in (answer or handoff)


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise BadWebhook(f"{what} is not an id: {value!r}")
    return int(value)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _digits(value: Any) -> str:
    return "".join(c for c in _text(value) if c.isdigit())


def parse_webhook(raw: bytes) -> Incoming:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadWebhook(f"not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadWebhook(f"expected an object, got {type(body).__name__}")
    event = _text(body.get("event"))
    if not event:
        raise BadWebhook("no event")
    conv = _obj(body.get("conversation"))
    if event != "message_created":  # conversation_opened / _resolved and the rest carry no message
        return Incoming(event, 0, _int(conv.get("id", body.get("id", 0)), "conversation id"), 0, "", "", "",
                        False, _text(conv.get("status", body.get("status"))), (), "")
    if not conv:
        raise BadWebhook("message_created without a conversation")
    sender = _obj(body.get("sender"))
    email = _text(sender.get("email")) or _text(_obj(_obj(conv.get("meta")).get("sender")).get("email"))
    inbox = _obj(body.get("inbox"))
    labels = conv.get("labels")
    labels = labels if isinstance(labels, list) else []
    attrs = _obj(body.get("content_attributes"))
    return Incoming(event=event, message_id=_int(body.get("id"), "message id"),
                    conversation_id=_int(conv.get("id"), "conversation id"),
                    inbox_id=_int(inbox.get("id", conv.get("inbox_id", 0)), "inbox id"),
                    content=_text(body.get("content")), message_type=_text(body.get("message_type")),
                    sender_type=_text(sender.get("type")), private=bool(body.get("private")),
                    status=_text(conv.get("status")), labels=tuple(str(x) for x in labels),
                    contact_email=email.strip().lower(), contact_phone=_digits(sender.get("phone_number")),
                    content_attributes=attrs)


def with_conversation(inc: Incoming, conv: Any) -> Incoming:
    """The webhook with the conversation as the hub has it now (GET conversation): its status, labels and
    contact are the hub's word, not the webhook body's, which anyone who reaches the bot could have written."""
    conv = _obj(conv)
    sender = _obj(_obj(conv.get("meta")).get("sender"))
    labels = conv.get("labels")
    return replace(inc, status=_text(conv.get("status")),
                   labels=tuple(str(x) for x in labels) if isinstance(labels, list) else inc.labels,
                   contact_email=_text(sender.get("email")).strip().lower(),
                   contact_phone=_digits(sender.get("phone_number")))


def is_auto_reply(attrs: dict[str, Any]) -> bool:
    """Message#auto_reply_email? (content_attributes.email.auto_reply) and the mail headers behind it
    (Auto-Submitted other than "no", X-Autoreply, X-Autorespond, Precedence auto_reply)."""
    email = _obj(attrs.get("email"))
    if email.get("auto_reply") is True:
        return True
    headers = _obj(email.get("headers"))
    folded = {str(k).lower(): str(v) for k, v in headers.items()}
    return bool(_AUTO_SUBMITTED.search(folded.get("auto-submitted", "")) or "x-autoreply" in folded
                or "x-autorespond" in folded or folded.get("precedence", "").lower() == "auto_reply")


def loop_guard(inc: Incoming) -> str | None:
    """Why this webhook must not be answered at all (None: it may be)."""
    if inc.event != "message_created":
        return f"event {inc.event} is no new message"
    if inc.message_type != "incoming":
        return f"{inc.message_type or 'untyped'} message: not the customer's"
    if inc.sender_type in ("agent_bot", "user") or BOT_MARK in inc.content_attributes:
        return f"sent by {inc.sender_type or 'this bot'}"
    if inc.private:
        return "private note"
    if is_auto_reply(inc.content_attributes):
        return "auto-reply from the customer's mailbox"
    if inc.status != "pending":
        return f"conversation is {inc.status or 'of unknown status'}: a person has it"
    return None


def order_numbers(text: str) -> list[str]:
    return list(dict.fromkeys(_ORDER_NUMBER.findall(text)))


def asks_for_person(text: str, triage: TriageResult) -> bool:
    return triage.intent == "human_agent" or bool(_ASKS_FOR_PERSON.search(text))


def labels_for(triage: TriageResult) -> tuple[str, ...]:
    intent = triage.intent if not triage.not_sure else triage.guess
    out = [INTENT_LABELS.get(intent, intent.replace("_", "-")), f"urgency-{triage.urgency}"]
    if triage.language:
        out.append(f"lang-{triage.language}")
    return tuple(out)


def order_reply(order: Order, language: str = bw.FALLBACK) -> tuple[str | None, str]:
    """(the answer in ``language``, why) for one order the customer surely asks about; no answer when a person
    should look."""
    fields = {"order": order.number, "links": " ".join(order.tracking_urls)}
    if order.cancelled_at is not None:
        return None, f"order {order.number} is cancelled"
    if order.delivered_at is not None:
        key = "delivered" if order.tracking_urls else "delivered_untracked"
        return bw.say(language, key, when=bw.when(language, order.delivered_at), **fields), \
            f"order {order.number} delivered"
    if order.fulfillment_status in ("fulfilled", "partially_fulfilled") and order.tracking_urls:
        key = "shipped_part" if order.fulfillment_status == "partially_fulfilled" else "shipped"
        return bw.say(language, key, when=bw.when(language, order.fulfilled_at), **fields), \
            f"order {order.number} in transit with tracking"
    if order.fulfillment_status in ("unfulfilled", "pending_fulfillment", "open", "in_progress", "scheduled"):
        return bw.say(language, "not_shipped", when=bw.when(language, order.placed_at), **fields), \
            f"order {order.number} not shipped yet"
    return None, f"order {order.number} is {order.fulfillment_status} without tracking"


def pick_order(inc: Incoming, by_number: dict[str, list[Order]], by_email: list[Order]) -> tuple[Order | None, str]:
    """Exactly one order the message is about, or why not: the number the customer gave (theirs only, when
    the contact's email is known), else the contact's only order."""
    numbers = order_numbers(inc.content)
    if len(numbers) > 1:
        return None, f"several order numbers in the message ({', '.join(numbers)})"
    if numbers:
        found = by_number.get(numbers[0], [])
        if len(found) != 1:
            return None, f"order #{numbers[0]}: {len(found)} orders match"
        order = found[0]
        # the order's status and tracking go only to its buyer: the contact's email or phone must be the order's
        if inc.contact_email and order.email and order.email.lower() == inc.contact_email:
            return order, f"order {order.number} by number, the contact's email"
        if inc.contact_phone and order.phone and _digits(order.phone) == inc.contact_phone:
            return order, f"order {order.number} by number, the contact's phone"
        if not (inc.contact_email or inc.contact_phone):
            return None, f"order {order.number}: the contact has no email or phone to tell it is theirs"
        return None, f"order {order.number} is not this contact's"
    if not inc.contact_email:
        return None, "no order number and no email to find the order by"
    live = [o for o in by_email if o.cancelled_at is None and o.delivered_at is None]
    if len(by_email) == 1 or len(live) == 1:
        order = by_email[0] if len(by_email) == 1 else live[0]
        return order, f"the contact's only {'' if len(by_email) == 1 else 'open '}order {order.number}"
    return None, f"{len(by_email)} orders for the contact and no number given"


def decide(inc: Incoming, triage: TriageResult, *, min_confidence: float, answered_before: bool,
           language: bw.LanguageGuess, by_number: dict[str, list[Order]] | None = None,
           by_email: list[Order] | None = None, lookup_error: str | None = None) -> Decision:
    """The decision for a message loop_guard let through, with the orders looked up for it and the language
    detector's guess at the message's language (which words the answer or handoff; triage.language labels)."""
    lang = bw.wording_language(language)
    decision = _decide(inc, triage, min_confidence, answered_before, lang, language, by_number or {},
                       by_email or [], lookup_error)
    return replace(decision, labels=labels_for(triage), language=lang or bw.FALLBACK)


def _decide(inc: Incoming, triage: TriageResult, min_confidence: float, answered_before: bool, lang: str | None,
            guess: bw.LanguageGuess, by_number: dict[str, list[Order]], by_email: list[Order],
            lookup_error: str | None) -> Decision:
    text = inc.content.strip()
    if not text:
        return Decision(HANDOFF, "no text to read (an attachment alone)")
    if asks_for_person(text, triage):
        return Decision(HANDOFF, "the customer asks for a person")
    if answered_before:
        return Decision(HANDOFF, "the bot answered this conversation once already")
    if triage.intent not in ORDER_INTENTS:
        return Decision(HANDOFF, f"intent {triage.intent} ({triage.intent_score:.2f}) is not an order-status question")
    if triage.intent_score < min_confidence:
        return Decision(HANDOFF, f"order status only {triage.intent_score:.2f} sure (< {min_confidence:.2f})")
    if _DELIVERY_PROBLEM.search(text):
        return Decision(HANDOFF, "the customer reports a delivery problem")
    if _OTHER_REQUEST.search(text):
        return Decision(HANDOFF, "the message asks for more than the order's status")
    if guess.code is not None and guess.code not in bw.PHRASES:
        return Decision(HANDOFF, f"no wording in language {guess.code}")
    if lang is None:
        return Decision(HANDOFF, f"language {guess.code or 'unknown'} not sure ({guess.share:.2f}, runner-up "
                                 f"{guess.runner_up:.2f})")
    if lang not in bw.ANSWER_LANGUAGES:
        return Decision(HANDOFF, f"answers in language {lang} are off")
    if lookup_error is not None:
        return Decision(HANDOFF, f"shop unavailable: {lookup_error}")
    order, why = pick_order(inc, by_number, by_email)
    if order is None:
        return Decision(HANDOFF, why)
    reply, status_why = order_reply(order, lang)
    if reply is None:
        return Decision(HANDOFF, status_why, order=order.number)
    return Decision(ANSWER, f"{why}; {status_why}", reply=reply, order=order.number)
