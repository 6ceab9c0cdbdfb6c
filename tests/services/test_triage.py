"""services.triage: a conversation's labels, an agent's correction kept in the profile and locked in the cache,
refused when it names an unknown field, label or conversation; unlocking; and the apply hook that puts kept
corrections back on conversations synced again, skipping corrections whose label no longer exists."""

from __future__ import annotations

import pytest

from deskapp.services import triage as triage_service
from deskapp.store import profile_records
from deskapp.store.ingest import AppliedChanges
from tests.copilot.helpers import T0, add_account, add_conversation, add_message
from tests.profile_helpers import adopt_cache_accounts


@pytest.fixture
def conversation(db, profile) -> int:
    with db.write() as conn:
        add_account(conn)
        cid = add_conversation(conn, "c1", None, subject="Parcel")
        add_message(conn, cid, "in", "Where is my parcel? It has been two weeks.", at=T0)
    adopt_cache_accounts(db, profile)
    return cid


def locked(db, cid) -> int:
    with db.read() as conn:
        return conn.exec_driver_sql("SELECT triage_locked FROM conversation WHERE id = ?", (cid,)).scalar()


def test_labels_of_a_conversation_and_of_none(db, conversation):
    assert set(triage_service.labels(db, conversation)) == {"intent", "urgency", "sentiment"}
    assert triage_service.labels(db, 999) == {}


def test_a_correction_is_kept_then_applied_and_locked(db, profile, conversation):
    triage_service.correct_label(db, profile, conversation, "urgency", "high")
    assert triage_service.labels(db, conversation)["urgency"] == "high" and locked(db, conversation) == 1
    with profile.read() as conn:
        [kept] = profile_records.corrections(conn)
    assert (kept.conversation_external_id, kept.field, kept.new_value, kept.locks) == ("c1", "urgency", "high", True)
    assert kept.text == "Where is my parcel? It has been two weeks."


@pytest.mark.parametrize(("field", "value", "why"), [
    ("colour", "red", "unknown triage field 'colour'"), ("intent", "weather", "unknown intent 'weather'"),
    ("intent", "high", "unknown intent 'high'"),  # a label of another field
    ("urgency", "", "unknown urgency ''"),
])
def test_a_correction_naming_what_does_not_exist_is_refused(db, profile, conversation, field, value, why):
    before = triage_service.labels(db, conversation)
    with pytest.raises(triage_service.TriageError, match=why):
        triage_service.correct_label(db, profile, conversation, field, value)
    with profile.read() as conn:
        assert profile_records.corrections(conn) == []
    assert triage_service.labels(db, conversation) == before and locked(db, conversation) == 0


def test_a_correction_of_a_conversation_that_is_gone_is_refused(db, profile, conversation):
    with pytest.raises(triage_service.TriageError, match="no conversation 999"):
        triage_service.correct_label(db, profile, 999, "intent", "order_status")


def test_unlock_releases_the_label_and_keeps_the_correction_for_training(db, profile, conversation):
    triage_service.correct_label(db, profile, conversation, "intent", "refund")
    triage_service.unlock(db, profile, conversation)
    assert locked(db, conversation) == 0
    with profile.read() as conn:
        assert len(profile_records.corrections(conn)) == 1 and profile_records.corrections(conn, locking=True) == []
    triage_service.unlock(db, profile, conversation)  # again: nothing left to release, no error
    triage_service.unlock(db, profile, 999)


def test_the_hook_skips_corrections_whose_label_no_longer_exists(db, profile, conversation):
    with profile.write() as conn:
        profile_records.add_correction(conn, profile_records.Correction(
            1, "c1", None, "intent", None, "a_label_from_an_older_model", "text", T0))
        profile_records.add_correction(conn, profile_records.Correction(
            1, "c1", None, "urgency", None, "low", "text", T0 + 1))
    hook = triage_service.corrections_hook(profile)
    before = triage_service.labels(db, conversation)["intent"]
    with db.write() as conn:
        hook(conn, AppliedChanges(account_id=1, conversation_ids=[conversation]))
        hook(conn, AppliedChanges(account_id=1))  # nothing synced: nothing read
        hook(conn, object())  # not a batch's changes at all: ignored
    labels = triage_service.labels(db, conversation)
    assert labels["urgency"] == "low" and labels["intent"] == before and locked(db, conversation) == 1


def test_triage_texts_labels_each_text(db, conversation):
    results = triage_service.triage_texts(db, ["Where is my parcel?", "", "x" * 50_000])
    assert len(results) == 3 and all(r.intent for r in results)
    assert triage_service.triage_texts(db, []) == []
