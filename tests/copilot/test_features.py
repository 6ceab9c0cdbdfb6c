"""Triage features of a message: folded text, word, pair, prefix and char n-gram features, cues, and the embedding."""

from __future__ import annotations

import numpy as np
import pytest

from deskapp.copilot.features import EMBED_CHARS, MAX_CHARS, Embedder, features, fold


def test_fold_lowercases_strips_accents_and_reads_only_the_opening():
    assert fold("Rückerstattung für CRÈME brûlée") == "ruckerstattung fur creme brulee"
    assert fold("Plain ASCII!") == "plain ascii!"
    assert fold("x" * (MAX_CHARS + 50)) == "x" * MAX_CHARS


def test_words_pairs_prefixes_and_char_ngrams():
    got = features("Refunded twice?")
    assert {"w:refunded", "w:twice", "w:?", "b:refunded_twice", "p:refu", "p:twic"} <= set(got)
    assert {"c:<ref", "c:ded>", "c:<twi", "c:ice>"} <= set(got)
    assert "b:twice_?" not in got, "punctuation makes no pairs"
    assert "x:short" in got
    assert len(got) == len(set(got))


def test_numbers_get_no_char_ngrams_and_short_words_no_prefix():
    got = features("order 104233 is late")
    assert "w:104233" in got and not any(f.startswith("c:") and "1042" in f for f in got)
    assert "p:late" not in got and "p:orde" in got


@pytest.mark.parametrize(("text", "cues", "absent"), [
    ("WHERE IS THE ORDER?!!", {"x:caps3", "x:repeat_punct", "x:bang2"}, {"x:caps"}),
    ("WHERE is my ORDER", {"x:caps"}, {"x:caps3", "x:bang2", "x:repeat_punct"}),
    ("Hello!! Are you there??", {"x:bang2", "x:repeat_punct"}, {"x:caps", "x:caps3"}),
    ("This is URGENT please help me", {"x:caps"}, {"x:caps3", "x:short"}),
    ("", {"x:empty"}, {"x:short"}),
    ("🙂🙂 ...", {"x:empty"}, set()),
    ("word " * 41, {"x:long"}, {"x:short"}),
])
def test_shouting_urgency_and_length_cues(text, cues, absent):
    got = set(features(text))
    assert cues <= got and not (absent & got)


def test_a_huge_message_is_read_only_as_far_as_its_opening():
    tail = " zzzunseen" * 100_000
    got = features("where is my parcel" + " filler" * 100 + tail)
    assert "w:zzzunseen" not in got
    assert features("a" * 10 + tail) == features("a" * 10 + tail[:MAX_CHARS])


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    loaded = Embedder.load()
    assert loaded is not None, "the embedding ships with the wordllama wheel"
    return loaded


def test_embeddings_are_unit_rows_and_similar_messages_are_closer(embedder):
    rows = embedder.embed(["Where is my parcel?", "My package has not arrived", "I love your mugs", ""])
    assert rows.shape[0] == 4 and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows[:3], axis=1), 1.0, atol=1e-4)
    assert rows[0] @ rows[1] > rows[0] @ rows[2]
    assert np.isfinite(rows[3]).all(), "an empty message still gets a row"


def test_only_the_opening_is_embedded(embedder):
    opening = "x " * (EMBED_CHARS // 2)
    same = embedder.embed([opening, opening + "refund my order now"])
    assert np.allclose(same[0], same[1])


def test_broken_model_files_leave_triage_without_the_embedding(tmp_path, caplog):
    caplog.set_level("WARNING")
    (tmp_path / "weights").mkdir()
    (tmp_path / Embedder.WEIGHTS).write_bytes(b"not a safetensors file")
    assert Embedder.load(tmp_path) is None
    assert "intent embedding unavailable" in caplog.text
