"""Trains the triage models from data/ examples (plus agents' corrections): `python -m deskapp.copilot.train`.

Multinomial logistic regression per head, fitted by plain SGD over sparse features (pure Python, so
retraining with corrections happens on the agent's machine without any download); then the intent head
over the embedding (a small MLP), fitted in numpy, and its calibration (temperature, "not sure" threshold) on a
validation split the models never trained on.
"""

from __future__ import annotations

import json
import math
import random
import sys
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from deskapp.copilot.features import Embedder, features
from deskapp.copilot.model import (
    HEADS,
    N_OUTPUTS,
    OFFSETS,
    IntentHead,
    LinearModel,
    shipped_head_path,
    shipped_model_path,
    softmax_rows,
)

EXAMPLES = "triage_examples.jsonl"
HELD_OUT_SHARE = 0.2  # the test split: never trained or tuned on
VALIDATION_SHARE = 0.15  # calibration and the head's mix are fitted here, never the weights


@dataclass(frozen=True)
class Example:
    text: str
    labels: dict[str, str]  # head -> label; corrections carry only the head they fix
    weight: float = 1.0
    lang: str = "en"
    group: str = ""  # a messy variant's source text: a text and its variants fall in the same split


def examples_path() -> Path:
    return Path(str(resources.files("deskapp.copilot") / "data" / EXAMPLES))


def load_examples(path: Path | None = None) -> list[Example]:
    out = []
    for line in (path or examples_path()).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        labels = {head: row[head] for head in HEADS if row.get(head)}
        for head, label in labels.items():
            if label not in HEADS[head]:
                raise ValueError(f"unknown {head} {label!r} in training data: {row['text']!r}")
        out.append(Example(row["text"], labels, lang=row.get("lang", "en"), group=row.get("group", "")))
    return out


def _bucket(example: Example) -> int:
    # A stable split (by a checksum of the source text), so every run evaluates on the same examples.
    return zlib.crc32((example.group or example.text).encode()) % 1000


def is_held_out(example: Example) -> bool:
    return _bucket(example) < HELD_OUT_SHARE * 1000


def is_validation(example: Example) -> bool:
    return HELD_OUT_SHARE * 1000 <= _bucket(example) < (HELD_OUT_SHARE + VALIDATION_SHARE) * 1000


