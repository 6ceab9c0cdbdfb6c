"""ActionService: every action lands durably in the outbox and as optimistic state in the cache."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from deskapp.domain import OutboxKind, OutboxState
from deskapp.services.actions import ActionError, ActionService, StorageError, is_work_offline
from deskapp.services.drafts import load as load_draft
from deskapp.services.profile import set_work_offline
from deskapp.store import optimistic
from deskapp.store.outbox import OutboxStore
from tests.faults.seed import conversation_state, seed_cache


@pytest.fixture
def env(db, data_dir, profile):
    seeded = seed_cache(db, profile=profile)
    outbox = OutboxStore(data_dir / "outbox.sqlite3")
    changes: list = []
    service = ActionService(db, outbox, profile, on_change=changes.append)
    yield service, outbox, seeded, changes
    outbox.close()


def test_reply_creates_local_message_and_durable_item(env, data_dir):
    service, _outbox, seeded, changes = env
    conv = seeded["conversations"][0]
    cid = service.reply(conv, "Your parcel left today.")
    state = conversation_state(service.db, conv)
    assert state["messages"] == [{"external_id": f"local:{cid}", "direction": "out",
                                  "text": "Your parcel left today.", "delivery": "queued", "client_id": cid}]
    # Durable: a brand-new connection to the file sees the item.
    raw = sqlite3.connect(data_dir / "outbox.sqlite3")
    assert raw.execute("SELECT kind, state, payload FROM outbox").fetchall() == [
        ("reply", "pending", json.dumps({"text": "Your parcel left today."}))]
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 2
    raw.close()
    assert changes == [conv]
    assert (data_dir / "outbox.sqlite3").stat().st_mode & 0o777 == 0o600


def test_note_is_a_note(env):
    service, _, seeded, _ = env
    service.note(seeded["conversations"][0], "internal")
    assert conversation_state(service.db, seeded["conversations"][0])["messages"][0]["direction"] == "note"


def test_state_actions_apply_optimistically(env):
    service, outbox, seeded, _ = env
    conv = seeded["conversations"][1]
    service.resolve(conv)
    assert conversation_state(service.db, conv)["status"] == "resolved"
    service.reopen(conv)
    service.set_priority(conv, "urgent")
    service.set_labels(conv, ["vip", "refund", "vip", " "])
    service.assign(conv, seeded["agents"]["a2"], seeded["team_id"])
    until = datetime.now(UTC) + timedelta(hours=3)
    service.snooze(conv, until)
    state = conversation_state(service.db, conv)
    assert state["status"] == "snoozed" and state["snoozed_until"] == int(until.timestamp())
    assert state["priority"] == "urgent" and json.loads(state["labels"]) == ["refund", "vip"]
    assert state["assignee_id"] == seeded["agents"]["a2"] and state["team_id"] == seeded["team_id"]
    kinds = [r.kind for r in outbox.items()]
    assert kinds == [OutboxKind.STATUS, OutboxKind.STATUS, OutboxKind.PRIORITY, OutboxKind.LABEL,
                     OutboxKind.ASSIGN, OutboxKind.SNOOZE]
    assign = outbox.items()[4]
    assert assign.payload == {"assignee_external_id": "a2", "team_external_id": "t1"}
    assert assign.prior == {"assignee_external_id": None, "team_external_id": None}


def test_actions_on_several_conversations_say_what_they_changed(env):
    service, outbox, seeded, _ = env
    first, second = seeded["conversations"][:2]
    result = service.on_each([first, second], "set_priority", "high")
    assert len(result.client_ids) == 2 and [r.client_id for r in outbox.items()] == list(result.client_ids)
    assert result.changes.conversations == {first, second} and result.changes.counts
    assert not result.changes.customers and not result.changes.all
    labelled = service.add_labels([first, second], ["vip"], exact=False)
    assert labelled.changes.conversations == {first, second}
    assert "vip" in json.loads(conversation_state(service.db, first)["labels"])
    sent = service.on_each([first], "reply", "On its way")
    assert conversation_state(service.db, first)["messages"][-1]["client_id"] == sent.client_ids[0]
    with pytest.raises(ActionError):
        service.on_each([first], "undo")  # not an action on a conversation


def test_bad_actions_are_refused_and_leave_nothing(env):
    service, outbox, seeded, _ = env
    with pytest.raises(ActionError):
        service.reply(seeded["conversations"][0], "   ")
    with pytest.raises(ActionError):
        service.resolve(99999)
    with pytest.raises(ActionError):
        service.assign(seeded["conversations"][0], 4242)
    with pytest.raises(ActionError):
        service.snooze(seeded["conversations"][0], datetime(2030, 1, 1))
    assert outbox.items() == []


def test_undo_within_window_rolls_back(env):
    service, outbox, seeded, _ = env
    conv = seeded["conversations"][0]
    service.set_priority(conv, "high")
    cid = service.reply(conv, "oops")
    resolve = service.resolve(conv)
    assert service.undo(cid) and service.undo(resolve)
    state = conversation_state(service.db, conv)
    assert state["messages"] == [] and state["status"] == "open" and state["priority"] == "high"
    assert [r.kind for r in outbox.items()] == [OutboxKind.PRIORITY]
    assert not service.undo(cid)  # already gone


def test_undo_refused_after_window_or_once_sending(env):
    service, outbox, seeded, _ = env
    conv = seeded["conversations"][0]
    cid = service.reply(conv, "late")
    with outbox._lock:
        outbox._conn.execute("UPDATE outbox SET created_at=created_at-10")
    assert not service.undo(cid)
    cid2 = service.reply(conv, "claimed")
    assert outbox.claim(cid2)
    assert not service.undo(cid2)
    assert len(outbox.items()) == 2


def test_restore_rebuilds_optimistic_state_after_cache_loss(env):
    """A crash after the outbox commit but before the cache commit: start-up puts the change back."""
    service, outbox, seeded, _ = env
    conv = seeded["conversations"][2]
    cid = service.reply(conv, "survives")
    service.resolve(conv)
    # Simulate the cache never having received the writes (or a rebuilt cache).
    with service.db.write() as conn:
        optimistic.rollback_item(conn, account_id=seeded["account_id"], conversation_external_id="103",
                                 kind=OutboxKind.REPLY, prior={}, client_id=cid)
        conn.exec_driver_sql("UPDATE conversation SET status='open'")
        conn.exec_driver_sql(
            "INSERT INTO message (account_id, external_id, conversation_id, direction, sent_at, client_id)"
            f" VALUES ({seeded['account_id']}, 'local:ghost', {conv}, 'out', 0, 'ghost')")
    outbox.claim(cid)  # killed mid-push
    assert service.restore() == 2
    state = conversation_state(service.db, conv)
    assert state["status"] == "resolved"
    assert [m["client_id"] for m in state["messages"]] == [cid]  # the orphan went, ours came back
    assert outbox.get(cid).state == OutboxState.PENDING and outbox.get(cid).attempts == 1
    assert service.restore() == 2  # idempotent
    assert len(conversation_state(service.db, conv)["messages"]) == 1


def test_problem_decisions(env):
    service, outbox, seeded, _ = env
    conv = seeded["conversations"][0]
    service.set_priority(conv, "low")
    reply = service.reply(conv, "please keep me")
    resolve = service.resolve(conv)
    label = service.set_labels(conv, ["x"])
    assert not service.discard(resolve)  # only failed/conflict items can be discarded
    outbox.mark_problem(resolve, OutboxState.CONFLICT, reason="resolved_by_other")
    outbox.mark_problem(reply, OutboxState.FAILED, reason="too_large")
    outbox.mark_problem(label, OutboxState.CONFLICT, reason="deleted")
    assert {r.client_id for r in service.problems()} == {resolve, reply, label}
    assert service.discard(resolve)
    assert conversation_state(service.db, conv)["status"] == "open"
    assert service.keep_as_draft(reply)
    draft = load_draft(service.db, service.profile, conv)
    assert (draft.body, draft.is_note) == ("please keep me", False)
    assert conversation_state(service.db, conv)["messages"] == []
    assert service.retry(label)
    assert outbox.get(label).state == OutboxState.PENDING
    assert [r.kind for r in outbox.items()] == [OutboxKind.PRIORITY, OutboxKind.LABEL]
    assert conversation_state(service.db, conv)["priority"] == "low"


def test_work_offline_switch(db, profile):
    assert not is_work_offline(db)
    set_work_offline(db, profile, True)
    assert is_work_offline(db)
    set_work_offline(db, profile, False)
    assert not is_work_offline(db)


def test_full_outbox_disk_refuses_cleanly(db, data_dir, profile):
    seeded = seed_cache(db)
    OutboxStore(data_dir / "outbox.sqlite3").close()
    pages = sqlite3.connect(data_dir / "outbox.sqlite3").execute("PRAGMA page_count").fetchone()[0]
    outbox = OutboxStore(data_dir / "outbox.sqlite3", max_page_count=pages)
    service = ActionService(db, outbox, profile)
    conv = seeded["conversations"][0]
    with pytest.raises(StorageError, match="disk holding the outbox is full"):
        for i in range(100):
            service.reply(conv, f"{i} " + "x" * 4000)
    queued = {r.client_id for r in outbox.items()}
    # Every reply the agent was told about is in both places; the refused one in neither.
    assert {m["client_id"] for m in conversation_state(db, conv)["messages"]} == queued
    outbox.close()


def test_full_cache_disk_refuses_cleanly(db, data_dir, profile):
    from sqlalchemy import event

    seeded = seed_cache(db)
    outbox = OutboxStore(data_dir / "outbox.sqlite3")
    service = ActionService(db, outbox, profile)
    conv = seeded["conversations"][0]
    with db.read() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    event.listen(db.engine, "connect", lambda dbapi, _r: dbapi.execute(f"PRAGMA max_page_count={pages + 2}"))
    db.engine.dispose()
    with pytest.raises(StorageError, match="disk holding the cache is full"):
        for i in range(200):
            service.reply(conv, f"{i} " + "y" * 4000)
    queued = {r.client_id for r in outbox.items()}
    assert {m["client_id"] for m in conversation_state(db, conv)["messages"]} == queued  # refused one: in neither
    with db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA quick_check").scalar() == "ok"
    outbox.close()


def test_retry_on_a_full_cache_disk_leaves_the_item_failed_and_says_so(db, data_dir, profile):
    from sqlalchemy import event

    seeded = seed_cache(db)
    outbox = OutboxStore(data_dir / "outbox.sqlite3")
    service = ActionService(db, outbox, profile)
    conv = seeded["conversations"][0]
    cid = service.reply(conv, "z" * 20000)
    outbox.mark_problem(cid, OutboxState.FAILED, reason="server_error", error="HTTP 500")
    with db.write() as conn:  # the cache was rebuilt since: the local copy has to come back on retry
        optimistic.rollback_item(conn, account_id=seeded["account_id"], conversation_external_id="101",
                                 kind=OutboxKind.REPLY, prior={}, client_id=cid)
    db.engine.dispose()
    raw = sqlite3.connect(db.engine.url.database, isolation_level=None)
    raw.execute("VACUUM")  # no free pages left for the reply to come back into
    pages = raw.execute("PRAGMA page_count").fetchone()[0]
    raw.close()

    def no_room(dbapi, _record):
        dbapi.execute(f"PRAGMA max_page_count={pages}")

    event.listen(db.engine, "connect", no_room)
    db.engine.dispose()
    with pytest.raises(StorageError, match="disk holding the cache is full"):
        service.retry(cid)
    item = outbox.get(cid)  # still on the panel as it was, not queued without its local copy
    assert (item.state, item.conflict, item.last_error) == (OutboxState.FAILED, "server_error", "HTTP 500")
    assert conversation_state(db, conv)["messages"] == []
    event.remove(db.engine, "connect", no_room)
    db.engine.dispose()
    assert service.retry(cid)  # room again: both happen
    assert outbox.get(cid).state == OutboxState.PENDING
    assert [(m["client_id"], m["delivery"]) for m in conversation_state(db, conv)["messages"]] == [(cid, "queued")]
    outbox.close()


def test_retry_whose_cache_commit_fails_puts_the_item_back(env):
    from sqlalchemy import event

    service, outbox, seeded, _ = env
    conv = seeded["conversations"][0]
    cid = service.set_priority(conv, "urgent")
    outbox.mark_problem(cid, OutboxState.CONFLICT, reason="deleted")

    def disk_full_at_commit(_conn):  # the one failure SQLite cannot be made to give here on demand
        raise sqlite3.OperationalError("database or disk is full")

    event.listen(service.db.engine, "commit", disk_full_at_commit)
    try:
        with pytest.raises(StorageError, match="disk holding the cache is full"):
            service.retry(cid)
    finally:
        event.remove(service.db.engine, "commit", disk_full_at_commit)
    item = outbox.get(cid)
    assert (item.state, item.conflict) == (OutboxState.CONFLICT, "deleted")
