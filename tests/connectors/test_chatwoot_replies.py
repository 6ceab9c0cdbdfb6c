"""connectors.chatwoot_replies against a loopback Chatwoot: replies and notes carry our marker and are sent once,
even after a lost answer (timeout, reset, 504: looked up on the next pass; 5xx after the write: in this one)
or a retry by the outbox, on servers that keep the marker (v4) and on those that drop it (found by our own
recent identical message instead)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from deskapp.connectors.base import TransientError
from deskapp.connectors.http import OutcomeUnknown, unknown_outcome_wait
from deskapp.domain import OutboxKind, PushResult
from tests.connectors import chatwoot_payloads as cp
from tests.connectors.fake_chatwoot import ME, Clock
from tests.connectors.scripted_server import Reply
from tests.connectors.test_chatwoot_push import CONV, NOW, connect, hub, item

VERSIONS = pytest.mark.parametrize("keeps_marker", [True, False], ids=["v4-keeps-marker", "v3-drops-marker"])


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


def test_a_first_send_carries_the_marker_and_checks_nothing(server, clock, make_http):
    fake = hub(server, clock)
    out = item(OutboxKind.REPLY, {"text": "On its way!"})
    result = connect(server, make_http).push(out)
    assert result.ok and result.external_id == str(fake.posted[0]["id"])
    assert server.requests_to(f"{CONV}/messages", "POST")[0].body == {
        "content": "On its way!", "message_type": "outgoing", "private": False, "content_type": "text",
        "content_attributes": {"deskapp_client_id": out.client_id}}
    assert not server.requests_to(f"{CONV}/messages", "GET")  # nothing of it can be there yet


def test_note_is_private(server, clock, make_http):
    fake = hub(server, clock)
    assert connect(server, make_http).push(item(OutboxKind.NOTE, {"text": "VIP"})).ok
    assert fake.posted[0]["private"] is True


@VERSIONS
@pytest.mark.parametrize("lost_ack", [Reply(200, {}, delay=1.0), Reply(200, {"id": 1, "x": "y" * 5000},
                                                                        reset_mid_body=True),
                                      Reply(504, "Gateway Timeout")],
                         ids=["timeout", "reset-mid-body", "504-gateway-timeout"])
def test_a_lost_ack_waits_for_the_next_pass_which_finds_the_message(server, clock, make_http, sleeps, keeps_marker,
                                                                    lost_ack):
    """The hub may still be saving a message whose answer never came: no look-up nor resend in this pass."""
    fake = hub(server, clock, keeps_marker=keeps_marker)
    create = server.routes[("POST", f"{CONV}/messages")][0]
    server.script("POST", f"{CONV}/messages", lambda seen: (create(seen), lost_ack)[1], create)
    conn = connect(server, make_http)
    out = item(OutboxKind.REPLY, {"text": "Refund issued"})
    with pytest.raises(OutcomeUnknown) as raised:
        conn.push(out)
    assert len(server.requests_to(f"{CONV}/messages", "POST")) == 1 and not sleeps
    assert not server.requests_to(f"{CONV}/messages", "GET")
    assert raised.value.retry_after == unknown_outcome_wait((1.0, 0.3)) == 1.6  # longer than a request
    result = conn.push(replace(out, attempts=1))  # the next pass: the outbox counted the try
    assert len(fake.posted) == 1 and len(server.requests_to(f"{CONV}/messages", "POST")) == 1
    assert result == PushResult(ok=True, external_id=str(fake.posted[0]["id"]), detail={
        "already_landed": True, "matched_by": "marker" if keeps_marker else "content"})


@VERSIONS
def test_an_answered_failure_after_the_write_is_looked_up_in_the_same_pass(server, clock, make_http, sleeps,
                                                                           keeps_marker):
    """A 502 is an answer: the hub is done with the request, so a look-up now sees what it saved."""
    fake = hub(server, clock, keeps_marker=keeps_marker)
    create = server.routes[("POST", f"{CONV}/messages")][0]
    server.script("POST", f"{CONV}/messages", lambda seen: (create(seen), Reply(502, {}))[1], create)
    result = connect(server, make_http).push(item(OutboxKind.REPLY, {"text": "Refund issued"}))
    assert len(fake.posted) == 1 and len(sleeps) == 1
    assert result == PushResult(ok=True, external_id=str(fake.posted[0]["id"]), detail={
        "already_landed": True, "matched_by": "marker" if keeps_marker else "content"})


@VERSIONS
def test_an_item_retried_by_the_outbox_after_a_lost_ack_is_not_sent_twice(server, clock, make_http, keeps_marker):
    fake = hub(server, clock, keeps_marker=keeps_marker)
    create = server.routes[("POST", f"{CONV}/messages")][0]
    server.script("POST", f"{CONV}/messages", lambda seen: (create(seen), Reply(200, {}, delay=1.0))[1], create)
    conn = connect(server, make_http, max_attempts=1)
    out = item(OutboxKind.REPLY, {"text": "Refund issued"})
    with pytest.raises(TransientError):
        conn.push(out)  # it landed, the answer did not: the outbox keeps the item pending
    clock.now += 90
    again = connect(server, make_http).push(replace(out, attempts=1))  # later, in a new process
    assert again.ok and again.external_id == str(fake.posted[0]["id"]) and len(fake.posted) == 1


def test_the_content_check_takes_only_our_own_recent_identical_message(server, clock, make_http):
    """On a server that drops the marker: another agent's, a note, an older one, or one already matched to
    another item are not ours; with none left the reply is sent."""
    fake = hub(server, clock, keeps_marker=False)
    text = "Thanks, sorted!"
    fake.add_message(5, "outgoing", at=NOW - 3600, sender=cp.sender_user(ME), content=text)  # before the item
    fake.add_message(5, "outgoing", at=NOW + 5, sender=cp.sender_user(4, "Bob"), content=text)
    fake.add_message(5, "outgoing", at=NOW + 6, sender=cp.sender_user(ME), content=text, private=True)
    fake.add_message(5, "outgoing", at=NOW + 7, sender=cp.sender_bot(ME), content=text)  # bot 3, not user 3
    conn = connect(server, make_http)
    first = conn.push(item(OutboxKind.REPLY, {"text": text}, attempts=1, at=NOW + 1))
    assert first.ok and not first.detail and len(fake.posted) == 1  # none of those was ours: sent
    # a second item with the same words, retried: the message of the first item is not taken for it
    second = conn.push(item(OutboxKind.REPLY, {"text": text}, attempts=1, at=NOW + 2))
    assert second.ok and not second.detail and len(fake.posted) == 2


def test_on_a_server_keeping_markers_a_markerless_twin_is_someone_elses(server, clock, make_http):
    fake = hub(server, clock, keeps_marker=True)
    fake.add_message(5, "outgoing", at=NOW + 5, sender=cp.sender_user(ME), content="ok",
                     content_attributes={"deskapp_client_id": "another-item"})
    fake.add_message(5, "outgoing", at=NOW + 6, sender=cp.sender_user(ME), content="Hi")  # typed on the web
    result = connect(server, make_http).push(item(OutboxKind.REPLY, {"text": "Hi"}, attempts=2))
    assert result.ok and not result.detail and len(fake.posted) == 1


def test_landed_check_looks_back_through_a_busy_conversation(server, clock, make_http):
    fake = hub(server, clock)
    out = item(OutboxKind.REPLY, {"text": "first"}, attempts=1)
    landed = fake.add_message(5, "outgoing", at=NOW + 1, sender=cp.sender_user(ME), content="first",
                              content_attributes={"deskapp_client_id": out.client_id})
    for i in range(35):
        fake.add_message(5, "incoming", at=NOW + 2 + i)
    result = connect(server, make_http).push(out)
    assert result.ok and result.external_id == str(landed["id"]) and not fake.posted
    assert [s.arg("before") is None for s in server.requests_to(f"{CONV}/messages", "GET")] == [True, False]


def test_5xx_before_landing_is_retried_and_sends_once(server, clock, make_http, sleeps):
    fake = hub(server, clock)
    create = server.routes[("POST", f"{CONV}/messages")][0]
    server.script("POST", f"{CONV}/messages", Reply(503, {}), create)
    assert connect(server, make_http).push(item(OutboxKind.REPLY, {"text": "hello"})).ok
    assert len(fake.posted) == 1 and len(sleeps) == 1


def test_old_outbox_items_look_back_only_so_far(server, clock, make_http):
    fake = hub(server, clock)
    out = item(OutboxKind.REPLY, {"text": "late"}, attempts=1, at=NOW - 2 * 86400)
    assert connect(server, make_http).push(out).ok and len(fake.posted) == 1
    assert len(server.requests_to(f"{CONV}/messages", "GET")) == 1  # the latest page is already older


def test_without_the_profile_the_check_uses_the_marker_alone(server, clock, make_http, caplog):
    fake = hub(server, clock, keeps_marker=True)
    server.script("GET", "/api/v1/profile", Reply(200, {"name": "no id"}))
    out = item(OutboxKind.REPLY, {"text": "x"}, attempts=1)
    assert connect(server, make_http).push(out).ok and len(fake.posted) == 1
    assert "marker alone" in caplog.text
