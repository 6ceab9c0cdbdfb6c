"""Finds past inbound messages close in meaning to a new one, for past-reply suggestions that share no word
with it ("parcel held at the border" ~ "package stuck in customs").

Meaning is the triage embedding (wordllama, unit rows) beside what the intent head reads from it (its
probabilities over intents, unit length), weighted half and half: the embedding alone tells paraphrases from
other requests poorly (cosines 0.2-0.45 both), the intent part separates requests and the embedding then
ranks within one kind of request.

The newest RECENT inbound messages' vectors are kept in memory per cache file: built once on a background
thread (the first searches meanwhile find nothing by meaning, words still work), then topped up with the
messages that arrived since by each search (the newest TOP_UP of them: after a larger burst its older
messages are left out, the newest matter most). A search is one matrix-vector product.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np

from deskapp.copilot.features import EMBED_CHARS, Embedder
from deskapp.copilot.model import IntentHead, load_shipped_head, softmax_rows
from deskapp.copilot.triage import shared_embedder
from deskapp.store import past_reply_rows as rows
from deskapp.store.engine import Connection

log = logging.getLogger(__name__)
# Inbound messages searched by meaning (older ones are still found by their words): a search reads all their
# vectors (~1.1 KB each), a few ms for 20,000.
RECENT = 20_000
TOP_UP = 500  # new messages embedded by one search at most (~50 ms)
BUILD_CHUNK = 2_000
_HALF = float(np.sqrt(0.5))
_head: IntentHead | None = None


def meaning_vectors(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """One unit row per text: the embedding and the intent head's probabilities, each scaled by sqrt(1/2),
    so a dot product is the mean of the two cosines."""
    global _head
    if _head is None:
        _head = load_shipped_head()
    embedded = embedder.embed(texts)
    probs = softmax_rows(_head.embedding_logits(embedded))
    probs /= np.linalg.norm(probs, axis=1, keepdims=True)
    return np.hstack([_HALF * embedded, _HALF * probs]).astype(np.float32)


def scores(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Each row's dot product with ``vector``. einsum, not BLAS: a multi-threaded BLAS gemv spins its threads
    against whatever else keeps the cores busy (15 ms instead of 1.5 ms for 10,000 rows on a loaded 2-core
    machine); einsum's single loop does not."""
    return np.einsum("ij,j->i", matrix, vector)


@dataclass(frozen=True)
class SimilarMessage:
    message_id: int
    conversation_id: int
    sent_at: int
    similarity: float  # cosine, -1..1


class MeaningIndex:
    """The vectors of one cache file's newest inbound messages (ids ascending, unit rows)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids = np.zeros(0, dtype=np.int64)
        self.conversations = np.zeros(0, dtype=np.int64)
        self.sent = np.zeros(0, dtype=np.int64)
        self.matrix = np.zeros((0, 1), dtype=np.float32)
        self.ready = threading.Event()
        self.failed: str | None = None

    @property
    def newest_id(self) -> int:
        return int(self.ids[-1]) if len(self.ids) else 0

    def add(self, found: list[tuple[int, int, int, str]], vectors: np.ndarray) -> None:
        """Append messages (any order) with their vectors, keeping the newest RECENT."""
        if not found:
            return
        order = np.argsort([f[0] for f in found])
        ids = np.array([found[i][0] for i in order], dtype=np.int64)
        with self.lock:
            keep = ids > self.newest_id
            if not keep.any():
                return
            mat = vectors[order][keep]
            self.ids = np.concatenate([self.ids, ids[keep]])[-RECENT:]
            self.conversations = np.concatenate(
                [self.conversations, np.array([found[i][1] for i in order], dtype=np.int64)[keep]])[-RECENT:]
            sent = np.array([found[i][2] for i in order], dtype=np.int64)[keep]
            self.sent = np.concatenate([self.sent, sent])[-RECENT:]
            self.matrix = mat if self.matrix.shape[0] == 0 else np.concatenate([self.matrix, mat])[-RECENT:]

    def search(self, vector: np.ndarray, *, other_than: int, limit: int) -> list[SimilarMessage]:
        with self.lock:
            ids, convs, sent, matrix = self.ids, self.conversations, self.sent, self.matrix
        if not len(ids):
            return []
        sims = scores(matrix, vector)
        sims[convs == other_than] = -1.0
        top = np.argpartition(-sims, min(limit * 4, len(sims) - 1))[:limit * 4]
        top = top[np.argsort(-sims[top])]
        out, seen = [], set()
        for i in top:
            if int(convs[i]) in seen or sims[i] <= -1.0:
                continue
            seen.add(int(convs[i]))
            out.append(SimilarMessage(int(ids[i]), int(convs[i]), int(sent[i]), float(sims[i])))
            if len(out) == limit:
                break
        return out


_indexes: dict[str, MeaningIndex] = {}
_indexes_lock = threading.Lock()


def _build(index: MeaningIndex, engine) -> None:
    embedder = shared_embedder()
    try:
        if embedder is None:
            raise RuntimeError("no embedding model")
        with engine.connect() as conn:
            found = rows.inbound_texts(conn, after_id=0, newest=RECENT, chars=EMBED_CHARS)
        parts = [meaning_vectors(embedder, [t for *_, t in found[i:i + BUILD_CHUNK]])
                 for i in range(0, len(found), BUILD_CHUNK)]
        index.add(found, np.concatenate(parts) if parts else np.zeros((0, 1), dtype=np.float32))
        log.info("meaning index: %d inbound messages", len(index.ids))
    except Exception as exc:  # words still find past replies: log and carry on without meanings
        index.failed = str(exc)
        log.warning("meaning index not built: %s", exc)
    finally:
        index.ready.set()


def index_for(conn: Connection, *, wait: bool = False) -> MeaningIndex:
    """The cache file's index; the first call starts its build in the background (``wait``: until it is done)."""
    key = str(conn.engine.url.database)
    with _indexes_lock:
        index = _indexes.get(key)
        if index is None:
            index = _indexes[key] = MeaningIndex()
            threading.Thread(target=_build, args=(index, conn.engine), name="meaning-index", daemon=True).start()
    if wait:
        index.ready.wait()
    return index


def forget(conn: Connection) -> None:
    """Drop the cache file's index (a rebuilt or replaced cache)."""
    with _indexes_lock:
        _indexes.pop(str(conn.engine.url.database), None)


def similar_messages(conn: Connection, conversation_id: int, message: str, *, limit: int = 3,
                     wait: bool = False) -> list[SimilarMessage]:
    """Inbound messages of other conversations closest in meaning to ``message``, best first (one per
    conversation); empty while the index is still being built, unless ``wait``."""
    embedder = shared_embedder()
    if embedder is None or not message.strip():
        return []
    index = index_for(conn, wait=wait)
    if not index.ready.is_set() or index.failed:
        return []
    fresh = rows.inbound_texts(conn, after_id=index.newest_id, newest=TOP_UP, chars=EMBED_CHARS)
    if fresh:
        index.add(fresh, meaning_vectors(embedder, [t for *_, t in fresh]))
    return index.search(meaning_vectors(embedder, [message])[0], other_than=conversation_id, limit=limit)
