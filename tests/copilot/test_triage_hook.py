"""Triage during sync: the apply hook labels new inbound messages, rolls up, respects locks; corrections and retrain."""

from __future__ import annotations

import json
import subprocess
import sys

from deskapp.copilot.model import HEADS, NOT_SURE
from deskapp.copilot.triage_hook import triage_applied
from deskapp.services import triage as triage_service
from deskapp.store import inbox_rows, profile_records
from deskapp.store.ingest import AppliedChanges
from tests.copilot.helpers import T0, add_account, add_conversation, add_customer, add_message
from tests.profile_helpers import adopt_cache_accounts


def _seed(db):
    with db.write() as conn:
        add_account(conn)
        cust = add_customer(conn, "Zoë Álvarez", "zoe@example.com")
        c1 = add_conversation(conn, "c1", cust, subject="Order")
        c2 = add_conversation(conn, "c2", cust, subject="Broken")
        m1 = add_message(conn, c1, "in", "Hi, where is my order #1042? Ordered a week ago", at=T0)
        out = add_message(conn, c1, "out", "Let me check that for you", at=T0 + 60)
        m2 = add_message(conn, c2, "in", "The vase ARRIVED SHATTERED and I need it for the wedding TOMORROW!!!",
                         at=T0 + 120)
        empty = add_message(conn, c2, "in", "   ", at=T0 + 130)
    return c1, c2, m1, m2, out, empty


def _conv(db, cid):
    with db.read() as conn:
        return conn.exec_driver_sql("SELECT intent, intent_score, urgency, sentiment, sentiment_score, triage_locked"
                                    " FROM conversation WHERE id = ?", (cid,)).one()


def test_hook_labels_new_inbound_messages_and_rolls_up(db):
    c1, c2, m1, m2, out, empty = _seed(db)
    with db.write() as conn:
        triage_applied(conn, AppliedChanges(account_id=1, new_inbound_message_ids=[m1, m2, out, empty]))
    with db.read() as conn:
        rows = {r[0]: r for r in conn.exec_driver_sql(
            "SELECT id, intent, urgency, sentiment, triage_scores FROM message").all()}
    assert rows[m1][1] == "order_status"
    assert rows[m2][1] == "damaged_or_wrong_item" and rows[m2][2] == "urgent" and rows[m2][3] == "negative"
    assert json.loads(rows[m2][4])["intent"] > 0.3
    assert rows[out][1] is None, "agent replies are never triaged"
    assert rows[empty][1] is None, "an empty message has nothing to label"
    assert _conv(db, c1)[0] == "order_status"
    intent, _score, urgency, sentiment, sentiment_score, locked = _conv(db, c2)
    assert (intent, urgency, sentiment, locked) == ("damaged_or_wrong_item", "urgent", "negative", 0)
    assert sentiment_score < 0
    # what the suggestions panel shows beside the conversation
    assert triage_service.labels(db, c2) == {"intent": "damaged_or_wrong_item", "urgency": "urgent",
                                             "sentiment": "negative"}
    assert triage_service.labels(db, 999) == {}


def test_follow_ups_keep_the_conversation_topic_and_its_urgency(db):
    _c1, c2, m1, m2, *_ = _seed(db)
    with db.write() as conn:
        triage_applied(conn, AppliedChanges(account_id=1, new_inbound_message_ids=[m1, m2]))
        follow = add_message(conn, c2, "in", "hello?", at=T0 + 500)
        triage_applied(conn, AppliedChanges(account_id=1, new_inbound_message_ids=[follow]))
    intent, _s, urgency, *_ = _conv(db, c2)
    assert intent == "damaged_or_wrong_item" and urgency == "urgent"
    with db.write() as conn:
        ids = [add_message(conn, c2, "in", text, at=T0 + 600 + n) for n, text in enumerate(
            ("Any update on this?", "Can I talk to a real person please", "Perfect, thanks a lot for the quick help!"))]
        triage_applied(conn, AppliedChanges(account_id=1, new_inbound_message_ids=ids))
    intent, _s, urgency, sentiment, *_ = _conv(db, c2)
    assert intent == "damaged_or_wrong_item", "follow-ups never replace the opening topic"
    assert sentiment == "positive" and urgency != "urgent", "mood and urgency follow the latest messages"


