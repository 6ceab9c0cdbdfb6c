"""Turns a customer message into triage features: sparse strings (words, pairs, char n-grams, cues) and an embedding."""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

# Triage reads the opening of a message: intent and urgency are stated early, quoted history comes later.
MAX_CHARS = 600
CHAR_NGRAM_WORDS = 40
# The embedding reads less: its cost grows with the text, and the opening already says what the message is about.
EMBED_CHARS = 300
_TOKEN = re.compile(r"[a-z0-9]+|[!?]")
_WORD = re.compile(r"[^\W_]+")
_UPPER_WORD = re.compile(r"\b[A-Z]{3,}\b")
_COMBINING = re.compile(r"[\u0300-\u036f]")
_ASCII = re.compile(r"[\x00-\x7f]*")


def fold(text: str) -> str:
    """Lower-case and strip diacritics so 'Rückerstattung' and 'ruckerstattung' meet."""
    text = text[:MAX_CHARS]
    if _ASCII.fullmatch(text):
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).lower()


def features(text: str) -> list[str]:
    """Word unigrams, bigrams and prefixes, padded char 4-grams of longer words, and shouting/urgency cues."""
    raw = text[:MAX_CHARS]
    tokens = _TOKEN.findall(fold(raw))
    out = ["w:" + t for t in tokens]
    words = [t for t in tokens if t not in ("!", "?")]
    out.extend("b:" + a + "_" + b for a, b in itertools.pairwise(words))
    # A 4-letter prefix is a poor man's stemmer: refund/refunded/refunds, stornieren/storniert.
    out.extend("p:" + w[:4] for w in words if len(w) > 4)
    # Char n-grams (for typos and inflections) only over the opening words: they are the costly part.
    for w in words[:CHAR_NGRAM_WORDS]:
        if len(w) > 3 and not w.isdigit():
            padded = "<" + w + ">"
            out.extend("c:" + padded[i:i + 4] for i in range(len(padded) - 3))
    bangs = raw.count("!")
    if bangs >= 2:
        out.append("x:bang2")
    if "!!" in raw or "??" in raw:
        out.append("x:repeat_punct")
    shouted = len(_UPPER_WORD.findall(raw))
    if shouted:
        out.append("x:caps" if shouted < 3 else "x:caps3")
    if not words:
        out.append("x:empty")
    elif len(words) <= 3:
        out.append("x:short")
    elif len(words) > 40:
        out.append("x:long")
    return list(dict.fromkeys(out))


class Embedder:
    """Mean word vectors of wordllama's 256-dim static model, read from the files inside its wheel (never fetched)."""

    WEIGHTS = "weights/l2_supercat_256.safetensors"
    TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"

    def __init__(self, inference) -> None:
        self._inference = inference

    @classmethod
    def load(cls, root: Path | None = None) -> Embedder | None:
        """The embedding model, or None (logged) when its package or files are missing: triage then runs without it."""
        try:
            from safetensors import safe_open
            from tokenizers import Tokenizer
            from wordllama.inference import WordLlamaInference

            if root is None:
                import wordllama

                root = Path(wordllama.__file__).parent
            # Read the files directly: wordllama's own loader would try Hugging Face when a file is missing.
            with safe_open(str(root / cls.WEIGHTS), framework="np") as f:
                table = f.get_tensor("embedding.weight")
            tokenizer = Tokenizer.from_file(str(root / cls.TOKENIZER))
            return cls(WordLlamaInference(table, tokenizer, binary=False))
        except Exception as exc:  # whatever fails (package, files, format), triage carries on without it
            log.warning("intent embedding unavailable, triage uses word features only: %s", exc)
            return None

    def embed(self, texts: list[str]) -> np.ndarray:
        """One unit-length float32 row per text (its opening EMBED_CHARS characters)."""
        vecs = self._inference.embed([t[:EMBED_CHARS] or " " for t in texts], norm=True)
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), -1)
