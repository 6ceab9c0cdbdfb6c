"""services.bot_decide: webhook parsing, the loop guards, picking the order, answer or handoff, in the customer's
language."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from deskapp.copilot.triage import TriageResult
from deskapp.domain import Order
from deskapp.services import bot_decide as bd
from deskapp.services import bot_wording as bw

PLACED = datetime(2025, 5, 20, tzinfo=UTC)
EN = bw.LanguageGuess("en", 0.9, 0.05)


def _webhook(**over) -> bytes:
    body = {"event": "message_created", "id": 7, "content": "where is my order #1234?", "message_type": "incoming",
            "private": False, "content_attributes": {}, "inbox": {"id": 2, "name": "Chat"},
            "sender": {"id": 5, "type": "contact", "email": "Ann@Example.com", "phone_number": "+1 555 0100"},
            "conversation": {"id": 40, "status": "pending", "labels": ["vip"], "inbox_id": 2}}
    body.update(over)
    return json.dumps(body).encode()


def _triage(intent: str = "order_status", score: float = 0.9, language: str | None = "en") -> TriageResult:
    return TriageResult(intent=intent, urgency="normal", sentiment="neutral", intent_score=score, urgency_score=0.8,
                        sentiment_score=0.0, scores={}, guess=intent, language=language)


def _order(number: str = "#1234", email: str = "ann@example.com", **kw) -> Order:
    base = dict(external_id="gid://shopify/Order/1", number=number, customer_external_id=None, placed_at=PLACED,
                updated_at=PLACED, total=10.0, currency="USD", financial_status="paid",
                fulfillment_status="fulfilled", email=email, tracking_urls=("https://track.example/1",),
                fulfilled_at=PLACED, in_transit=True)
    base.update(kw)
    return Order(**base)


def test_parse_reads_what_the_bot_needs_from_message_webhook_data():
    inc = bd.parse_webhook(_webhook())
    assert (inc.message_id, inc.conversation_id, inc.inbox_id, inc.status) == (7, 40, 2, "pending")
    assert inc.contact_email == "ann@example.com" and inc.contact_phone == "15550100" and inc.labels == ("vip",)


@pytest.mark.parametrize("raw", [b"", b"null", b'"text"', b"{}", b'{"event": 3}',
                                 b'{"event": "message_created", "id": 1}',
                                 b'{"event": "message_created", "id": true, "conversation": {"id": 1}}'])
def test_parse_refuses_malformed_bodies(raw):
    with pytest.raises(bd.BadWebhook):
        bd.parse_webhook(raw)


@pytest.mark.parametrize(("over", "why"), [
    ({"message_type": "outgoing"}, "outgoing message"),
    ({"message_type": "activity"}, "activity message"),
    ({"sender": {"id": 1, "type": "agent_bot"}}, "sent by agent_bot"),
    ({"sender": {"id": 1, "type": "user"}}, "sent by user"),
    ({"content_attributes": {bd.BOT_MARK: {"action": "answer"}}}, "sent by"),
    ({"private": True}, "private note"),
    ({"content_attributes": {"email": {"auto_reply": True}}}, "auto-reply"),
    ({"content_attributes": {"email": {"headers": {"Auto-Submitted": "auto-replied"}}}}, "auto-reply"),
    ({"content_attributes": {"email": {"headers": {"X-Autoreply": "yes"}}}}, "auto-reply"),
    ({"conversation": {"id": 40, "status": "open"}}, "conversation is open"),
    ({"event": "conversation_opened"}, "event conversation_opened"),
])
def test_loop_guard_never_lets_bots_agents_or_auto_replies_through(over, why):
    assert why in (bd.loop_guard(bd.parse_webhook(_webhook(**over))) or "")


def test_auto_submitted_no_is_a_person_writing():
    attrs = {"email": {"headers": {"Auto-Submitted": "no"}}}
    assert bd.loop_guard(bd.parse_webhook(_webhook(content_attributes=attrs))) is None


def _decide(text: str = "where is my order #1234?", triage: TriageResult | None = None, **kw) -> bd.Decision:
    inc, triage = bd.parse_webhook(_webhook(content=text)), triage or _triage()
    guess = kw.pop("guess", None) or bw.LanguageGuess(triage.language, 0.9, 0.05)  # sure of triage's language
    return bd.decide(inc, triage, min_confidence=0.6, answered_before=kw.pop("answered", False), language=guess, **kw)


def test_answers_with_the_tracking_link_of_the_one_order_named():
    decision = _decide(by_number={"1234": [_order()]})
    assert decision.action == bd.ANSWER and "https://track.example/1" in (decision.reply or "")
    assert decision.labels == ("order-status", "urgency-normal", "lang-en") and decision.order == "#1234"


@pytest.mark.parametrize(("kw", "why"), [
    ({"by_number": {"1234": [_order(email="eve@example.com")]}}, "not this contact's"),
    ({"by_number": {"1234": []}}, "0 orders match"),
    ({"by_number": {"1234": [_order(cancelled_at=PLACED)]}}, "cancelled"),
    ({"lookup_error": "HttpStatusError 503"}, "shop unavailable"),
    ({"answered": True, "by_number": {"1234": [_order()]}}, "answered this conversation once"),
    ({"triage": _triage(score=0.4), "by_number": {"1234": [_order()]}}, "only 0.40 sure"),
    ({"triage": _triage(intent="refund"), "by_number": {"1234": [_order()]}}, "intent refund"),
    ({"guess": bw.LanguageGuess("de", 0.45, 0.2), "by_number": {"1234": [_order()]}},
     "language de not sure (0.45, runner-up 0.20)"),
    ({"guess": bw.LanguageGuess("pt", 0.53, 0.44), "by_number": {"1234": [_order()]}},
     "language pt not sure (0.53, runner-up 0.44)"),
    ({"triage": _triage(language=None), "by_number": {"1234": [_order()]}}, "language unknown not sure"),
])
def test_hands_off_whenever_it_is_not_sure(kw, why):
    decision = _decide(**kw)
    assert decision.action == bd.HANDOFF and why in decision.reason


def test_several_numbers_or_several_orders_without_a_number_go_to_a_person():
    assert "several order numbers" in _decide("orders #1234 and #1235?").reason
    two = [_order("#1", fulfillment_status="unfulfilled"), _order("#2", fulfillment_status="unfulfilled")]
    assert "2 orders" in _decide("where is my order?", by_email=two).reason
    one = _decide("where is my order?", by_email=[_order("#9", fulfillment_status="unfulfilled")])
    assert one.action == bd.ANSWER and "#9" in (one.reply or "") and "not shipped" in one.reason


def test_asking_for_a_person_wins_over_everything():
    for text in ("I want to speak to a person", "can I talk to a real human?", "Ich möchte mit einem Menschen sprechen",
                 "je veux parler à un conseiller", "quiero hablar con una persona"):
        assert _decide(text, by_number={"1234": [_order()]}).reason == "the customer asks for a person", text


def test_an_order_named_by_a_contact_without_email_or_phone_goes_to_a_person():
    inc = bd.parse_webhook(_webhook(sender={"id": 5, "type": "contact"},
                                    conversation={"id": 40, "status": "pending"}))
    decision = bd.decide(inc, _triage(), min_confidence=0.6, answered_before=False, language=EN,
                         by_number={"1234": [_order()]})
    assert decision.action == bd.HANDOFF and "no email or phone" in decision.reason
    phone = bd.parse_webhook(_webhook(sender={"id": 5, "type": "contact", "phone_number": "+44 20 7946 0000"}))
    by_phone = bd.decide(phone, _triage(), min_confidence=0.6, answered_before=False, language=EN,
                         by_number={"1234": [_order(email="", phone="+442079460000")]})
    assert by_phone.action == bd.ANSWER and "phone" in by_phone.reason


def test_the_hubs_conversation_overrides_what_the_webhook_body_claims():
    forged = bd.parse_webhook(_webhook(sender={"id": 5, "type": "contact", "email": "victim@example.com"}))
    hub = {"id": 40, "status": "open", "labels": [], "meta": {"sender": {"email": "Eve@Example.com"}}}
    real = bd.with_conversation(forged, hub)
    assert real.contact_email == "eve@example.com" and real.status == "open"
    assert "conversation is open" in (bd.loop_guard(real) or "")


def test_a_german_and_a_french_question_are_answered_in_that_language_with_the_tracking_link():
    german = _decide("Hallo, wo bleibt meine Bestellung #1234?", _triage(language="de"), by_number={"1234": [_order()]})
    assert german.action == bd.ANSWER and german.language == "de"
    assert german.reply == ("Gute Nachricht: Ihre Bestellung #1234 wurde am 20. Mai verschickt und ist unterwegs zu "
                            "Ihnen. Hier können Sie die Sendung verfolgen: https://track.example/1")
    french = _decide("Bonjour, où en est ma commande #1234 ?", _triage(language="fr"),
                     by_number={"1234": [_order(fulfillment_status="unfulfilled", tracking_urls=(),
                                                placed_at=datetime(2025, 5, 1, tzinfo=UTC))]})
    assert french.action == bd.ANSWER and french.language == "fr"
    assert "#1234 (passée le 1er mai)" in (french.reply or "") and "pas encore été expédiée" in (french.reply or "")


def test_a_handoff_is_worded_in_the_customers_language_only_when_the_detector_is_sure():
    sure = _decide("Ciao, vorrei parlare con una persona", _triage(language="it"))
    assert sure.action == bd.HANDOFF and sure.reason == "the customer asks for a person" and sure.language == "it"
    unsure = _decide("pedido #1234?", _triage(language="pt"), guess=bw.LanguageGuess("pt", 0.53, 0.44),
                     by_number={"1234": [_order()]})
    assert unsure.action == bd.HANDOFF and unsure.language == "en" and "not sure" in unsure.reason
    unknown = _decide(guess=bw.LanguageGuess("sv", 1.0), by_number={"1234": [_order()]})
    assert unknown.action == bd.HANDOFF and unknown.language == "en"
    assert unknown.reason == "no wording in language sv"


def test_answers_in_a_language_switched_off_are_handed_over_in_that_language(monkeypatch):
    monkeypatch.setattr(bw, "ANSWER_LANGUAGES", bw.ANSWER_LANGUAGES - {"nl"})
    decision = _decide("Waar blijft mijn bestelling #1234?", _triage(language="nl"), by_number={"1234": [_order()]})
    assert decision.action == bd.HANDOFF and decision.reason == "answers in language nl are off"
    assert decision.language == "nl" and bw.say(decision.language, "handoff").startswith("Ik geef u door")


@pytest.mark.parametrize(("text", "lang"), [
    ("Die Bestellung #1234 wurde als zugestellt markiert, ist aber nie angekommen", "de"),
    ("Ma commande #1234 est indiquée comme livrée mais je n'ai jamais reçu le colis", "fr"),
    ("Mi pedido #1234 aparece como entregado pero nunca llegó", "es"),
    ("Il mio ordine #1234 risulta consegnato ma non è mai arrivato", "it"),
    ("Mijn bestelling #1234 staat op bezorgd maar is nooit aangekomen", "nl"),
    ("A minha encomenda #1234 aparece como entregue mas nunca chegou", "pt"),
])
def test_a_delivered_parcel_reported_missing_goes_to_a_person_in_every_language(text, lang):
    decision = _decide(text, _triage(language=lang), by_number={"1234": [_order(delivered_at=PLACED)]})
    assert decision.action == bd.HANDOFF and decision.reason == "the customer reports a delivery problem"


@pytest.mark.parametrize("text", ["Ik wil met een medewerker praten", "Posso falar com uma pessoa?",
                                  "Vorrei parlare con un operatore"])
def test_asking_for_a_person_is_understood_in_dutch_portuguese_and_italian(text):
    assert _decide(text, by_number={"1234": [_order()]}).reason == "the customer asks for a person"


@pytest.mark.parametrize(("text", "lang"), [
    ("The jacket from order #1234 is too big, can I swap it?", "en"),
    ("Die Tasse aus Bestellung #1234 kam kaputt an. Was nun?", "de"),
    ("Le vase de la commande #1234 est arrivé cassé, que faire ?", "fr"),
    ("El Trail Running Shoes de mi pedido #1234 llegó roto. ¿Qué puedo hacer?", "es"),
    ("Vorrei annullare l'ordine #1234, grazie.", "it"),
    ("De schoenen uit bestelling #1234 zijn te klein, kan ik ze ruilen?", "nl"),
    ("Quando recebo o reembolso da encomenda #1234?", "pt"),
])
def test_a_message_asking_for_more_than_the_status_goes_to_a_person_whatever_the_intent_model_says(text, lang):
    decision = _decide(text, _triage(score=0.96, language=lang), by_number={"1234": [_order()]})
    assert decision.action == bd.HANDOFF and decision.reason == "the message asks for more than the order's status"
    assert decision.language == lang
