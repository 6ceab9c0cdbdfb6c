"""The training data the triage models are fitted on, and the shipped files built from it."""

from __future__ import annotations

import json
from collections import Counter

from deskapp.copilot import language
from deskapp.copilot.model import (
    HEADS,
    load_shipped_head,
    load_shipped_model,
    shipped_model_path,
)
from deskapp.copilot.train import examples_path, load_examples, split_validation
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
