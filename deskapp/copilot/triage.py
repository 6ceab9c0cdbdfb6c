"""Labels a customer message with intent, urgency and sentiment (each with a score), offline, for sync and the CLI."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from deskapp.copilot.features import features, fold
from deskapp.copilot.model import HEADS, LinearModel, load_shipped_model, softmax_labels

URGENCY_ORDER = {label: rank for rank, label in enumerate(HEADS["urgency"])}

# Explicit threats and deadlines make a message urgent whatever the model thinks: these are the
# conversations a supervisor wants on top even when the wording is new to the model.
_URGENT_CUES = re.compile(
    r"chargeback|charge ?back|dispute|lawyer|solicitor|attorney|legal action|police|fraud|scam|"
    r"consumer protection|trading standards|the press\b|hacked|stolen card|"
    r"right now|immediately|asap|a\.s\.a\.p|today or|by tomorrow|before tomorrow|"
    r"anwalt|betrug|sofort|abogado|denuncia|urgente|avocat|plainte|immediatement"
)
_HIGH_CUES = re.compile(r"urgent|tomorrow|tonight|this weekend|wedding|funeral|birthday|medication|\bmorgen\b|"
                        r"third time|"
                        r"(?:2|3|4|two|three|four) weeks|still (?:no|not|nothing|waiting)")


@dataclass(frozen=True, slots=True)
class TriageResult:
    intent: str
    urgency: str
    sentiment: str
    intent_score: float
    urgency_score: float
    sentiment_score: float  # -1 (negative) .. +1 (positive)
    scores: dict[str, dict[str, float]]

    def as_json(self) -> dict:
        return {
            "intent": self.intent,
            "urgency": self.urgency,
            "sentiment": self.sentiment,
            "scores": {
                "intent": round(self.intent_score, 4),
                "urgency": round(self.urgency_score, 4),
                "sentiment": round(self.sentiment_score, 4) + 0.0,  # never "-0.0"
                "intents": {k: round(v, 4) for k, v in sorted(self.scores["intent"].items(),
                                                               key=lambda kv: -kv[1])[:3]},
            },
        }


def _bump(label: str, floor: str) -> str:
    return floor if URGENCY_ORDER[floor] > URGENCY_ORDER[label] else label


class Triager:
    """The model plus the few rules no model should be trusted to learn from a thousand examples."""

    def __init__(self, model: LinearModel) -> None:
        self.model = model

    def triage(self, text: str) -> TriageResult:
        feats = features(text)
        raw = self.model.scores(feats)
        probs = {head: softmax_labels(raw, head) for head in HEADS}
        intent = max(probs["intent"], key=probs["intent"].__getitem__)
        urgency = max(probs["urgency"], key=probs["urgency"].__getitem__)
        sentiment = max(probs["sentiment"], key=probs["sentiment"].__getitem__)
        folded = fold(text)
        bangs = "x:bang2" in feats
        shouting = "x:caps3" in feats or (bangs and ("x:caps" in feats or sentiment == "negative"))
        urgency_score = probs["urgency"][urgency]
        threat = _URGENT_CUES.search(folded)
        if threat or (shouting and URGENCY_ORDER[urgency] >= URGENCY_ORDER["high"]):
            urgency, urgency_score = "urgent", max(probs["urgency"]["urgent"], 0.9)
        elif _HIGH_CUES.search(folded) or shouting:
            bumped = _bump(urgency, "high")
            if bumped != urgency:
                urgency, urgency_score = bumped, max(probs["urgency"][bumped], 0.75)
        sp = probs["sentiment"]
        sentiment_score = sp["positive"] - sp["negative"]
        if (shouting or threat) and sentiment != "negative":
            # Shouting or threatening is never a neutral tone, whatever the words are about.
            sentiment, sentiment_score = "negative", min(sentiment_score, -0.5)
        return TriageResult(
            intent=intent,
            urgency=urgency,
            sentiment=sentiment,
            intent_score=probs["intent"][intent],
            urgency_score=urgency_score,
            sentiment_score=sentiment_score,
            scores=probs,
        )

    def triage_many(self, texts: list[str]) -> list[TriageResult]:
        return [self.triage(t) for t in texts]


_lock = threading.Lock()
_default: Triager | None = None


def default_triager() -> Triager:
    """The shipped model, loaded once per process."""
    global _default
    with _lock:
        if _default is None:
            _default = Triager(load_shipped_model())
        return _default
