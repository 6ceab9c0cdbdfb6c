"""Triage quality on the held-out split: `deskapp triage evaluate [--json]` (or `python -m deskapp.copilot.evaluate`).

Retrains on the training split (the validation part only calibrates), then reports intent accuracy overall,
per intent and per language, urgency and sentiment, calibration (expected calibration error and a
reliability table), what "not sure" catches, the word model alone (the fallback) for comparison,
throughput, model size and cold load time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from deskapp.copilot import language
from deskapp.copilot.features import Embedder
from deskapp.copilot.model import (
    HEADS,
    load_shipped_head,
    load_shipped_model,
    shipped_head_path,
    shipped_model_path,
)
from deskapp.copilot.train import Example, load_examples, split, split_validation, train_all
from deskapp.copilot.triage import Triager

BINS = 10


def reliability(confidence: list[float], correct: list[bool], bins: int = BINS) -> tuple[float, list[dict]]:
    """Expected calibration error and the table behind it: per confidence bin, how often the label was right."""
    conf, ok = np.asarray(confidence, dtype=float), np.asarray(correct, dtype=float)
    table, ece = [], 0.0
    for i in range(bins):
        lo, hi = i / bins, (i + 1) / bins
        inside = (conf >= lo) & ((conf < hi) if i < bins - 1 else (conf <= hi))
        n = int(inside.sum())
        if not n:
            continue
        mean_conf, acc = float(conf[inside].mean()), float(ok[inside].mean())
        ece += n / len(conf) * abs(acc - mean_conf)
        table.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": n, "confidence": round(mean_conf, 3),
                      "accuracy": round(acc, 3)})
    return round(ece, 4), table


def _intent_report(triager: Triager, held: list[Example]) -> dict[str, Any]:
    results = triager.triage_many([e.text for e in held])
    total: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    lang_total: Counter[str] = Counter()
    lang_correct: Counter[str] = Counter()
    head_total: Counter[str] = Counter()
    head_correct: Counter[str] = Counter()
    confidence, right, unsure_right = [], [], []
    for ex, r in zip(held, results, strict=True):
        got = {"intent": r.guess, "urgency": r.urgency, "sentiment": r.sentiment}
        for head, label in ex.labels.items():
            head_total[head] += 1
            head_correct[head] += got[head] == label
        intent = ex.labels["intent"]
        ok = r.guess == intent
        total[intent] += 1
        correct[intent] += ok
        lang_total[ex.lang] += 1
        lang_correct[ex.lang] += ok
        confidence.append(r.intent_score)
        right.append(ok)
        if r.not_sure:
            unsure_right.append(ok)
    ece, table = reliability(confidence, right)
    sure = [ok for ok, r in zip(right, results, strict=True) if not r.not_sure]
    return {
        "per_intent": {i: {"n": total[i], "accuracy": round(correct[i] / total[i], 3) if total[i] else None}
                       for i in HEADS["intent"]},
        "per_language": {k: {"n": lang_total[k], "accuracy": round(lang_correct[k] / lang_total[k], 3)}
                         for k in sorted(lang_total)},
        "accuracy": {h: round(head_correct[h] / head_total[h], 3) for h in HEADS if head_total[h]},
        "calibration": {"ece": ece, "reliability": table},
        "not_sure": {
            "threshold": triager.head.threshold if triager.head else None,
            "share": round(len(unsure_right) / len(held), 3),
            # Below the threshold a guess is right this often: "not sure" is right when this is under 0.5.
            "guess_accuracy_when_not_sure": round(float(np.mean(unsure_right)), 3) if unsure_right else None,
            "accuracy_when_sure": round(float(np.mean(sure)), 3) if sure else None,
        },
    }


def _throughput(triager: Triager, texts: list[str]) -> dict[str, float]:
    """Messages per second of wall time, and per second of this process' CPU time (all its threads): on a
    shared machine the second says what the code costs, the first what this run got."""
    batch = (texts * (2000 // max(len(texts), 1) + 1))[:2000]
    triager.triage_many(batch[:50])  # warm up
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(batch), 200):
        triager.triage_many(batch[i:i + 200])
    batched = len(batch) / (time.perf_counter() - wall)
    batched_cpu = len(batch) / max(time.process_time() - cpu, 1e-9)
    wall = time.perf_counter()
    for text in batch[:500]:
        triager.triage(text)
    single = 500 / (time.perf_counter() - wall)
    return {"batched_msg_per_s": round(batched), "batched_msg_per_cpu_s": round(batched_cpu),
            "one_by_one_msg_per_s": round(single)}


def _cold_load() -> dict[str, float]:
    """Seconds to load the shipped files in a fresh process (lingua keeps loaded n-grams for the process' life):
    what the first triage waits for."""
    code = "import json; from deskapp.copilot.evaluate import cold_load_here; print(json.dumps(cold_load_here()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,  # noqa: S603 - our code
                         timeout=300)
    return json.loads(out.stdout)


def cold_load_here() -> dict[str, float]:
    start = time.perf_counter()
    model, head = load_shipped_model(), load_shipped_head()
    models = time.perf_counter()
    embedder = Embedder.load()
    embedding = time.perf_counter()
    for detector in language._build() or ():
        detector.detect_language_of("wo ist meine Bestellung")  # lingua loads its n-grams on first use
    detection = time.perf_counter()
    Triager(model, head, embedder, detect_language=False).triage("warm")
    return {"models_s": round(models - start, 3), "embedding_s": round(embedding - models, 3),
            "language_s": round(detection - embedding, 3), "total_s": round(detection - start, 3)}


def _sizes() -> dict[str, int]:
    sizes = {"word_model_bytes": shipped_model_path().stat().st_size,
             "intent_head_bytes": shipped_head_path().stat().st_size}
    try:
        import wordllama

        sizes["embedding_bytes"] = (Path(wordllama.__file__).parent / Embedder.WEIGHTS).stat().st_size
    except (ImportError, OSError):
        sizes["embedding_bytes"] = 0
    return sizes


def evaluate(*, speed: bool = True) -> dict[str, Any]:
    """Train on the training split only, calibrate on its validation part, then score the held-out split."""
    train_set, held = split(load_examples())
    fit, validation = split_validation(train_set)
    embedder = Embedder.load()
    model, head = train_all(train_set, embedder)
    triager = Triager(model, head, embedder, detect_language=False)
    report: dict[str, Any] = {
        "train_examples": len(fit), "validation_examples": len(validation), "held_out_examples": len(held),
        "embedding": embedder is not None,
        **_intent_report(triager, held),
    }
    fallback = _intent_report(Triager(model, head, None, detect_language=False), held)
    report["word_model_alone"] = {"accuracy": fallback["accuracy"]["intent"], "ece": fallback["calibration"]["ece"],
                                  "per_intent": {k: v["accuracy"] for k, v in fallback["per_intent"].items()}}
    detected = language.detect_many([e.text for e in held])
    report["language_detection_accuracy"] = round(
        float(np.mean([d == e.lang for d, e in zip(detected, held, strict=True)])), 3)
    if speed:
        with_language = Triager(model, head, embedder)
        report["throughput"] = _throughput(with_language, [e.text for e in held])
        report["cold_load"] = _cold_load()
        report["size"] = _sizes()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deskapp.copilot.evaluate", description=__doc__)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = evaluate()
    if args.json:
        json.dump(report, sys.stdout, indent=1)
        print()
        return 0
    print(f"trained on {report['train_examples']} (+{report['validation_examples']} validation),"
          f" evaluated on {report['held_out_examples']} held-out examples")
    print(f"{'intent':<24}{'n':>4}  accuracy  (word model alone)")
    for intent, row in report["per_intent"].items():
        acc = "-" if row["accuracy"] is None else f"{row['accuracy']:.0%}"
        alone = report["word_model_alone"]["per_intent"][intent]
        print(f"{intent:<24}{row['n']:>4}  {acc:>8}  ({'-' if alone is None else f'{alone:.0%}'})")
    for head, acc in report["accuracy"].items():
        print(f"{'overall ' + head:<28}  {acc:.1%}")
    print(f"calibration error (ECE) {report['calibration']['ece']:.3f}; not sure: {report['not_sure']}")
    for row in report["calibration"]["reliability"]:
        print(f"  confidence {row['bin']}: n={row['n']:<4} mean {row['confidence']:.2f}  right {row['accuracy']:.2f}")
    for key in ("throughput", "cold_load", "size"):
        print(f"{key}: {report[key]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