def split(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    """(training and validation, held-out test)."""
    train = [e for e in examples if not is_held_out(e)]
    held = [e for e in examples if is_held_out(e)]
    return train, held


def split_validation(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    """(fit, validation) out of the non-test examples."""
    return [e for e in examples if not is_validation(e)], [e for e in examples if is_validation(e)]


def _class_weights(examples: Iterable[Example]) -> dict[tuple[str, str], float]:
    # Rare labels (urgent, positive) get more weight, damped by a square root so they don't dominate.
    counts = Counter((h, lab) for e in examples for h, lab in e.labels.items())
    per_head: Counter[str] = Counter()
    for (h, _lab), n in counts.items():
        per_head[h] += n
    return {(h, lab): math.sqrt(per_head[h] / (len(HEADS[h]) * n)) for (h, lab), n in counts.items()}


def train(examples: list[Example], *, epochs: int = 8, rate: float = 0.4, seed: int = 7,
          prune: float = 0.05) -> LinearModel:
    """SGD with averaged weights (the mean over all steps is steadier than the last step on small data)."""
    rows = [(list(dict.fromkeys(features(e.text))), e) for e in examples]
    cw = _class_weights(examples)
    weights: dict[str, dict[int, float]] = defaultdict(dict)
    # Lazy averaging: ``shadow`` sums step * delta, so the average is weights - shadow / steps at the end.
    shadow: dict[str, dict[int, float]] = defaultdict(dict)
    bias = [0.0] * N_OUTPUTS
    bias_shadow = [0.0] * N_OUTPUTS
    rng = random.Random(seed)
    step = 1
    for epoch in range(epochs):
        rng.shuffle(rows)
        lr = rate / (1 + epoch * 0.5)
        for feats, ex in rows:
            scores = list(bias)
            for f in feats:
                for i, w in weights[f].items() if f in weights else ():
                    scores[i] += w
            for head, label in ex.labels.items():
                lo, hi = OFFSETS[head]
                top = max(scores[lo:hi])
                exps = [math.exp(s - top) for s in scores[lo:hi]]
                total = sum(exps)
                target = lo + HEADS[head].index(label)
                scale = lr * ex.weight * cw.get((head, label), 1.0)
                for i in range(lo, hi):
                    g = exps[i - lo] / total - (1.0 if i == target else 0.0)
                    if abs(g) < 1e-3:
                        continue
                    delta = -scale * g
                    bias[i] += delta * 0.1
                    bias_shadow[i] += step * delta * 0.1
                    for f in feats:
                        wf, sf = weights[f], shadow[f]
                        wf[i] = wf.get(i, 0.0) + delta
                        sf[i] = sf.get(i, 0.0) + step * delta
            step += 1
    sparse = {}
    for f, ws in weights.items():
        sf = shadow[f]
        kept = sorted((i, w - sf.get(i, 0.0) / step) for i, w in ws.items())
        kept = [(i, w) for i, w in kept if abs(w) >= prune]
        if kept:
            sparse[f] = kept
    averaged_bias = [b - bs / step for b, bs in zip(bias, bias_shadow, strict=True)]
    meta = {"examples": len(examples), "epochs": epochs, "features": len(sparse)}
    return LinearModel(weights=sparse, bias=averaged_bias, meta=meta)


def sparse_intent_scores(model: LinearModel, texts: list[str]) -> np.ndarray:
    lo, hi = OFFSETS["intent"]
    return np.array([model.scores(features(t))[lo:hi] for t in texts], dtype=np.float32).reshape(len(texts), hi - lo)


@dataclass(frozen=True)
class HeadShape:
    """How the embedding head is fitted: chosen on the validation split (an MLP read the paraphrases of
    held-back examples ~3 points better than softmax regression; dropping input dimensions keeps it from
    leaning on a few)."""

    hidden: int = 256
    epochs: int = 40
    dropout: float = 0.3
    l2: float = 1e-3
    rate: float = 1e-3
    batch: int = 128
    seed: int = 7


def _fit_mlp(x: np.ndarray, y: np.ndarray, classes: int, shape: HeadShape = HeadShape()
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One ReLU hidden layer, fitted by Adam on mini-batches of standardised inputs with input dropout;
    the standardisation is folded into the first layer, so the head reads raw embeddings."""
    rng = np.random.default_rng(shape.seed)
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = ((x - mu) / sd).astype(np.float32)
    params = [rng.normal(0, math.sqrt(2 / x.shape[1]), (x.shape[1], shape.hidden)).astype(np.float32),
              np.zeros(shape.hidden, dtype=np.float32),
              rng.normal(0, math.sqrt(1 / shape.hidden), (shape.hidden, classes)).astype(np.float32),
              np.zeros(classes, dtype=np.float32)]
    moments = [np.zeros_like(p) for p in params]
    squares = [np.zeros_like(p) for p in params]
    target = np.eye(classes, dtype=np.float32)[y]
    step = 0
    for _ in range(shape.epochs):
        order = rng.permutation(len(z))
        for start in range(0, len(z), shape.batch):
            rows = order[start:start + shape.batch]
            zb = z[rows] * (rng.random((len(rows), z.shape[1])) >= shape.dropout) / (1 - shape.dropout)
            w1, b1, w2, b2 = params
            hidden = np.maximum(zb @ w1 + b1, 0.0)
            g_out = (softmax_rows(hidden @ w2 + b2) - target[rows]) / len(rows)
            g_hidden = (g_out @ w2.T) * (hidden > 0)
            grads = [zb.T @ g_hidden + shape.l2 * w1, g_hidden.sum(axis=0), hidden.T @ g_out + shape.l2 * w2,
                     g_out.sum(axis=0)]
            step += 1
            for p, g, m, v in zip(params, grads, moments, squares, strict=True):
                m *= 0.9
                m += 0.1 * g
                v *= 0.999
                v += 0.001 * g * g
                p -= shape.rate * (m / (1 - 0.9 ** step)) / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
    w1, b1, w2, b2 = params
    raw_w1 = w1 / sd[:, None]
    return raw_w1.astype(np.float32), (b1 - mu @ raw_w1).astype(np.float32), w2, b2


def _nll(logits: np.ndarray, y: np.ndarray) -> float:
    p = softmax_rows(logits)[np.arange(len(y)), y]
    return float(-np.log(np.maximum(p, 1e-12)).mean())


def _temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The single temperature that minimises the validation log-loss (a grid is enough for one parameter)."""
    grid = np.geomspace(0.2, 8.0, 80)
    return float(grid[int(np.argmin([_nll(logits / t, y) for t in grid]))])


def _threshold(confidence: np.ndarray, correct: np.ndarray) -> float:
    """The highest confidence just under which (a band 0.1 wide) guesses were right at most half the time on the
    validation split: below it "not sure" is more often right than the guess."""
    best = 0.0
    for t in np.arange(0.2, 0.71, 0.05):
        band = (confidence >= t - 0.1) & (confidence < t)
        if band.sum() >= 10 and correct[band].mean() <= 0.5:
            best = float(round(t, 2))
    return best


def fit_intent_head(sparse: LinearModel, fit: list[Example], validation: list[Example],
                    embedder: Embedder) -> IntentHead:
    """The embedding head on ``fit``; its mix with the word model, temperatures and threshold on ``validation``."""
    labels = HEADS["intent"]
    fit = [e for e in fit if "intent" in e.labels]
    validation = [e for e in validation if "intent" in e.labels]
    y_fit = np.array([labels.index(e.labels["intent"]) for e in fit])
    hidden_weights, hidden_bias, weights, bias = _fit_mlp(embedder.embed([e.text for e in fit]), y_fit, len(labels))
    y_val = np.array([labels.index(e.labels["intent"]) for e in validation])
    texts = [e.text for e in validation]
    e_val, s_val = embedder.embed(texts), sparse_intent_scores(sparse, texts)
    head = IntentHead(hidden_weights, hidden_bias, weights, bias)
    head_val = head.embedding_logits(e_val)

    def quality(mix: float) -> tuple[float, float]:
        combined = head_val + mix * s_val
        return float((combined.argmax(axis=1) == y_val).mean()), -_nll(combined, y_val)

    mix = max((0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0), key=quality)
    combined = head_val + mix * s_val
    temperature = _temperature(combined, y_val)
    confidence = softmax_rows(combined / temperature).max(axis=1)
    threshold = _threshold(confidence, combined.argmax(axis=1) == y_val)
    meta = {"fit_examples": len(fit), "validation_examples": len(validation)}
    return IntentHead(hidden_weights, hidden_bias, weights, bias, mix, temperature, _temperature(s_val, y_val),
                      threshold, meta)


def train_all(examples: list[Example], embedder: Embedder | None) -> tuple[LinearModel, IntentHead | None]:
    """The word model on the non-validation examples given, then the intent head (None without an embedding)."""
    fit, validation = split_validation(examples)
    sparse = train(fit)
    if embedder is None:
        return sparse, None
    return sparse, fit_intent_head(sparse, fit, validation, embedder)


def build_shipped_model(out: Path | None = None, head_out: Path | None = None) -> tuple[LinearModel, IntentHead]:
    """Train on every shipped example but the validation split (kept for calibration). `evaluate` retrains
    without the held-out test split to measure."""
    embedder = Embedder.load()
    if embedder is None:
        raise SystemExit("the wordllama embedding is needed to build the shipped intent head")
    model, head = train_all(load_examples(), embedder)
    if head is None:
        raise SystemExit("the intent head could not be trained")
    (out or shipped_model_path()).write_bytes(model.dumps())
    (head_out or shipped_head_path()).write_bytes(head.dumps())
    return model, head


def main() -> int:
    model, head = build_shipped_model()
    print(f"trained on {model.meta['examples']} examples, {model.meta['features']} features -> {shipped_model_path()};"
          f" intent head mix {head.mix}, temperature {head.temperature:.2f}, not sure below {head.threshold}"
          f" -> {shipped_head_path()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