def test_language_is_stored_with_the_scores_and_not_sure_conversations_are_findable(db):
    with db.write() as conn:
        add_account(conn)
        cust = add_customer(conn, "Jonas Weber", "jonas@example.com")
        german = add_conversation(conn, "c-de", cust, subject="Bestellung")
        odd = add_conversation(conn, "c-odd", cust, subject="?")
        m_de = add_message(conn, german, "in", "wo ist meine Bestellung? Ich warte seit Montag", at=T0)
        m_odd = add_message(conn, odd, "in", "asdkjh qwpoe zzxv", at=T0 + 10)
        triage_applied(conn, AppliedChanges(account_id=1, new_inbound_message_ids=[m_de, m_odd]))
    with db.read() as conn:
        stored = {r[0]: (r[1], json.loads(r[2])) for r in conn.exec_driver_sql(
            "SELECT id, intent, triage_scores FROM message").all()}
    assert stored[m_de][0] == "order_status" and stored[m_de][1]["language"] == "de"
    assert stored[m_odd][0] == NOT_SURE and stored[m_odd][1]["guess"] in HEADS["intent"]
    assert _conv(db, german)[0] == "order_status"
    assert _conv(db, odd)[0] == NOT_SURE
    # the inbox's intent filter finds them
    assert inbox_rows.view_ids(db, inbox_rows.ViewFilter(intent=NOT_SURE), sort="last_activity_at",
                               descending=True, limit=None) == [odd]


def test_hook_with_no_new_inbound_messages_does_nothing(db):
    _seed(db)
    with db.write() as conn:
        triage_applied(conn, AppliedChanges(account_id=1))
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM message WHERE intent IS NOT NULL").scalar() == 0


def test_correction_is_stored_locks_the_label_and_survives_the_next_sync(db, profile):
    c1, _c2, m1, m2, *_ = _seed(db)
    adopt_cache_accounts(db, profile)
    with db.write() as conn:
        triage_applied(conn, AppliedChanges(account_id=1, new_inbound_message_ids=[m1, m2]))
    triage_service.correct_label(db, profile, c1, "intent", "delivery_problem")
    assert _conv(db, c1)[0] == "delivery_problem" and _conv(db, c1)[5] == 1
    with db.write() as conn:
        m3 = add_message(conn, c1, "in", "Please cancel my order", at=T0 + 900)
        triage_applied(conn, AppliedChanges(account_id=1, new_inbound_message_ids=[m3]))
    assert _conv(db, c1)[0] == "delivery_problem", "a locked conversation keeps the agent's label"
    with db.read() as conn:
        m1_external = conn.exec_driver_sql("SELECT external_id FROM message WHERE id = ?", (m1,)).scalar()
    with profile.read() as conn:
        [kept] = profile_records.corrections(conn)
    # Kept in the profile by external ids, with the text judged: it outlives the cache's row ids.
    assert (kept.account_id, kept.conversation_external_id, kept.message_external_id, kept.field, kept.old_value,
            kept.new_value, kept.text, kept.locks) == (1, "c1", m1_external, "intent", "order_status",
                                                       "delivery_problem",
                                                       "Hi, where is my order #1042? Ordered a week ago", True)
    triage_service.unlock(db, profile, c1)
    with profile.read() as conn:
        assert not profile_records.corrections(conn, locking=True)
    with db.write() as conn:
        m4 = add_message(conn, c1, "in", "Please cancel my order now", at=T0 + 1000)
        triage_applied(conn, AppliedChanges(account_id=1, new_inbound_message_ids=[m4]))
    # Unlocked, the rollup runs again: the opening message keeps the label the agent gave it.
    assert _conv(db, c1)[0] == "delivery_problem"
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT intent FROM message WHERE id = ?", (m4,)).scalar() == "cancel_order"


def test_bad_corrections_are_refused(db, profile):
    c1, *_ = _seed(db)
    adopt_cache_accounts(db, profile)
    import pytest

    for field, value, cid in (("colour", "red", c1), ("intent", "weather", c1), ("urgency", "urgent", 999)):
        with pytest.raises(triage_service.TriageError):
            triage_service.correct_label(db, profile, cid, field, value)
    with profile.read() as conn:
        assert profile_records.corrections(conn) == []


