"""Triage use cases for the UI and CLI: label texts, correct a conversation's label, retrain with corrections."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import text

from deskapp.copilot.model import HEADS
from deskapp.copilot.train import Example, load_examples, train
from deskapp.copilot.triage import Triager, TriageResult
from deskapp.copilot.triage_hook import triager_for

__all__ = ["RetrainReport", "TriageError", "correct_label", "retrain", "triage_texts", "triager_for", "unlock"]
from deskapp.store.engine import Database

# A correction is an agent's deliberate judgement on a real message: it counts for several examples.
CORRECTION_WEIGHT = 3.0


class TriageError(ValueError):
    """A correction that names an unknown field or label, or a conversation that does not exist."""


def triage_texts(db: Database, texts: list[str]) -> list[TriageResult]:
    """Label texts with the cache's newest model (retrained or shipped)."""
    with db.read() as conn:
        triager = triager_for(conn)
    return triager.triage_many(texts)


def correct_label(db: Database, conversation_id: int, field: str, value: str, *,
                  message_id: int | None = None) -> None:
    """Store an agent's correction and lock the conversation's labels so sync stops overwriting them."""
    if field not in HEADS:
        raise TriageError(f"unknown triage field {field!r} (one of {', '.join(HEADS)})")
    if value not in HEADS[field]:
        raise TriageError(f"unknown {field} {value!r}")
    with db.write() as conn:
        conv = conn.execute(text(f"SELECT {field} FROM conversation WHERE id = :id"), {"id": conversation_id}).first()
        if conv is None:
            raise TriageError(f"no conversation {conversation_id}")
        if message_id is None:
            message_id = conn.execute(text(
                "SELECT id FROM message WHERE conversation_id = :c AND direction = 'in'"
                " ORDER BY sent_at DESC, id DESC LIMIT 1"), {"c": conversation_id}).scalar()
        body = ""
        if message_id is not None:
            body = conn.execute(text("SELECT text FROM message WHERE id = :id"), {"id": message_id}).scalar() or ""
            conn.execute(text(f"UPDATE message SET {field} = :v WHERE id = :id"), {"v": value, "id": message_id})
        conn.execute(text(
            "INSERT INTO triage_correction(message_id, conversation_id, field, old_value, new_value, text, at)"
            " VALUES (:m, :c, :f, :old, :new, :t, :at)"),
            {"m": message_id, "c": conversation_id, "f": field, "old": conv[0], "new": value, "t": body,
             "at": int(time.time())})
        score_column = f"{field}_score"
        score = 1.0 if field != "sentiment" else {"negative": -1.0, "neutral": 0.0, "positive": 1.0}[value]
        conn.execute(text(
            f"UPDATE conversation SET {field} = :v, {score_column} = :s, triage_locked = 1 WHERE id = :id"),
            {"v": value, "s": score, "id": conversation_id})


def unlock(db: Database, conversation_id: int) -> None:
    """Let sync label the conversation again (the stored corrections stay for retraining)."""
    with db.write() as conn:
        conn.execute(text("UPDATE conversation SET triage_locked = 0 WHERE id = :id"), {"id": conversation_id})


@dataclass(frozen=True)
class RetrainReport:
    examples: int
    corrections: int
    corrections_learned: int  # corrections the new model now labels as the agent did
    model_id: int


def _corrections(db: Database) -> list[Example]:
    with db.read() as conn:
        rows = conn.execute(text(
            "SELECT field, new_value, text FROM triage_correction WHERE text != '' ORDER BY id")).all()
    return [Example(r.text, {r.field: r.new_value}, weight=CORRECTION_WEIGHT) for r in rows
            if r.field in HEADS and r.new_value in HEADS[r.field]]


def retrain(db: Database) -> RetrainReport:
    """Fold agents' corrections into the shipped examples; the new model is stored in the cache and used from now on."""
    base = load_examples()
    corrections = _corrections(db)
    model = train(base + corrections)
    model.meta["corrections"] = len(corrections)
    check = Triager(model)
    learned = 0
    for ex in corrections:
        result = check.triage(ex.text)
        learned += all(getattr(result, head) == label for head, label in ex.labels.items())
    with db.write() as conn:
        model_id = conn.execute(text(
            "INSERT INTO triage_model(created_at, examples, corrections, model) VALUES (:at, :n, :c, :m) RETURNING id"),
            {"at": int(time.time()), "n": len(base), "c": len(corrections), "m": model.dumps()}).scalar_one()
    return RetrainReport(len(base), len(corrections), learned, int(model_id))
