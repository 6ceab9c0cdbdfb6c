"""Triage of customer messages: intents in seven languages, "not sure", urgency, sentiment, fallback, odd input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from deskapp.copilot.features import Embedder, features
from deskapp.copilot.model import (
    HEADS,
    NOT_SURE,
    load_shipped_head,
    load_shipped_model,
    softmax_rows,
)
from deskapp.copilot.triage import Triager, default_triager


@pytest.mark.parametrize(("message", "intent"), [
    ("Where is my order #1042? I ordered last week", "order_status"),
    ("Tracking says delivered but there is no parcel at my door", "delivery_problem"),
    ("Please cancel my order, I ordered by mistake", "cancel_order"),
    ("I need to change the shipping address, I moved", "shipping_address"),
    ("When will I get my refund? I sent the return back 2 weeks ago", "refund"),
    ("The mug arrived broken", "damaged_or_wrong_item"),
    ("Can I get an invoice with my company VAT number?", "invoice"),
    ("My discount code says invalid", "discount_code"),
    ("I forgot my password and can't log in", "account"),
    ("I want to talk to a real person", "human_agent"),
    ("Thank you so much, great service!", "feedback"),
    ("How do I pause my subscription?", "subscription"),
    # "where is my order" is order_status (a parcel that went wrong is delivery_problem), in every language
    ("wo ist meine Bestellung", "order_status"),
    ("où est ma commande ???", "order_status"),
    ("Pakket staat al tien dagen stil bij PostNL", "delivery_problem"),
    ("quero cancelar a encomenda por favor", "cancel_order"),
    ("ho ricevuto il prodotto sbagliato 😡", "damaged_or_wrong_item"),
    ("¿Cómo cancelo mi suscripción mensual?", "subscription"),
])
def test_clear_messages_get_the_right_intent(message, intent):
    assert default_triager().triage(message).intent == intent


@pytest.mark.parametrize("message", ["asdkjh qwpoe zzxv", "fnord blorp wibble", "xq zz kkk"])
def test_gibberish_is_not_sure_and_keeps_its_guess(message):
    result = default_triager().triage(message)
    assert result.intent == NOT_SURE and result.not_sure
    assert result.guess in HEADS["intent"]
    assert result.intent_score < load_shipped_head().threshold
    assert result.as_json()["scores"]["guess"] == result.guess


def test_without_a_known_word_only_the_embedding_speaks():
    """Without a known word the word model has only its bias and letter n-grams: they are left out, so gibberish
    is no surer than the embedding finds it; a message with known words blends both."""
    t = default_triager()
    gibberish, clear = "fnord blorp wibble", "where is my order"
    assert not t.model.knows_a_word(features(gibberish)) and t.model.knows_a_word(features(clear))
    for message, blended in ((gibberish, False), (clear, True)):
        embedded = t.embedder.embed([message])
        alone = softmax_rows(t.head.embedding_logits(embedded) / t.head.temperature)[0]
        got = np.array([t.triage(message).scores["intent"][label] for label in HEADS["intent"]])
        assert np.allclose(got, alone, atol=1e-5) != blended, message


def test_without_the_embedding_triage_falls_back_to_the_word_model(tmp_path, caplog):
    caplog.set_level("WARNING")
    assert Embedder.load(tmp_path) is None, "files missing: no embedding"
    assert "intent embedding unavailable" in caplog.text
    fallback = Triager(load_shipped_model(), load_shipped_head(), None)
    assert not fallback.uses_embedding and default_triager().uses_embedding
    for message, intent in (("Where is my order #1042?", "order_status"),
                            ("The mug arrived broken", "damaged_or_wrong_item"),
                            ("How do I pause my subscription?", "subscription")):
        result = fallback.triage(message)
        assert result.intent == intent
        assert sum(result.scores["intent"].values()) == pytest.approx(1.0)
    assert fallback.triage("asdkjh qwpoe zzxv").not_sure, "calibrated by its own temperature, not sure still works"


def test_angry_and_time_critical_messages_are_urgent_and_negative():
    t = default_triager()
    for message in ("WHERE IS MY ORDER?!! I need it for the wedding tomorrow!!!",
                    "If I don't get my refund today I'm filing a chargeback with my bank",
                    "This is fraud, I'm contacting my lawyer"):
        result = t.triage(message)
        assert result.urgency == "urgent", message
        assert result.sentiment == "negative", message
        assert result.sentiment_score < 0
    calm = t.triage("Do you ship to Canada?")
    assert calm.urgency in ("low", "normal")
    happy = t.triage("Love it, thanks a lot!")
    assert happy.sentiment == "positive" and happy.sentiment_score > 0.5


@pytest.mark.parametrize("message", ["", "   ", "🙂🙂🙂", "\x00\x01", "a" * 1_000_000, "!!!!!!!!!!" * 5000,
                                     "<html><body>" + "x " * 200_000 + "</body></html>"])
@pytest.mark.timeout(10)  # a guard against input that would make triage hang, not a speed figure
def test_odd_and_huge_inputs_are_labelled(message):
    result = default_triager().triage(message)
    assert result.intent in (*HEADS["intent"], NOT_SURE) and result.urgency in HEADS["urgency"]
    assert -1.0 <= result.sentiment_score <= 1.0
    json.dumps(result.as_json())