def test_retrain_folds_corrections_in_and_sync_uses_the_new_model(db, profile):
    c1, *_ = _seed(db)
    adopt_cache_accounts(db, profile)
    phrase = "zorblax quibble flange"  # words the shipped model has never seen
    with db.write() as conn:
        ids = [add_message(conn, c1, "in", f"{phrase} number {i}", at=T0 + 10 * i) for i in range(4)]
    before = triage_service.triage_texts(db, [phrase])[0].intent
    assert before != "invoice"
    for mid in ids:
        triage_service.correct_label(db, profile, c1, "intent", "invoice", message_id=mid)
    report = triage_service.retrain(db, profile)
    assert report.corrections == 4 and report.corrections_learned == 4
    assert triage_service.triage_texts(db, [phrase])[0].intent == "invoice"
    c_new = None
    with db.write() as conn:
        c_new = add_conversation(conn, "c9", None)
        m = add_message(conn, c_new, "in", f"{phrase} again", at=T0 + 5000)
        triage_applied(conn, AppliedChanges(account_id=1, new_inbound_message_ids=[m]))
    assert _conv(db, c_new)[0] == "invoice"


def test_kept_corrections_go_back_on_a_conversation_synced_again(db, profile):
    """After the cache lost the conversation (rebuilt), the apply hook puts the agent's label and lock back
    as the conversation and its message arrive again; an unlocked one is left to the model."""
    c1, c2, m1, m2, *_ = _seed(db)
    adopt_cache_accounts(db, profile)
    triage_service.correct_label(db, profile, c1, "intent", "invoice", message_id=m1)
    triage_service.correct_label(db, profile, c2, "urgency", "low", message_id=m2)
    triage_service.unlock(db, profile, c2)
    with db.read() as conn:
        externals = conn.exec_driver_sql("SELECT id, external_id FROM message WHERE id IN (?, ?)", (m1, m2)).all()
    with db.write() as conn:
        conn.exec_driver_sql("DELETE FROM conversation")
    hook = triage_service.corrections_hook(profile)
    with db.write() as conn:
        ext = dict(externals)
        n1 = add_conversation(conn, "c1", None)
        a1 = add_message(conn, n1, "in", "Hi, where is my order #1042? Ordered a week ago", external_id=ext[m1])
        n2 = add_conversation(conn, "c2", None)
        a2 = add_message(conn, n2, "in", "The vase ARRIVED SHATTERED and I need it for the wedding TOMORROW!!!",
                         external_id=ext[m2])
        changes = AppliedChanges(account_id=1, conversation_ids=[n1, n2], new_inbound_message_ids=[a1, a2])
        triage_applied(conn, changes)
        hook(conn, changes)
    assert _conv(db, n1)[0] == "invoice" and _conv(db, n1)[5] == 1
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT intent FROM message WHERE id = ?", (a1,)).scalar() == "invoice"
    assert _conv(db, n2)[2] != "low" and _conv(db, n2)[5] == 0, "the agent had unlocked it"
    with db.write() as conn:  # a batch without those conversations changes nothing
        hook(conn, AppliedChanges(account_id=1, conversation_ids=[]))


def _cli(data_dir, *args, stdin=""):
    return subprocess.run([sys.executable, "-m", "deskapp", "--data-dir", str(data_dir), *args], input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_cli_triage_json_one_object_per_line(data_dir):
    out = _cli(data_dir, "triage", "--json", stdin="where is my order\n\nTHIS IS A SCAM, refund me NOW!!!\nmerci\n")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(lines) == 4
    for obj in lines:
        assert set(obj) == {"intent", "urgency", "sentiment", "language", "scores"}
        assert {"intent", "urgency", "sentiment"} <= set(obj["scores"])
    assert lines[0]["intent"] == "order_status"
    assert lines[2]["urgency"] == "urgent" and lines[2]["sentiment"] == "negative"
    plain = _cli(data_dir, "triage", stdin="cancel my order please\n")
    assert plain.stdout.split("\t")[0] == "cancel_order"


def test_cli_triage_retrain(data_dir):
    out = _cli(data_dir, "triage", "retrain", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["corrections"] == 0 and report["model_id"] == 1
