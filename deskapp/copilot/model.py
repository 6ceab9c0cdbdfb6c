"""The triage models and their files: a multi-head linear model over sparse features, and the calibrated intent head."""

from __future__ import annotations

import gzip
import io
import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from deskapp.domain import Intent, Sentiment, Urgency
from deskapp.domain.enums import NOT_SURE_INTENT

HEADS: dict[str, tuple[str, ...]] = {
    "intent": tuple(i.value for i in Intent),
    "urgency": tuple(u.value for u in Urgency),
    "sentiment": tuple(s.value for s in Sentiment),
}
FORMAT = 1


def _offsets() -> dict[str, tuple[int, int]]:
    spans, start = {}, 0
    for head, labels in HEADS.items():
        spans[head] = (start, start + len(labels))
        start += len(labels)
    return spans


OFFSETS = _offsets()
N_OUTPUTS = sum(len(v) for v in HEADS.values())


def output_index(head: str, label: str) -> int:
    return OFFSETS[head][0] + HEADS[head].index(label)


@dataclass
class LinearModel:
    """Scores for every head's labels: bias + the sum of each present feature's sparse weights."""

    weights: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    bias: list[float] = field(default_factory=lambda: [0.0] * N_OUTPUTS)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._dense: dict[str, tuple[float, ...]] | None = None

    def _vectors(self) -> dict[str, tuple[float, ...]]:
        # Scoring sums whole rows with zip/sum in C: ~1.5x faster than walking sparse pairs in Python.
        if self._dense is None:
            zero = [0.0] * N_OUTPUTS
            dense = {}
            for f, ws in self.weights.items():
                row = list(zero)
                for i, w in ws:
                    row[i] = w
                dense[f] = tuple(row)
            self._dense = dense
        return self._dense

    def scores(self, feats: list[str]) -> list[float]:
        rows = [v for v in map(self._vectors().get, feats) if v is not None]
        rows.append(tuple(self.bias))
        return list(map(sum, zip(*rows, strict=True)))

    def knows_a_word(self, feats: list[str]) -> bool:
        """Whether any word of the message carries weight here (not so for gibberish or an unseen language)."""
        vectors = self._vectors()
        return any(f.startswith("w:") and f in vectors for f in feats)

    def probabilities(self, feats: list[str]) -> dict[str, dict[str, float]]:
        s = self.scores(feats)
        return {head: softmax_labels(s, head) for head in HEADS}

    # --- files --------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "heads": {k: list(v) for k, v in HEADS.items()},
            "bias": [round(b, 5) for b in self.bias],
            "weights": {f: [[i, round(w, 4)] for i, w in ws] for f, ws in self.weights.items()},
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinearModel:
        if data.get("format") != FORMAT or data.get("heads") != {k: list(v) for k, v in HEADS.items()}:
            raise ValueError("triage model file does not match this version's labels")
        weights = {f: [(int(i), float(w)) for i, w in ws] for f, ws in data["weights"].items()}
        return cls(weights=weights, bias=[float(b) for b in data["bias"]], meta=data.get("meta", {}))

    def dumps(self) -> bytes:
        return gzip.compress(json.dumps(self.to_json(), separators=(",", ":")).encode(), mtime=0)

    @classmethod
    def loads(cls, blob: bytes) -> LinearModel:
        return cls.from_json(json.loads(gzip.decompress(blob)))


def softmax_labels(scores: list[float], head: str) -> dict[str, float]:
    lo, hi = OFFSETS[head]
    part = scores[lo:hi]
    top = max(part)
    exps = [math.exp(v - top) for v in part]
    total = sum(exps)
    return {label: e / total for label, e in zip(HEADS[head], exps, strict=True)}


SHIPPED_MODEL = "triage_model.json.gz"


def shipped_model_path() -> Path:
    return Path(str(resources.files("deskapp.copilot") / "data" / SHIPPED_MODEL))


def load_shipped_model() -> LinearModel:
    """The model trained at build time from data/triage_examples.jsonl (python -m deskapp.copilot.train)."""
    return LinearModel.loads(shipped_model_path().read_bytes())


SHIPPED_HEAD = "intent_head.npz"
NOT_SURE = NOT_SURE_INTENT  # the intent label when the calibrated confidence is below the head's threshold


HEAD_FORMAT = 2  # 2: a hidden layer between the embedding and the intent logits


@dataclass
class IntentHead:
    """Intent logits from an embedding (one ReLU hidden layer) added to the linear model's intent scores.

    ``temperature`` calibrates the combined logits and ``fallback_temperature`` the linear model's alone
    (used when the embedding cannot load); both are fitted on a validation split, like ``threshold``.
    """

    hidden_weights: np.ndarray  # (embedding dim, hidden)
    hidden_bias: np.ndarray  # (hidden,)
    weights: np.ndarray  # (hidden, intents)
    bias: np.ndarray  # (intents,)
    mix: float = 1.0  # weight of the linear model's intent scores in the sum
    temperature: float = 1.0
    fallback_temperature: float = 1.0
    threshold: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    def embedding_logits(self, embedded: np.ndarray) -> np.ndarray:
        """What the embedding alone says, uncalibrated, shape (n, intents).

        einsum, not BLAS: for a batch OpenBLAS splits the hidden layer's product over threads that then spin
        against the other work on a busy 2-core machine (batched triage ran at half its speed); einsum's single
        loop costs ~10 us a message and leaves the cores alone.
        """
        hidden = np.maximum(np.einsum("nd,dh->nh", embedded, self.hidden_weights) + self.hidden_bias, 0.0)
        return np.einsum("nh,hk->nk", hidden, self.weights) + self.bias

    def logits(self, embedded: np.ndarray | None, sparse: np.ndarray) -> np.ndarray:
        """Calibrated logits, shape (n, intents); ``embedded`` None means the word features alone."""
        if embedded is None:
            return sparse / self.fallback_temperature
        return (self.embedding_logits(embedded) + self.mix * sparse) / self.temperature

    def dumps(self) -> bytes:
        buf = io.BytesIO()
        scalars = np.array([self.mix, self.temperature, self.fallback_temperature, self.threshold])
        meta = json.dumps({"format": HEAD_FORMAT, "intents": list(HEADS["intent"]), **self.meta})
        np.savez_compressed(buf, hidden_weights=self.hidden_weights.astype(np.float16),
                            hidden_bias=self.hidden_bias.astype(np.float32),
                            weights=self.weights.astype(np.float16), bias=self.bias.astype(np.float32),
                            scalars=scalars, meta=np.array(meta))
        return buf.getvalue()

    @classmethod
    def loads(cls, blob: bytes) -> IntentHead:
        with np.load(io.BytesIO(blob), allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta.pop("format", None) != HEAD_FORMAT or meta.pop("intents", None) != list(HEADS["intent"]):
                raise ValueError("intent head file does not match this version's labels")
            mix, temperature, fallback, threshold = (float(v) for v in z["scalars"])
            return cls(z["hidden_weights"].astype(np.float32), z["hidden_bias"].astype(np.float32),
                       z["weights"].astype(np.float32), z["bias"].astype(np.float32), mix, temperature, fallback,
                       threshold, meta)


def softmax_rows(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def shipped_head_path() -> Path:
    return Path(str(resources.files("deskapp.copilot") / "data" / SHIPPED_HEAD))


def load_shipped_head() -> IntentHead:
    return IntentHead.loads(shipped_head_path().read_bytes())
