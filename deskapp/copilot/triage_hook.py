"""The sync apply-hook that triages new inbound messages and rolls the labels up to their conversations.

Runs inside the sync write transaction (``SyncEngine(apply_hooks=[triage_applied])``), so labels
land atomically with the messages they describe and the Urgent view is right as soon as rows appear.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import Any, Protocol

from deskapp.copilot.model import NOT_SURE, LinearModel
from deskapp.copilot.triage import URGENCY_ORDER, Triager, TriageResult, default_triager, triager_with
from deskapp.store import triage_rows
from deskapp.store.engine import Connection

# Follow-ups ("thanks!", "hello??", "can I talk to a person?") say little about what a conversation is about.
_FOLLOW_UP_INTENTS = frozenset({"other", "feedback", "human_agent", NOT_SURE})
_SUBSTANTIVE_WORDS = 4
_WEAK_SCORE = 0.35


class HasNewInbound(Protocol):
    new_inbound_message_ids: Iterable[int]


_cache_lock = threading.Lock()
_cache: dict[tuple[str, int], Triager] = {}


def triager_for(conn: Connection) -> Triager:
    """The newest retrained model in this cache, or the shipped one; loaded once per model row."""
    model_id = triage_rows.newest_model_id(conn)
    if model_id is None:
        return default_triager()
    key = (str(conn.engine.url.database), model_id)
    with _cache_lock:
        found = _cache.get(key)
    if found is not None:
        return found
    triager = triager_with(LinearModel.loads(triage_rows.model_blob(conn, model_id)))
    with _cache_lock:
        _cache.clear()  # one model per cache file in practice; don't keep old ones alive
        _cache[key] = triager
    return triager


def scores_json(result: TriageResult) -> str:
    """The message's ``triage_scores``: scores, the best guess behind a "not sure", and the language."""
    return json.dumps(result.as_json()["scores"], separators=(",", ":"))


def triage_messages(conn: Connection, message_ids: Iterable[int], *, triager: Triager | None = None) -> set[int]:
    """Label the given inbound messages; returns the conversation ids they belong to."""
    ids = [int(i) for i in message_ids]
    if not ids:
        return set()
    triager = triager or triager_for(conn)
    # An attachment alone has nothing to read: it stays unlabelled.
    readable = [row for row in triage_rows.inbound_texts(conn, ids) if row[2].strip()]
    results = triager.triage_many([body for _mid, _conv, body in readable])
    triage_rows.write_message_labels(conn, [(r.intent, r.urgency, r.sentiment, scores_json(r), mid)
                                            for (mid, _conv, _body), r in zip(readable, results, strict=True)])
    return {conv_id for _mid, conv_id, _body in readable}


def _substantive(intent: str, scores: dict, body: str) -> bool:
    return intent not in _FOLLOW_UP_INTENTS and len(body.split()) >= _SUBSTANTIVE_WORDS \
        and scores.get("intent", 0.0) >= _WEAK_SCORE


def _roll_up_one(conn: Connection, conversation_id: int) -> dict[str, Any] | None:
    rows = triage_rows.recent_inbound_labels(conn, conversation_id)
    if not rows:
        return None
    parsed = [(r[0], r[1], r[2], json.loads(r[3] or "{}"), r[4] or "") for r in rows]  # newest first
    latest = parsed[0]
    # The topic is what the customer opened with; "thanks!", "any update?" or "hello??" later do not change it.
    opening = next((p for p in reversed(parsed) if _substantive(p[0], p[3], p[4])), latest)
    # Urgency: the worst of the last two messages, so a polite "any news?" does not calm an angry thread;
    # but a happy last word ("perfect, thanks!") means the fire is out.
    calm = latest[0] == "feedback" or latest[2] == "positive"
    worst = latest if calm else max(parsed[:2], key=lambda p: URGENCY_ORDER.get(p[1], 0))
    urgency, urgency_score = worst[1], worst[3].get("urgency")
    # An upset customer who had to chase us again is urgent even if no single message says so.
    upset = [p for p in parsed[:3] if p[2] == "negative" and URGENCY_ORDER.get(p[1], 0) >= URGENCY_ORDER["high"]]
    if not calm and urgency == "high" and len(upset) >= 2:
        urgency, urgency_score = "urgent", max(urgency_score or 0.0, 0.8)
    return {
        "intent": opening[0], "intent_score": opening[3].get("intent"),
        "urgency": urgency, "urgency_score": urgency_score,
        "sentiment": latest[2], "sentiment_score": latest[3].get("sentiment"),
        "id": conversation_id,
    }


def roll_up(conn: Connection, conversation_ids: Iterable[int]) -> None:
    """Conversation labels from their latest inbound messages; an agent-corrected (locked) one is left alone."""
    triage_rows.write_conversation_labels(
        conn, [p for cid in sorted(set(conversation_ids)) if (p := _roll_up_one(conn, cid)) is not None])


def triage_applied(conn: Connection, changes: HasNewInbound) -> None:
    """Apply-hook for the SyncEngine: label ``changes.new_inbound_message_ids`` and roll them up."""
    ids = list(getattr(changes, "new_inbound_message_ids", None) or ())
    if ids:
        roll_up(conn, triage_messages(conn, ids))
