"""The held-out evaluation of the triage models: calibration, "not sure", the hybrid against the word model."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from deskapp.copilot import language
from deskapp.copilot.evaluate import evaluate
from deskapp.domain import Intent


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
