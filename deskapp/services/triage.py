"""Triage use cases for the UI and CLI: label texts, correct a conversation's label, retrain with corrections.

Corrections are the agent's work: they are kept in the profile (by account and external ids, with the
text judged), so a rebuilt cache gets the labels back as conversations sync in and the model can be
retrained from them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from deskapp.copilot.model import HEADS
from deskapp.copilot.train import Example, load_examples, train
from deskapp.copilot.triage import Triager, TriageResult, triager_with
from deskapp.copilot.triage_hook import triager_for
from deskapp.store import profile_records as records
from deskapp.store import triage_labels
from deskapp.store.engine import Connection, Database
from deskapp.store.profile import ProfileStore

__all__ = ["RetrainReport", "TriageError", "correct_label", "corrections_hook", "current_triager", "labels", "retrain",
           "triage_texts", "triager_for", "unlock"]

# A correction is an agent's deliberate judgement on a real message: it counts for several examples.
CORRECTION_WEIGHT = 3.0


class TriageError(ValueError):
    """A correction that names an unknown field or label, or a conversation that does not exist."""


def current_triager(db: Database) -> Triager:
    """The cache's newest model (retrained or shipped), ready to label texts."""
    with db.read() as conn:
        return triager_for(conn)


def triage_texts(db: Database, texts: list[str]) -> list[TriageResult]:
    """Label texts with the cache's newest model (retrained or shipped)."""
    return current_triager(db).triage_many(texts)


def labels(db: Database, conversation_id: int) -> dict[str, str | None]:
    """{head: label} of a conversation as the cache has them now ({} when there is no such conversation)."""
    row = triage_labels.current_labels(db, conversation_id)
    return dict(zip(HEADS, row, strict=True)) if row else {}


def correct_label(db: Database, profile: ProfileStore, conversation_id: int, field: str, value: str, *,
                  message_id: int | None = None) -> None:
    """Keep an agent's correction in the profile, then label and lock the conversation in the cache."""
    if field not in HEADS:
        raise TriageError(f"unknown triage field {field!r} (one of {', '.join(HEADS)})")
    if value not in HEADS[field]:
        raise TriageError(f"unknown {field} {value!r}")
    with db.read() as conn:
        target = triage_labels.correction_target(conn, conversation_id, field, message_id)
    if target is None:
        raise TriageError(f"no conversation {conversation_id}")
    # The profile first: once this returns the correction survives anything that happens to the cache.
    with profile.write() as conn:
        records.add_correction(conn, records.Correction(
            target.account_id, target.conversation_external_id, target.message_external_id, field,
            target.old_value, value, target.text, int(time.time())))
    with db.write() as conn:
        triage_labels.set_label(conn, conversation_id, field, value, target.message_id)


def unlock(db: Database, profile: ProfileStore, conversation_id: int) -> None:
    """Let sync label the conversation again (the stored corrections stay for retraining)."""
    with db.write() as conn:
        key = triage_labels.unlock(conn, conversation_id)
    if key is not None:
        with profile.write() as conn:
            records.release_corrections(conn, *key)


def corrections_hook(profile: ProfileStore) -> Callable[[Connection, Any], None]:
    """A sync apply-hook (after triage): conversations pulled again, e.g. into a rebuilt cache, get the
    labels the agent gave them back, locked as before."""

    def hook(conn: Connection, changes: Any) -> None:
        ids = getattr(changes, "conversation_ids", None)
        if not ids:
            return
        with profile.read() as pconn:
            kept = [c for c in records.corrections(pconn, account_id=changes.account_id, locking=True)
                    if c.field in HEADS and c.new_value in HEADS[c.field]]
        if kept:
            triage_labels.apply_corrections(conn, changes.account_id, kept, ids)

    return hook


@dataclass(frozen=True)
class RetrainReport:
    examples: int
    corrections: int
    corrections_learned: int  # corrections the new model now labels as the agent did
    model_id: int


def _corrections(profile: ProfileStore) -> list[Example]:
    with profile.read() as conn:
        rows = records.corrections(conn)
    return [Example(r.text, {r.field: r.new_value}, weight=CORRECTION_WEIGHT) for r in rows
            if r.text and r.field in HEADS and r.new_value in HEADS[r.field]]


def retrain(db: Database, profile: ProfileStore) -> RetrainReport:
    """Fold the profile's corrections into the shipped examples; the new model goes to the cache and is used
    from now on (and is retrained by itself after the cache is rebuilt)."""
    base = load_examples()
    corrections = _corrections(profile)
    model = train(base + corrections)
    model.meta["corrections"] = len(corrections)
    check = triager_with(model)  # as sync will label: the word model with the shipped intent head
    learned = 0
    for ex in corrections:
        result = check.triage(ex.text)
        learned += all(getattr(result, head) == label for head, label in ex.labels.items())
    with db.write() as conn:
        model_id = triage_labels.store_model(conn, examples=len(base), corrections=len(corrections),
                                             blob=model.dumps())
    with profile.write() as conn:
        records.put_meta(conn, records.TRIAGE_RETRAINED, str(int(time.time())))
    return RetrainReport(len(base), len(corrections), learned, model_id)
