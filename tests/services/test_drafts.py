"""Drafts per conversation in the cache: saved, replaced, removed when empty, listed."""

from __future__ import annotations

from deskapp.services import drafts
from tests.ui.fill import fill


def test_drafts_round_trip(db):
    fill(db, conversations=3)
    assert drafts.load(db, 1) is None
    drafts.save(db, 1, "Hello 😀 مرحبا")
    drafts.save(db, 2, "note text", is_note=True)
    drafts.save(db, 2, "note text v2", is_note=True)
    assert drafts.load(db, 1).body == "Hello 😀 مرحبا" and not drafts.load(db, 1).is_note
    assert drafts.load(db, 2).body == "note text v2" and drafts.load(db, 2).is_note
    assert drafts.with_drafts(db) == {1, 2}
    drafts.save(db, 1, "   ")
    assert drafts.load(db, 1) is None and drafts.with_drafts(db) == {2}
    drafts.discard(db, 2)
    assert drafts.with_drafts(db) == set()
