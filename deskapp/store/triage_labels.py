"""Agents' triage labels in the cache, for services.triage: what a correction targets, the label and its
lock on the conversation, putting kept corrections back on re-synced conversations, and retrained models.

The corrections themselves live in the profile (store.profile_records), keyed by external ids; here
they meet the cache's row ids.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, text

from deskapp.store.engine import Database
from deskapp.store.ingest_util import chunks
from deskapp.store.profile_records import Correction

_SENTIMENT_SCORE = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}
# The column names a label may go to: they are spliced into SQL text, so nothing else may reach it.
LABEL_FIELDS = frozenset({"intent", "urgency", "sentiment"})


def _column(field: str) -> str:
    if field not in LABEL_FIELDS:
        raise ValueError(f"no triage label {field!r}")
    return field


@dataclass(frozen=True)
class CorrectionTarget:
    """The conversation (and the inbound message) an agent is relabelling, as the cache has them now."""

    account_id: int
    conversation_external_id: str
    old_value: str | None
    message_id: int | None
    message_external_id: str | None
    text: str


def current_labels(db: Database, conversation_id: int) -> tuple[str | None, str | None, str | None] | None:
    """(intent, urgency, sentiment) of a conversation as the cache has them; None when there is no such one."""
    with db.read() as conn:
        row = conn.exec_driver_sql("SELECT intent, urgency, sentiment FROM conversation WHERE id = ?",
                                   (conversation_id,)).first()
    return (row[0], row[1], row[2]) if row is not None else None


def correction_target(conn: Connection, conversation_id: int, field: str,
                      message_id: int | None = None) -> CorrectionTarget | None:
    """None when there is no such conversation; the message defaults to its latest inbound one."""
    conv = conn.execute(text(f"SELECT account_id, external_id, {_column(field)} FROM conversation WHERE id = :id"),
                        {"id": conversation_id}).first()
    if conv is None:
        return None
    if message_id is None:
        message_id = conn.execute(text(
            "SELECT id FROM message WHERE conversation_id = :c AND direction = 'in'"
            " ORDER BY sent_at DESC, id DESC LIMIT 1"), {"c": conversation_id}).scalar()
    message = conn.execute(text("SELECT external_id, text FROM message WHERE id = :id"),
                           {"id": message_id}).first() if message_id is not None else None
    return CorrectionTarget(conv[0], conv[1], conv[2], message_id if message else None,
                            message[0] if message else None, (message[1] or "") if message else "")


def _score(field: str, value: str) -> float:
    return _SENTIMENT_SCORE[value] if field == "sentiment" else 1.0


def set_label(conn: Connection, conversation_id: int, field: str, value: str, message_id: int | None) -> None:
    """The agent's label on the message and the conversation, locked so sync stops overwriting it."""
    field = _column(field)
    if message_id is not None:
        conn.execute(text(f"UPDATE message SET {field} = :v WHERE id = :id"), {"v": value, "id": message_id})
    conn.execute(text(f"UPDATE conversation SET {field} = :v, {field}_score = :s, triage_locked = 1 WHERE id = :id"),
                 {"v": value, "s": _score(field, value), "id": conversation_id})


def unlock(conn: Connection, conversation_id: int) -> tuple[int, str] | None:
    """Let sync label the conversation again; returns its (account, external id) for the profile."""
    conn.execute(text("UPDATE conversation SET triage_locked = 0 WHERE id = :id"), {"id": conversation_id})
    row = conn.execute(text("SELECT account_id, external_id FROM conversation WHERE id = :id"),
                       {"id": conversation_id}).first()
    return (row[0], row[1]) if row else None


def apply_corrections(conn: Connection, account_id: int, corrections: list[Correction],
                      conversation_ids: Iterable[int]) -> int:
    """Put kept corrections (oldest first) back on these re-synced conversations; returns how many applied."""
    ids = sorted({int(i) for i in conversation_ids})
    if not ids or not corrections:
        return 0
    wanted = {c.conversation_external_id for c in corrections}
    present: dict[str, int] = {}
    for chunk in chunks(ids):
        marks = ",".join("?" * len(chunk))
        present.update((ext, cid) for cid, ext in conn.exec_driver_sql(
            f"SELECT id, external_id FROM conversation WHERE id IN ({marks})", tuple(chunk)).all() if ext in wanted)
    applied = 0
    for c in corrections:
        conversation_id = present.get(c.conversation_external_id or "")
        if conversation_id is None:
            continue
        message_id = None
        if c.message_external_id is not None:
            message_id = conn.execute(text("SELECT id FROM message WHERE account_id = :a AND external_id = :e"),
                                      {"a": account_id, "e": c.message_external_id}).scalar()
        set_label(conn, conversation_id, c.field, c.new_value, message_id)
        applied += 1
    return applied


def store_model(conn: Connection, *, examples: int, corrections: int, blob: bytes) -> int:
    """A retrained model; the newest row is the one triage uses (copilot.triage_hook)."""
    return int(conn.execute(text(
        "INSERT INTO triage_model(created_at, examples, corrections, model) VALUES (:at, :n, :c, :m) RETURNING id"),
        {"at": int(time.time()), "n": examples, "c": corrections, "m": blob}).scalar_one())
