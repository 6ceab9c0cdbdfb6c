"""The cache side of automatic triage, for copilot.triage_hook: the newest retrained model, the inbound
messages to label, the labels written on messages, and the conversation labels rolled up from them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Row, text

from deskapp.store.ingest_util import chunks


def newest_model_id(conn: Connection) -> int | None:
    """The id of the newest retrained model in this cache; None: use the shipped one."""
    found = conn.execute(text("SELECT id FROM triage_model ORDER BY id DESC LIMIT 1")).scalar()
    return int(found) if found is not None else None


def model_blob(conn: Connection, model_id: int) -> bytes:
    return bytes(conn.execute(text("SELECT model FROM triage_model WHERE id = :id"), {"id": model_id}).scalar_one())


def inbound_texts(conn: Connection, message_ids: Sequence[int]) -> list[tuple[int, int, str]]:
    """(message id, conversation id, text) of those of ``message_ids`` that are inbound."""
    found: list[tuple[int, int, str]] = []
    for chunk in chunks(list(message_ids)):
        marks = ",".join("?" * len(chunk))
        found.extend((int(r[0]), int(r[1]), r[2] or "") for r in conn.exec_driver_sql(
            f"SELECT id, conversation_id, text FROM message WHERE id IN ({marks}) AND direction = 'in'",
            tuple(chunk)).all())
    return found


def write_message_labels(conn: Connection, labels: Iterable[tuple[str, str, str, str, int]]) -> None:
    """(intent, urgency, sentiment, triage_scores JSON, message id) per message."""
    rows = list(labels)
    if rows:
        conn.exec_driver_sql(
            "UPDATE message SET intent = ?, urgency = ?, sentiment = ?, triage_scores = ? WHERE id = ?", rows)


def recent_inbound_labels(conn: Connection, conversation_id: int,
                          limit: int = 50) -> Sequence[Row[tuple[str, str, str, str | None, str | None]]]:
    """The labelled inbound messages of a conversation, newest first: (intent, urgency, sentiment,
    triage_scores JSON, text)."""
    return conn.exec_driver_sql(
        "SELECT intent, urgency, sentiment, triage_scores, text FROM message"
        " WHERE conversation_id = ? AND direction = 'in' AND intent IS NOT NULL"
        " ORDER BY sent_at DESC, id DESC LIMIT ?", (conversation_id, limit)).all()


def write_conversation_labels(conn: Connection, labels: list[dict[str, Any]]) -> None:
    """Each dict: id, intent, intent_score, urgency, urgency_score, sentiment, sentiment_score. A conversation
    an agent relabelled (locked) keeps the agent's labels."""
    if labels:
        conn.execute(text(
            "UPDATE conversation SET intent = :intent, intent_score = :intent_score, urgency = :urgency,"
            " urgency_score = :urgency_score, sentiment = :sentiment, sentiment_score = :sentiment_score"
            " WHERE id = :id AND triage_locked = 0"), labels)
