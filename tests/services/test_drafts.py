"""Drafts per conversation in the profile: saved, replaced, removed when empty, listed, kept as draft text."""

from __future__ import annotations

from deskapp.services import drafts
from tests.profile_helpers import adopt_cache_accounts
from tests.ui.fill import fill


def test_drafts_round_trip(db, profile):
    fill(db, conversations=3)
    adopt_cache_accounts(db, profile)
    assert drafts.load(db, profile, 1) is None
    drafts.save(db, profile, 1, "Hello 😀 مرحبا")
    drafts.save(db, profile, 2, "note text", is_note=True)
    drafts.save(db, profile, 2, "note text v2", is_note=True)
    assert drafts.load(db, profile, 1).body == "Hello 😀 مرحبا" and not drafts.load(db, profile, 1).is_note
    assert drafts.load(db, profile, 2).body == "note text v2" and drafts.load(db, profile, 2).is_note
    assert drafts.with_drafts(db, profile) == {1, 2}
    drafts.save(db, profile, 1, "   ")
    assert drafts.load(db, profile, 1) is None and drafts.with_drafts(db, profile) == {2}
    drafts.discard(db, profile, 2)
    assert drafts.with_drafts(db, profile) == set()


def test_drafts_are_keyed_by_external_id_not_cache_row(db, profile):
    """A draft follows its conversation's (account, external id): a cache that numbered it differently (a
    rebuilt one) still finds it, and one that lacks the conversation simply shows none."""
    fill(db, conversations=3)
    adopt_cache_accounts(db, profile)
    drafts.save(db, profile, 2, "for conversation two")
    with db.read() as conn:
        account_id, external_id = conn.exec_driver_sql(
            "SELECT account_id, external_id FROM conversation WHERE id = 2").one()
    with db.write() as conn:  # the same conversation under another row id, as after a rebuild
        conn.exec_driver_sql("DELETE FROM conversation WHERE id = 2")
        conn.exec_driver_sql("INSERT INTO conversation (id, account_id, external_id, channel, status, created_at,"
                             " updated_at) VALUES (77, ?, ?, 'email', 'open', 0, 0)", (account_id, external_id))
    assert drafts.load(db, profile, 77).body == "for conversation two"
    assert drafts.with_drafts(db, profile) == {77}
    with db.write() as conn:
        conn.exec_driver_sql("DELETE FROM conversation WHERE id = 77")
    assert drafts.with_drafts(db, profile) == set()
    assert drafts.load(db, profile, 77) is None


def test_kept_text_joins_the_draft_there(db, profile):
    fill(db, conversations=1)
    adopt_cache_accounts(db, profile)
    drafts.save(db, profile, 1, "started typing")
    with db.read() as conn:
        account_id, external_id = conn.exec_driver_sql("SELECT account_id, external_id FROM conversation").one()
    drafts.keep_text(profile, account_id, external_id, "the rejected reply", is_note=False)
    drafts.keep_text(profile, account_id, external_id, "the rejected reply", is_note=False)  # not twice
    assert drafts.load(db, profile, 1).body == "started typing\n\nthe rejected reply"
