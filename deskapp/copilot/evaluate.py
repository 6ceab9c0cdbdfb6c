"""Triage accuracy per intent (plus urgency, sentiment) on the held-out split: `python -m deskapp.copilot.evaluate`."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import Any

from deskapp.copilot.model import HEADS
from deskapp.copilot.train import load_examples, split, train
from deskapp.copilot.triage import Triager


def evaluate() -> dict[str, Any]:
    """Train on the training split only, then score the held-out split."""
    train_set, held = split(load_examples())
    triager = Triager(train(train_set))
    total: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    head_total: Counter[str] = Counter()
    head_correct: Counter[str] = Counter()
    for ex in held:
        result = triager.triage(ex.text)
        got = {"intent": result.intent, "urgency": result.urgency, "sentiment": result.sentiment}
        for head, label in ex.labels.items():
            head_total[head] += 1
            head_correct[head] += got[head] == label
        intent = ex.labels["intent"]
        total[intent] += 1
        correct[intent] += got["intent"] == intent
    per_intent = {i: {"n": total[i], "accuracy": round(correct[i] / total[i], 3) if total[i] else None}
                  for i in HEADS["intent"]}
    return {
        "train_examples": len(train_set),
        "held_out_examples": len(held),
        "per_intent": per_intent,
        "accuracy": {h: round(head_correct[h] / head_total[h], 3) for h in HEADS if head_total[h]},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deskapp.copilot.evaluate", description=__doc__)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = evaluate()
    if args.json:
        json.dump(report, sys.stdout, indent=1)
        print()
        return 0
    print(f"trained on {report['train_examples']}, evaluated on {report['held_out_examples']} held-out examples")
    print(f"{'intent':<24}{'n':>4}  accuracy")
    for intent, row in report["per_intent"].items():
        acc = "-" if row["accuracy"] is None else f"{row['accuracy']:.0%}"
        print(f"{intent:<24}{row['n']:>4}  {acc}")
    for head, acc in report["accuracy"].items():
        print(f"{'overall ' + head:<28}  {acc:.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
