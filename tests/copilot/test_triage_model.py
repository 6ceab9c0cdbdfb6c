"""The triage models: shipped data and files, labels in seven languages, "not sure", calibration, the fallback."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest

from deskapp.copilot import language
from deskapp.copilot.evaluate import evaluate
from deskapp.copilot.features import Embedder
from deskapp.copilot.model import (
    HEADS,
    NOT_SURE,
    IntentHead,
    LinearModel,
    load_shipped_head,
    load_shipped_model,
    shipped_model_path,
)
from deskapp.copilot.train import examples_path, load_examples, split_validation
from deskapp.copilot.triage import Triager, default_triager
from deskapp.domain import Intent


def test_training_data_covers_every_intent_with_variety():
    rows = [json.loads(line) for line in examples_path().read_text("utf-8").splitlines() if line.strip()]
    per_intent = Counter(r["intent"] for r in rows)
    assert set(per_intent) == {i.value for i in Intent}
    assert min(per_intent.values()) >= 150
    langs = Counter((r["intent"], r["lang"]) for r in rows)
    for intent in Intent:
        for lang in language.LANGUAGES:
            assert langs[(intent.value, lang)] >= 4, (intent, lang)
    lengths = [len(r["text"]) for r in rows]
    assert min(lengths) <= 5 and max(lengths) >= 250  # "?" to a full paragraph
    assert {r["urgency"] for r in rows} == set(HEADS["urgency"])
    assert {r["sentiment"] for r in rows} == set(HEADS["sentiment"])
    assert len({r["text"] for r in rows}) == len(rows), "duplicate examples would leak into the held-out split"


def test_shipped_model_is_small_and_built_from_the_current_data():
    data_dir = shipped_model_path().parent
    assert sum(p.stat().st_size for p in data_dir.iterdir()) < 25 * 1024 * 1024
    fit, validation = split_validation(load_examples())
    stale = "run `python -m deskapp.copilot.train` after editing data"
    assert load_shipped_model().meta["examples"] == len(fit), stale
    head = load_shipped_head()
    assert head.meta["validation_examples"] == len(validation), stale
    assert 0.3 <= head.threshold <= 0.7 and head.temperature > 0


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


@pytest.mark.parametrize(("message", "lang"), [
    ("wo ist meine Bestellung", "de"), ("Where is my order?", "en"), ("Je n'ai pas reçu mon colis", "fr"),
    ("Quiero devolver las zapatillas", "es"), ("Vorrei annullare il mio ordine", "it"),
    ("Ik wil mijn bestelling annuleren", "nl"), ("Quero cancelar a minha encomenda", "pt"),
])
def test_each_message_gets_its_language(message, lang):
    result = default_triager().triage(message)
    assert result.language == lang
    assert result.as_json()["language"] == lang


def test_too_short_to_tell_has_no_language():
    assert default_triager().triage("ok").language is None
    assert language.detect_many(["", "??", "🙂"]) == [None, None, None]


@pytest.mark.parametrize("message", ["asdkjh qwpoe zzxv", "fnord blorp wibble", "xq zz kkk"])
def test_gibberish_is_not_sure_and_keeps_its_guess(message):
    result = default_triager().triage(message)
    assert result.intent == NOT_SURE and result.not_sure
    assert result.guess in HEADS["intent"]
    assert result.intent_score < load_shipped_head().threshold
    assert result.as_json()["scores"]["guess"] == result.guess


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


def test_model_round_trips_and_refuses_a_file_for_other_labels():
    model = load_shipped_model()
    again = LinearModel.loads(model.dumps())
    text = "where is my parcel"
    assert Triager(again).triage(text).as_json() == Triager(model).triage(text).as_json()
    data = model.to_json()
    data["heads"]["intent"] = ["only_one"]
    with pytest.raises(ValueError, match="labels"):
        LinearModel.from_json(data)


def test_intent_head_round_trips_small_and_refuses_a_file_for_other_labels():
    head = load_shipped_head()
    blob = head.dumps()
    assert len(blob) < 200 * 1024
    again = IntentHead.loads(blob)
    assert (again.mix, again.temperature, again.threshold) == (head.mix, head.temperature, head.threshold)
    buf = io.BytesIO()
    np.savez_compressed(buf, weights=head.weights[:, :3], bias=head.bias[:3], scalars=np.ones(4),
                        meta=np.array(json.dumps({"format": 1, "intents": ["a", "b", "c"]})))
    with pytest.raises(ValueError, match="labels"):
        IntentHead.loads(buf.getvalue())


@pytest.fixture(scope="module")
def report():
    return evaluate(speed=False)


def test_evaluation_is_calibrated_and_its_reliability_rises_with_confidence(report):
    assert report["embedding"] is True
    assert report["calibration"]["ece"] <= 0.08
    rows = report["calibration"]["reliability"]
    assert sum(r["n"] for r in rows) == report["held_out_examples"]
    # Pairs of 0.1-wide bins (0.2 wide): accuracy rises with the confidence the model states.
    pairs = {}
    for r in rows:
        key = int(float(r["bin"].split("-")[0]) * 10) // 2
        n, right = pairs.get(key, (0, 0.0))
        pairs[key] = (n + r["n"], right + r["n"] * r["accuracy"])
    accuracy = [right / n for _k, (n, right) in sorted(pairs.items()) if n >= 20]
    assert len(accuracy) >= 4 and accuracy == sorted(accuracy)


def test_not_sure_is_right_more_often_than_the_guess(report):
    unsure = report["not_sure"]
    assert 0 < unsure["share"] < 0.4
    assert unsure["guess_accuracy_when_not_sure"] < 0.5
    assert unsure["accuracy_when_sure"] > report["accuracy"]["intent"]


def test_hybrid_beats_the_word_model_alone_on_the_held_out_split(report):
    assert report["accuracy"]["intent"] > report["word_model_alone"]["accuracy"]
    assert report["calibration"]["ece"] <= report["word_model_alone"]["ece"] + 0.02
    assert set(report["per_language"]) == set(language.LANGUAGES)
    assert all(row["n"] >= 20 for row in report["per_language"].values())
    assert report["language_detection_accuracy"] >= 0.85


@pytest.mark.timeout(600)
def test_evaluate_script_reports_accuracy_per_intent_on_the_held_out_split():
    out = subprocess.run([sys.executable, "-m", "deskapp.copilot.evaluate", "--json"], capture_output=True,
                         text=True, check=True, timeout=500)
    report = json.loads(out.stdout)
    assert set(report["per_intent"]) == {i.value for i in Intent}
    assert report["held_out_examples"] >= 150 and report["train_examples"] > report["held_out_examples"]
    assert all(row["n"] > 0 for row in report["per_intent"].values())
    assert report["accuracy"]["intent"] >= 0.72
    assert report["accuracy"]["sentiment"] >= 0.75
    assert report["throughput"]["batched_msg_per_s"] > 0 and report["cold_load"]["total_s"] > 0
    assert report["size"]["intent_head_bytes"] < report["size"]["embedding_bytes"]
