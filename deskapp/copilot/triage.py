"""Labels a customer message with intent, urgency, sentiment (each scored) and language, offline, for sync and CLI.

The intent's score is a calibrated probability; below the model's threshold the intent is NOT_SURE and
the best guess stays in ``guess``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import numpy as np

from deskapp.copilot import language
from deskapp.copilot.features import Embedder, features, fold
from deskapp.copilot.model import (
    HEADS,
    NOT_SURE,
    OFFSETS,
    IntentHead,
    LinearModel,
    load_shipped_head,
    load_shipped_model,
    softmax_labels,
    softmax_rows,
)

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
    guess: str = ""  # the most likely intent, also when ``intent`` is NOT_SURE
    language: str | None = None  # ISO 639-1, None when too short to tell

    @property
    def not_sure(self) -> bool:
        return self.intent == NOT_SURE

    def as_json(self) -> dict:
        return {
            "intent": self.intent,
            "urgency": self.urgency,
            "sentiment": self.sentiment,
            "language": self.language,
            "scores": {
                "guess": self.guess,
                "language": self.language,
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
    """The models plus the few rules no model should be trusted to learn from a few thousand examples.

    Without ``head`` (or ``embedder``) the intent comes from the word model alone, calibrated by the head's
    fallback temperature when there is a head.
    """

    def __init__(self, model: LinearModel, head: IntentHead | None = None, embedder: Embedder | None = None,
                 *, detect_language: bool = True) -> None:
        self.model = model
        self.head = head
        self.embedder = embedder if head is not None else None
        self.detect_language = detect_language

    @property
    def uses_embedding(self) -> bool:
        return self.embedder is not None

    def triage(self, text: str) -> TriageResult:
        return self.triage_many([text])[0]

    def triage_many(self, texts: list[str]) -> list[TriageResult]:
        """Batched: one embedding call and one language-detection call for all texts."""
        if not texts:
            return []
        feats = [features(t) for t in texts]
        raw = [self.model.scores(f) for f in feats]
        intents = self._intent_probabilities(texts, raw, [self.model.knows_a_word(f) for f in feats])
        langs = language.detect_many(texts) if self.detect_language else [None] * len(texts)
        return [self._result(t, f, r, p, lang) for t, f, r, p, lang in zip(texts, feats, raw, intents, langs,
                                                                             strict=True)]

    def _intent_probabilities(self, texts: list[str], raw: list[list[float]], known: list[bool]
                              ) -> list[dict[str, float]]:
        labels = HEADS["intent"]
        if self.head is None:
            return [softmax_labels(r, "intent") for r in raw]
        lo, hi = OFFSETS["intent"]
        sparse = np.array([r[lo:hi] for r in raw], dtype=np.float32)
        embedded = self.embedder.embed(texts) if self.embedder is not None else None
        if embedded is not None:
            # Without a known word the word model has only its bias and letter n-grams to go on; added to the
            # embedding's logits they made gibberish look as sure as a real request, so the embedding decides alone.
            sparse[~np.array(known, dtype=bool)] = 0.0
        probs = softmax_rows(self.head.logits(embedded, sparse))
        return [dict(zip(labels, row.tolist(), strict=True)) for row in probs]

    def _result(self, text: str, feats: list[str], raw: list[float], intent_probs: dict[str, float],
                lang: str | None) -> TriageResult:
        probs = {head: softmax_labels(raw, head) for head in HEADS if head != "intent"}
        probs["intent"] = intent_probs
        guess = max(probs["intent"], key=probs["intent"].__getitem__)
        sure = self.head is None or probs["intent"][guess] >= self.head.threshold
        intent = guess if sure else NOT_SURE
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
            intent_score=probs["intent"][guess],
            urgency_score=urgency_score,
            sentiment_score=sentiment_score,
            scores=probs,
            guess=guess,
            language=lang,
        )


_lock = threading.Lock()
_default: Triager | None = None


_embedder: Embedder | None = None
_embedder_loaded = False


def shared_embedder() -> Embedder | None:
    """The embedding model, loaded once per process (None, logged, when it cannot load)."""
    global _embedder, _embedder_loaded
    with _lock:
        if not _embedder_loaded:
            _embedder, _embedder_loaded = Embedder.load(), True
        return _embedder


def triager_with(model: LinearModel) -> Triager:
    """A word model (shipped or retrained with corrections) with the shipped intent head and the embedding."""
    return Triager(model, load_shipped_head(), shared_embedder())


def default_triager() -> Triager:
    """The shipped models, loaded once per process."""
    global _default
    if _default is None:
        triager = triager_with(load_shipped_model())
        with _lock:
            _default = _default or triager
    return _default
