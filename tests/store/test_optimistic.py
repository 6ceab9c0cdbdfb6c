"""Outbox items applied to the cache at once and taken back: local reply rows, status, assignment, labels,
priority; applying twice changes nothing more; delivery states; orphaned local rows removed."""

from __future__ import annotations

import pytest

from deskapp.domain import DeliveryState, OutboxKind
from deskapp.store import optimistic as opt
from tests.kpi.builder import CacheBuilder, local

T0 = local("2026-05-04 09:00", "UTC")


@pytest.fixture
def cache(db):
    with db.write() as conn:
        b = CacheBuilder(conn)
        b.agent("Ada", is_me=True)
        b.agent("Bo")
        b.team("Shoes")
        b.team("Returns")
        cid = b.conversation(created=T0, labels='["vip"]')
        conn.exec_driver_sql("UPDATE conversation SET assignee_id = (SELECT id FROM agent WHERE name = 'Bo'),"
                             " team_id = (SELECT id FROM team WHERE name = 'Shoes') WHERE id = ?", (cid,))
        ext = conn.exec_driver_sql("SELECT external_id FROM conversation WHERE id = ?", (cid,)).scalar()
    return db, cid, ext


def _apply(conn, ext, kind, payload, client_id="k1", at=T0 + 60):
    return opt.apply_item(conn, account_id=1, conversation_external_id=ext, kind=kind, payload=payload,
                          client_id=client_id, created_at=at)


def _conversation(db, cid):
    with db.read() as conn:
        return conn.exec_driver_sql(
            "SELECT c.status, c.resolved_at, a.name, t.name, c.labels, c.priority FROM conversation c"
            " LEFT JOIN agent a ON a.id = c.assignee_id LEFT JOIN team t ON t.id = c.team_id WHERE c.id = ?",
            (cid,)).one()


def _messages(db):
    with db.read() as conn:
        return conn.exec_driver_sql("SELECT external_id, direction, author_name, text, delivery, client_id"
                                    " FROM message ORDER BY id").all()


def test_a_reply_shows_at_once_as_a_queued_local_row_once_and_goes_when_taken_back(cache):
    db, _cid, ext = cache
    with db.write() as conn:
        assert _apply(conn, ext, OutboxKind.REPLY, {"text": "It ships today"}) is True
        assert _apply(conn, ext, OutboxKind.REPLY, {"text": "It ships today"}) is True  # start-up replay
        _apply(conn, ext, OutboxKind.NOTE, {"text": "check DHL"}, client_id="k2")
    assert _messages(db) == [("local:k1", "out", "Ada", "It ships today", "queued", "k1"),
                             ("local:k2", "note", "Ada", "check DHL", "queued", "k2")]
    with db.write() as conn:
        opt.rollback_item(conn, account_id=1, conversation_external_id=ext, kind=OutboxKind.REPLY, prior={},
                          client_id="k1")
    assert [m[0] for m in _messages(db)] == ["local:k2"]


@pytest.mark.parametrize(("kind", "payload", "changed"), [
    (OutboxKind.STATUS, {"status": "resolved"}, ("resolved", T0 + 60, "Bo", "Shoes", '["vip"]', "none")),
    (OutboxKind.ASSIGN, {"assignee_external_id": "a-Ada", "team_external_id": "t-Returns"},
     ("open", None, "Ada", "Returns", '["vip"]', "none")),
    (OutboxKind.ASSIGN, {"assignee_external_id": None}, ("open", None, None, "Shoes", '["vip"]', "none")),
    (OutboxKind.LABEL, {"labels": ["late", "vip", "late"]}, ("open", None, "Bo", "Shoes", '["late", "vip"]', "none")),
    (OutboxKind.PRIORITY, {"priority": "urgent"}, ("open", None, "Bo", "Shoes", '["vip"]', "urgent")),
])
def test_a_change_applies_and_its_prior_state_brings_it_back(cache, kind, payload, changed):
    db, cid, ext = cache
    before = _conversation(db, cid)
    with db.write() as conn:
        prior = opt.prior_state(conn, 1, ext, kind)
        _apply(conn, ext, kind, payload)
    assert _conversation(db, cid) == changed
    with db.write() as conn:
        opt.rollback_item(conn, account_id=1, conversation_external_id=ext, kind=kind, prior=prior, client_id="k1")
    assert _conversation(db, cid) == before


