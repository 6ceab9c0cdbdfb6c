"""Finds the help-center articles that answer a customer's message, offline: the message's telling words
matched in the articles' full-text index, fused with closeness in meaning (the triage embedding), preferring
articles in the message's language and in the topic of its intent. Only published articles are ever found."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import numpy as np

from deskapp.copilot.features import fold
from deskapp.copilot.past_replies import candidate_terms
from deskapp.copilot.similar_messages import scores
from deskapp.copilot.triage import shared_embedder
from deskapp.store import help_articles as rows
from deskapp.store.engine import Connection

EXCERPT_CHARS = 220
MIN_SCORE = 0.35  # below this an article is a guess: not shown
MIN_MEANING = 0.45  # cosine an article needs to be found by meaning alone (no shared word)
UNRELATED = 0.3  # below this cosine a word match is likely a coincidence
# The help-center topics an intent is about: an article in such a category (or titled so) ranks higher.
INTENT_TOPICS: dict[str, tuple[str, ...]] = {
    "order_status": ("track", "shipping", "deliver"), "delivery_problem": ("deliver", "shipping", "parcel"),
    "shipping_options": ("shipping", "deliver"), "shipping_address": ("address",),
    "cancel_order": ("cancel",), "change_order": ("cancel", "chang"),
    "refund": ("refund", "return"), "return_exchange": ("return", "exchang"),
    "damaged_or_wrong_item": ("damaged", "wrong"), "payment": ("payment", "pay"), "invoice": ("invoice",),
    "discount_code": ("discount",), "product_question": ("size", "fit"), "account": ("account", "password"),
}
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class ArticleMatch:
    article_id: int
    title: str
    url: str
    excerpt: str
    category: str
    locale: str
    score: float  # 0..1


def excerpt(body: str, terms: list[str], limit: int = EXCERPT_CHARS) -> str:
    """The body's sentences that hold most of ``terms`` (in body order), cut at ``limit`` characters."""
    sentences = [s.strip() for s in _SENTENCE.split(body) if len(s.strip()) > 2]
    if not sentences:
        return ""
    scored = sorted(range(len(sentences)), key=lambda i: -sum(t in fold(sentences[i]) for t in terms))
    picked, size = [], 0
    for i in scored:
        if size and size + len(sentences[i]) > limit:
            break
        picked.append(i)
        size += len(sentences[i]) + 1
    out = " ".join(sentences[i] for i in sorted(picked))
    return out if len(out) <= limit else out[:limit - 1].rsplit(" ", 1)[0] + "…"


class _Vectors:
    """The published articles' embeddings, kept per cache file until a sync changes the articles."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[str, tuple[tuple[int, int, int], list[int], np.ndarray]] = {}

    def get(self, conn: Connection) -> tuple[list[int], np.ndarray] | None:
        embedder = shared_embedder()
        if embedder is None:
            return None
        key, revision = str(conn.engine.url.database), rows.articles_revision(conn)
        with self._lock:
            found = self._held.get(key)
        if found is not None and found[0] == revision:
            return found[1], found[2]
        texts = rows.published_texts(conn)
        ids = [i for i, _ in texts]
        matrix = embedder.embed([t for _, t in texts]) if texts else np.zeros((0, 1), dtype=np.float32)
        with self._lock:
            self._held[key] = (revision, ids, matrix)
        return ids, matrix


_vectors = _Vectors()


def find_articles(conn: Connection, message: str, *, intents: dict[str, float] | None = None,
                  language: str | None = None, limit: int = 2) -> list[ArticleMatch]:
    """The published articles that best answer ``message``, best first, each scored 0..1."""
    terms = candidate_terms(message)
    scores: dict[int, float] = {}
    if terms:
        query = "{title description body} : (" + " OR ".join(f'"{t}"' for t in terms) + ")"
        hits = rows.matching_published(conn, query, limit=12)
        best = hits[0].score if hits else -1.0
        for h in hits:
            scores[h.id] = 0.5 * (h.score / best if best < 0 else 0.0)
    meaning = _meaning(conn, message)
    for article_id, cosine in meaning.items():
        if article_id in scores:
            if cosine < UNRELATED:  # shared words, other meaning ("have a nice day" is no question about days)
                scores[article_id] *= 0.5
            scores[article_id] += 0.7 * max(0.0, cosine)
        elif cosine >= MIN_MEANING:
            scores[article_id] = 0.7 * cosine
    if not scores:
        return []
    found = rows.by_ids(conn, sorted(scores, key=lambda i: -scores[i])[:12])
    topics = {t for intent, p in (intents or {}).items() if p >= 0.3 for t in INTENT_TOPICS.get(intent, ())}
    out = []
    for art in found:
        score = scores[art.id]
        if topics and any(t in fold(art.category + " " + art.title) for t in topics):
            score += 0.1
        if language and art.locale and not art.locale.startswith(language):
            score -= 0.3  # an answer in another language than the customer's comes last
        score = max(0.0, min(1.0, score))
        if score >= MIN_SCORE:
            out.append(ArticleMatch(art.id, art.title, art.url, excerpt(art.body, terms) or art.description,
                                    art.category, art.locale, score))
    out.sort(key=lambda a: -a.score)
    return out[:limit]


def _meaning(conn: Connection, message: str) -> dict[int, float]:
    held = _vectors.get(conn)
    embedder = shared_embedder()
    if held is None or embedder is None or not held[0]:
        return {}
    ids, matrix = held
    sims = scores(matrix, embedder.embed([message])[0])
    return dict(zip(ids, sims.tolist(), strict=True))


def insert_text(match: ArticleMatch) -> str:
    """What inserting an article puts in the composer: a short excerpt and the article's link."""
    return f"{match.excerpt}\n\n{match.title}: {match.url}" if match.excerpt else f"{match.title}: {match.url}"
