"""Composer drafts per conversation, kept in the cache's ``draft`` table so they survive a restart."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import text

from deskapp.store.engine import Database


@dataclass(frozen=True)
class Draft:
    conversation_id: int
    body: str
    is_note: bool
    updated_at: int


def load(db: Database, conversation_id: int) -> Draft | None:
    with db.read() as conn:
        r = conn.execute(text("SELECT conversation_id, body, is_note, updated_at FROM draft"
                              " WHERE conversation_id = :id"), {"id": conversation_id}).first()
    return Draft(r.conversation_id, r.body, bool(r.is_note), r.updated_at) if r else None


def save(db: Database, conversation_id: int, body: str, *, is_note: bool = False) -> None:
    """Keep the draft; an empty body removes it."""
    if not body.strip():
        discard(db, conversation_id)
        return
    with db.write() as conn:
        conn.execute(text(
            "INSERT INTO draft(conversation_id, body, is_note, updated_at) VALUES (:id, :body, :note, :now)"
            " ON CONFLICT(conversation_id) DO UPDATE SET body = excluded.body, is_note = excluded.is_note,"
            " updated_at = excluded.updated_at"),
            {"id": conversation_id, "body": body, "note": int(is_note), "now": int(time.time())})


def discard(db: Database, conversation_id: int) -> None:
    with db.write() as conn:
        conn.execute(text("DELETE FROM draft WHERE conversation_id = :id"), {"id": conversation_id})


def with_drafts(db: Database) -> set[int]:
    """Conversations that have a draft (the list marks them)."""
    with db.read() as conn:
        return {r[0] for r in conn.execute(text("SELECT conversation_id FROM draft"))}
