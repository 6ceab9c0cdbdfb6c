"""Trains the triage model from data/ examples (plus agents' corrections): `python -m deskapp.copilot.train`.

Multinomial logistic regression per head, fitted by plain SGD over sparse features; a thousand
examples train in a few seconds in pure Python, so retraining with corrections happens on the
agent's machine without any download.
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

from deskapp.copilot.features import features
from deskapp.copilot.model import HEADS, N_OUTPUTS, OFFSETS, LinearModel, shipped_model_path

EXAMPLES = "triage_examples.jsonl"
HELD_OUT_SHARE = 0.2


@dataclass(frozen=True)
class Example:
    text: str
    labels: dict[str, str]  # head -> label; corrections carry only the head they fix
    weight: float = 1.0
    lang: str = "en"


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
        out.append(Example(row["text"], labels, lang=row.get("lang", "en")))
    return out


def is_held_out(example: Example) -> bool:
    """A stable split (by a checksum of the text), so every run evaluates on the same held-out examples."""
    return (zlib.crc32(example.text.encode()) % 1000) < HELD_OUT_SHARE * 1000


def split(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    train = [e for e in examples if not is_held_out(e)]
    held = [e for e in examples if is_held_out(e)]
    return train, held


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


def build_shipped_model(out: Path | None = None) -> LinearModel:
    """Train on every shipped example (the held-out split is for `evaluate`, which retrains without it)."""
    model = train(load_examples())
    (out or shipped_model_path()).write_bytes(model.dumps())
    return model


def main() -> int:
    model = build_shipped_model()
    print(f"trained on {model.meta['examples']} examples, {model.meta['features']} features -> {shipped_model_path()}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
