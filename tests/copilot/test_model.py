"""The triage model files: round trips, and a file made for other labels refused."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from deskapp.copilot.model import (
    HEAD_FORMAT,
    HEADS,
    IntentHead,
    LinearModel,
    load_shipped_head,
    load_shipped_model,
)
from deskapp.copilot.triage import Triager


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
    assert np.array_equal(again.hidden_weights, head.hidden_weights) and np.array_equal(again.weights, head.weights)
    for fmt, intents in ((HEAD_FORMAT, ["a", "b", "c"]), (1, list(HEADS["intent"]))):  # other labels; the old layout
        buf = io.BytesIO()
        np.savez_compressed(buf, hidden_weights=head.hidden_weights, hidden_bias=head.hidden_bias,
                            weights=head.weights[:, :3], bias=head.bias[:3], scalars=np.ones(4),
                            meta=np.array(json.dumps({"format": fmt, "intents": intents})))
        with pytest.raises(ValueError, match="labels"):
            IntentHead.loads(buf.getvalue())
