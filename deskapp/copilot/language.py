"""The language of a customer message (ISO 639-1 code), among the languages triage is trained for, offline."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)

LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt")
# Below this many letters no detector is reliable ("ok", "??"): such messages get no language.
MIN_LETTERS = 3
# The opening says which language a message is in; reading more only costs time (quoted history, signatures).
SAMPLE_CHARS = 200

# Under this many characters the full model (up to 5-grams) decides: the trigram-only "low accuracy" mode
# is about twice as fast but guesses wrong on chat-length text ("Where is my order?" -> German).
SHORT_CHARS = 80

_lock = threading.Lock()
_detectors: tuple | None = None
_loaded = False


def _build():
    """(full detector, low accuracy detector), or None when lingua is not installed."""
    try:
        from lingua import IsoCode639_1, LanguageDetectorBuilder
    except ImportError as exc:
        log.warning("language detection unavailable: %s", exc)
        return None
    codes = [getattr(IsoCode639_1, code.upper()) for code in LANGUAGES]
    # Only our languages: fewer models are faster and cannot answer a language we have no intents for.
    return (LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build(),
            LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_low_accuracy_mode().build())


def detectors():
    """Built once per process (the n-gram models load on first use); None when lingua is not installed."""
    global _detectors, _loaded
    with _lock:
        if not _loaded:
            _detectors, _loaded = _build(), True
        return _detectors


def _code(language) -> str | None:
    return None if language is None else language.iso_code_639_1.name.lower()


def confidence(text: str) -> tuple[str | None, float, float]:
    """The language of ``text`` with the detector's confidence (0..1, spread over our languages) in it and in the
    runner-up, by the same model ``detect`` uses for a text of that length; (None, 0.0, 0.0) when it cannot tell."""
    found = detectors()
    sample = text[:SAMPLE_CHARS]
    if found is None or sum(c.isalpha() for c in sample) < MIN_LETTERS:
        return None, 0.0, 0.0
    detector = found[0] if len(text) < SHORT_CHARS else found[1]
    values = detector.compute_language_confidence_values(sample)
    if not values or values[0].value <= 0.0:
        return None, 0.0, 0.0
    return _code(values[0].language), float(values[0].value), float(values[1].value) if len(values) > 1 else 0.0


def detect(text: str) -> str | None:
    """'de' for 'wo ist meine Bestellung'; None for text too short to tell or when detection is unavailable."""
    return detect_many([text])[0]


def detect_many(texts: list[str]) -> list[str | None]:
    found = detectors()
    if found is None:
        return [None] * len(texts)
    out: list[str | None] = [None] * len(texts)
    readable = [i for i, t in enumerate(texts) if sum(c.isalpha() for c in t[:SAMPLE_CHARS]) >= MIN_LETTERS]
    for detector, indexes in zip(found, ([i for i in readable if len(texts[i]) < SHORT_CHARS],
                                         [i for i in readable if len(texts[i]) >= SHORT_CHARS]), strict=True):
        samples = [texts[i][:SAMPLE_CHARS] for i in indexes]
        if len(samples) > 1:
            langs = detector.detect_languages_in_parallel_of(samples)
        else:
            langs = [detector.detect_language_of(sample) for sample in samples]
        for i, lang in zip(indexes, langs, strict=True):
            out[i] = _code(lang)
    return out
