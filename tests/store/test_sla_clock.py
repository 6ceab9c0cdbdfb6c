"""conversation.sla_due_at: set by the first inbound message, cleared by the first human reply only, kept by
ingest, offline replies and a change of targets; every time here is pinned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deskapp.domain import AuthorKind, Channel, Conversation, DeliveryState, Direction, Message, OutboxKind, Status
from deskapp.store import accounts, optimistic, profile_mirror
from deskapp.store.ingest import apply_batch

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
START = int(T0.timestamp())


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def acc(db) -> int:
    with db.write() as conn:
        return accounts.insert_account(conn, "chatwoot", "cw", "http://127.0.0.1:9", {"account_id": 1})


def _apply(db, acc, *records) -> None:
    with db.write() as conn:
        apply_batch(conn, acc, list(records), stream="s", cursor=None)


def _due(db, ext: str = "1") -> int | None:
    with db.read() as conn:
        return conn.exec_driver_sql("SELECT sla_due_at FROM conversation WHERE external_id = ?", (ext,)).scalar()


def _conv(ext: str = "1", channel: Channel = Channel.WEB_CHAT, status: Status = Status.OPEN, updated: float = 0):
    return Conversation(ext, channel, status, "ct1", T0, _at(updated))


def _in(ext: str, minutes: float, conv: str = "1") -> Message:
    return Message(ext, conv, Direction.IN, _at(minutes), text="where is my parcel?", author_kind=AuthorKind.CONTACT)


def _reply(ext: str, minutes: float, conv: str = "1", **kw) -> Message:
    kw.setdefault("author_kind", AuthorKind.AGENT)
    return Message(ext, conv, Direction.OUT, _at(minutes), text="on its way", **kw)


def test_first_inbound_starts_the_clock_and_only_a_human_reply_stops_it(db, acc):
    _apply(db, acc, _conv(), _in("m1", 0))
    assert _due(db) == START + 120  # web chat: 2 minutes
    # none of these is a human answer (the connector marks bot, campaign and template messages automated)
    _apply(db, acc,
           _reply("m2", 0.2, automated=True, author_kind=AuthorKind.BOT),
           _reply("m3", 0.3, automated=True, author_kind=AuthorKind.SYSTEM),
           Message("m4", "1", Direction.NOTE, _at(0.5), text="check DHL", author_kind=AuthorKind.AGENT),
           Message("m5", "1", Direction.ACTIVITY, _at(0.6), text="Assigned to Ann", author_kind=AuthorKind.SYSTEM))
    assert _due(db) == START + 120
    _apply(db, acc, _reply("m6", 5))
    assert _due(db) is None
    # the customer writes again: the first response was given, no new first-response clock
    _apply(db, acc, _in("m7", 30))
    assert _due(db) is None


def test_the_channel_sets_the_target_and_a_late_conversation_record_corrects_it(db, acc):
    # messages may come before their conversation: the placeholder has channel "other" (12 h)
    _apply(db, acc, _in("m1", 0, conv="2"))
    assert _due(db, "2") == START + 12 * 3600
    _apply(db, acc, _conv("2", Channel.SMS, updated=1))
    assert _due(db, "2") == START + 3600
    _apply(db, acc, _conv("3", Channel.EMAIL), _in("m2", 10, conv="3"), _in("m3", 2, conv="3"))
    assert _due(db, "3") == START + 2 * 60 + 12 * 3600  # from the earliest inbound message


def test_replies_before_the_first_inbound_message_and_resolution(db, acc):
    # outbound-initiated: nothing to answer until the customer writes, then the clock runs from there
    _apply(db, acc, _conv("4", Channel.WHATSAPP), _reply("m1", 0, conv="4"))
    assert _due(db, "4") is None
    _apply(db, acc, _in("m2", 60, conv="4"))
    assert _due(db, "4") == START + 3600 + 120
    # resolving does not touch the deadline: the inbox and the dashboard show no clock on a resolved one
    _apply(db, acc, _conv("4", Channel.WHATSAPP, Status.RESOLVED, updated=70))
    assert _due(db, "4") == START + 3600 + 120


def test_the_kpi_rollup_gets_a_copy(db, acc):
    _apply(db, acc, _conv(), _in("m1", 0))
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT sla_due_at FROM kpi_conversation").scalar() == START + 120
    _apply(db, acc, _reply("m2", 1))
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT sla_due_at FROM kpi_conversation").scalar() is None


def _local(conn, acc, kind: OutboxKind, client_id: str, minutes: float) -> None:
    optimistic.apply_item(conn, account_id=acc, conversation_external_id="1", kind=kind,
                          payload={"text": "on its way"}, client_id=client_id,
                          created_at=_at(minutes).timestamp())


def test_an_offline_reply_stops_the_clock_until_it_fails_or_is_taken_back(db, acc):
    _apply(db, acc, _conv(), _in("m1", 0))
    with db.write() as conn:
        _local(conn, acc, OutboxKind.NOTE, "n-1", 0.5)
    assert _due(db) == START + 120  # a note answers nobody
    with db.write() as conn:
        _local(conn, acc, OutboxKind.REPLY, "r-1", 1)
    assert _due(db) is None  # queued in the outbox: the agent has answered
    with db.write() as conn:
        optimistic.set_delivery(conn, acc, "r-1", DeliveryState.FAILED)
    assert _due(db) == START + 120
    with db.write() as conn:
        optimistic.set_delivery(conn, acc, "r-1", DeliveryState.QUEUED)  # Retry
    assert _due(db) is None
    with db.write() as conn:  # Keep as draft / Discard: the local reply goes, the countdown is back
        optimistic.rollback_item(conn, account_id=acc, conversation_external_id="1", kind=OutboxKind.REPLY,
                                 prior={}, client_id="r-1")
    assert _due(db) == START + 120
    with db.write() as conn:
        _local(conn, acc, OutboxKind.REPLY, "r-2", 1)
        optimistic.drop_orphan_local_messages(conn, {"n-1"})  # its outbox item vanished before a crash
    assert _due(db) == START + 120


def test_an_offline_reply_that_reached_the_server_keeps_the_clock_stopped(db, acc):
    _apply(db, acc, _conv(), _in("m1", 0))
    with db.write() as conn:
        _local(conn, acc, OutboxKind.REPLY, "r-1", 1)
        optimistic.set_delivery(conn, acc, "r-1", DeliveryState.SENT, external_id="m9")
    _apply(db, acc, _reply("m9", 1, client_id="r-1"))
    assert _due(db) is None


def test_new_targets_move_every_deadline(db, acc):
    _apply(db, acc, _conv(), _in("m1", 0), _conv("2", Channel.EMAIL), _in("m2", 0, conv="2"))
    with db.write() as conn:
        profile_mirror.put_setting(conn, "kpi.sla_targets", '{"web_chat": 600, "email": "soon"}')
    assert (_due(db), _due(db, "2")) == (START + 600, START + 12 * 3600)  # a bad value keeps the default
    with db.write() as conn:
        profile_mirror.mirror_settings(conn, {})  # the profile has no targets (a rebuilt profile copy)
    assert (_due(db), _due(db, "2")) == (START + 120, START + 12 * 3600)
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT sla_due_at FROM kpi_conversation ORDER BY 1").scalars().all() == [
            START + 120, START + 12 * 3600]
