"""Composer drafts per conversation for the UI, kept in the profile so they survive a restart and a rebuilt cache.

A draft is keyed by the conversation's account and external id, not by its cache row id: after the
cache is rebuilt it shows again as soon as its conversation has been synced back.
"""

from __future__ import annotations

from dataclasses import dataclass

from deskapp.store import optimistic
from deskapp.store import profile_records as records
from deskapp.store.engine import Database
from deskapp.store.profile import ProfileStore


@dataclass(frozen=True)
class Draft:
    conversation_id: int
    body: str
    is_note: bool
    updated_at: int


def _key(db: Database, conversation_id: int) -> tuple[int, str] | None:
    with db.read() as conn:
        return optimistic.conversation_ref(conn, conversation_id)


def load(db: Database, profile: ProfileStore, conversation_id: int) -> Draft | None:
    key = _key(db, conversation_id)
    if key is None:
        return None
    with profile.read() as conn:
        found = records.draft(conn, *key)
    return Draft(conversation_id, found.body, found.is_note, found.updated_at) if found else None


def save(db: Database, profile: ProfileStore, conversation_id: int, body: str, *, is_note: bool = False) -> None:
    """Keep the draft; an empty body removes it."""
    key = _key(db, conversation_id)
    if key is None:
        return
    with profile.write() as conn:
        if body.strip():
            records.put_draft(conn, *key, body, is_note=is_note)
        else:
            records.delete_draft(conn, *key)


def discard(db: Database, profile: ProfileStore, conversation_id: int) -> None:
    key = _key(db, conversation_id)
    if key is not None:
        with profile.write() as conn:
            records.delete_draft(conn, *key)


def keep_text(profile: ProfileStore, account_id: int, conversation_external_id: str, body: str, *,
              is_note: bool) -> None:
    """Add a rejected reply's text to the conversation's draft (after what is already there)."""
    with profile.write() as conn:
        existing = records.draft(conn, account_id, conversation_external_id)
        if existing and body in existing.body:
            return  # kept already (the agent chose "keep as draft" twice)
        if existing:
            body = existing.body.rstrip() + "\n\n" + body
        records.put_draft(conn, account_id, conversation_external_id, body, is_note=is_note)


def with_drafts(db: Database, profile: ProfileStore) -> set[int]:
    """Conversations of the cache that have a draft (the list marks them)."""
    with profile.read() as conn:
        keys = records.draft_keys(conn)
    if not keys:
        return set()
    with db.read() as conn:
        return set(optimistic.conversation_ids(conn, keys).values())