def test_labels_are_mirrored_in_the_label_table(cache):
    db, cid, ext = cache
    with db.write() as conn:
        _apply(conn, ext, OutboxKind.LABEL, {"labels": ["b", "a", "b"]})
        assert conn.exec_driver_sql("SELECT label FROM conversation_label WHERE conversation_id = ? ORDER BY label",
                                    (cid,)).all() == [("a",), ("b",)]


def test_an_item_for_a_conversation_not_cached_waits(cache):
    db, _cid, _ext = cache
    with db.write() as conn:
        assert _apply(conn, "not-yet-pulled", OutboxKind.REPLY, {"text": "hi"}) is False
        assert _apply(conn, None, OutboxKind.STATUS, {"status": "resolved"}) is False
        assert opt.prior_state(conn, 1, "not-yet-pulled", OutboxKind.STATUS) == {}
        opt.rollback_item(conn, account_id=1, conversation_external_id="not-yet-pulled", kind=OutboxKind.STATUS,
                          prior={"status": "open"}, client_id="k9")  # nothing to take back: no error
    assert _messages(db) == []


def test_delivery_states_follow_the_send_and_a_server_copy_replaces_the_local_twin(cache):
    db, _cid, ext = cache
    with db.write() as conn:
        _apply(conn, ext, OutboxKind.REPLY, {"text": "one"}, client_id="k1")
        _apply(conn, ext, OutboxKind.REPLY, {"text": "two"}, client_id="k2")
        opt.set_delivery(conn, 1, "k1", DeliveryState.SENDING)
        opt.set_delivery(conn, 1, "k1", DeliveryState.SENT, external_id="m100")
        opt.set_delivery(conn, 1, "k1", DeliveryState.FAILED)  # a late failure never un-sends it
        # the pull brought the server's copy of "two" as its own row before the send was confirmed
        conn.exec_driver_sql("INSERT INTO message (account_id, external_id, conversation_id, direction, text,"
                             " sent_at, delivery) SELECT 1, 'm101', conversation_id, 'out', 'two', sent_at, 'sent'"
                             " FROM message WHERE client_id = 'k2'")
        opt.set_delivery(conn, 1, "k2", DeliveryState.SENT, external_id="m101")
    assert [(m[0], m[3], m[4], m[5]) for m in _messages(db)] == [("m100", "one", "sent", "k1"),
                                                                ("m101", "two", "sent", "k2")]


def test_local_rows_whose_item_is_gone_are_removed(cache):
    db, _cid, ext = cache
    with db.write() as conn:
        for client_id in ("k1", "k2", "k3"):
            _apply(conn, ext, OutboxKind.REPLY, {"text": client_id}, client_id=client_id)
        assert opt.drop_orphan_local_messages(conn, {"k2"}) == 2
    assert [m[5] for m in _messages(db)] == ["k2"]


def test_ids_are_looked_up_only_for_conversations_the_cache_holds(cache):
    db, cid, ext = cache
    with db.read() as conn:
        assert opt.conversation_ref(conn, cid) == (1, ext) and opt.conversation_ref(conn, 999) is None
        assert opt.conversation_id(conn, 1, ext) == cid and opt.conversation_id(conn, 2, ext) is None
        assert opt.conversation_ids(conn, [(1, ext), (1, "gone"), (2, ext)]) == {(1, ext): cid}
        assert opt.external_ids(conn, [cid, 999]) == {ext}
