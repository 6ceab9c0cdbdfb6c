"""ChatwootConnector pushes against a scripted loopback Chatwoot: bodies, conflicts, exactly-once messages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from deskapp.connectors.base import AuthError, TransientError
from deskapp.connectors.chatwoot import ChatwootConnector
from deskapp.connectors.shopify import ShopifyConnector
from deskapp.domain import OutboxItem, OutboxKind, PushResult
from tests.connectors import chatwoot_payloads as cp
from tests.connectors.scripted_server import Reply, Seen

CONV = f"{cp.PREFIX}/conversations/5"


def item(kind: OutboxKind, payload: dict, *, conversation: str | None = "5") -> OutboxItem:
    return OutboxItem(client_id=str(uuid.uuid4()), account_id=1, conversation_external_id=conversation,
                      kind=kind, payload=payload, created_at=datetime.now(UTC))


class FakeThread:
    """One conversation's messages on the server; POSTs land (and may lose their answer)."""

    def __init__(self, existing: int = 3) -> None:
        self.messages = [cp.message(i, 5, created_at=int(datetime.now(UTC).timestamp()) - 100 + i)
                         for i in range(1, existing + 1)]
        self.ack_faults: list[Reply] = []  # how the next POSTs answer after landing

    def get(self, seen: Seen) -> Reply:
        return cp.messages_handler(self.messages)(seen)

    def post(self, seen: Seen) -> Reply:
        new = cp.message(len(self.messages) + 1, 5, mtype=1, private=seen.body.get("private", False),
                         content=seen.body["content"], content_attributes=seen.body.get("content_attributes"),
                         created_at=int(datetime.now(UTC).timestamp()))
        self.messages.append(new)
        if self.ack_faults:
            return self.ack_faults.pop(0)
        return Reply(200, new)

    def marked(self, client_id: str) -> list[dict]:
        return [m for m in self.messages if (m.get("content_attributes") or {}).get("deskapp_client_id") == client_id]


@pytest.fixture
def thread(server) -> FakeThread:
    fake = FakeThread()
    server.script("GET", f"{CONV}/messages", fake.get)
    server.script("POST", f"{CONV}/messages", fake.post)
    return fake


@pytest.fixture
def connector(server, make_http):
    return ChatwootConnector(server.url, cp.ACCOUNT, "tok", http=make_http({"api_access_token": "tok"},
                                                                          timeout=(1.0, 0.3)))


def test_reply_carries_the_marker_and_returns_the_new_id(server, thread, connector):
    out = item(OutboxKind.REPLY, {"text": "On its way!"})
    result = connector.push(out)
    assert result == PushResult(ok=True, external_id="4")
    body = server.requests_to(f"{CONV}/messages", "POST")[0].body
    assert body == {"content": "On its way!", "message_type": "outgoing", "private": False, "content_type": "text",
                    "content_attributes": {"deskapp_client_id": out.client_id}}


def test_note_is_private(server, thread, connector):
    assert connector.push(item(OutboxKind.NOTE, {"text": "VIP"})).ok
    assert server.requests_to(f"{CONV}/messages", "POST")[0].body["private"] is True


@pytest.mark.parametrize("lost_ack", [Reply(200, {}, delay=1.0), Reply(200, {"id": 1, "x": "y" * 5000},
                                                                        reset_mid_body=True), Reply(502, {})])
def test_a_lost_ack_is_not_sent_twice(server, thread, connector, sleeps, lost_ack):
    thread.ack_faults = [lost_ack]
    out = item(OutboxKind.REPLY, {"text": "Refund issued"})
    result = connector.push(out)
    assert result.ok and result.external_id == "4" and result.detail == {"already_landed": True}
    assert len(thread.marked(out.client_id)) == 1
    assert len(server.requests_to(f"{CONV}/messages", "POST")) == 1 and len(sleeps) == 1


def test_a_push_retried_by_the_outbox_after_a_lost_ack_is_not_sent_twice(server, thread, make_http):
    conn = ChatwootConnector(server.url, cp.ACCOUNT, "tok",
                             http=make_http({"api_access_token": "tok"}, timeout=(1.0, 0.3), max_attempts=1))
    thread.ack_faults = [Reply(200, {}, delay=1.0)]
    out = item(OutboxKind.REPLY, {"text": "Refund issued"})
    with pytest.raises(TransientError):
        conn.push(out)  # the message landed, the answer did not: the outbox keeps the item pending
    again = conn.push(out)  # the replay, later
    assert again.ok and again.external_id == "4" and len(thread.marked(out.client_id)) == 1


def test_landed_check_looks_back_through_a_busy_conversation(server, thread, connector):
    out = item(OutboxKind.REPLY, {"text": "first"})
    thread.messages.append(cp.message(4, 5, mtype=1, content_attributes={"deskapp_client_id": out.client_id},
                                      created_at=int(out.created_at.timestamp())))
    thread.messages += [cp.message(i, 5, created_at=int(out.created_at.timestamp()) + i) for i in range(5, 40)]
    result = connector.push(out)
    assert result.ok and result.external_id == "4" and not server.requests_to(f"{CONV}/messages", "POST")
    assert [s.arg("before") for s in server.requests_to(f"{CONV}/messages", "GET")] == [None, "20"]


def test_5xx_before_landing_is_retried_and_sends_once(server, thread, connector, sleeps):
    server.script("POST", f"{CONV}/messages", Reply(503, {}), thread.post)
    out = item(OutboxKind.REPLY, {"text": "hello"})
    assert connector.push(out).ok and len(thread.marked(out.client_id)) == 1 and len(sleeps) == 1


@pytest.mark.parametrize(("status", "body", "conflict"), [
    (404, {"error": "Resource could not be found"}, "deleted"),
    (413, "", "too large"),
    (422, {"message": "Content is too long (maximum is 150000 characters)"},
     "rejected: Content is too long (maximum is 150000 characters)"),
    (400, {"errors": ["bad", "worse"]}, "HTTP 400: bad; worse"),
])
def test_rejections_become_conflicts(server, connector, status, body, conflict):
    server.script("GET", f"{CONV}/messages", Reply(200, {"payload": []}))
    server.script("POST", f"{CONV}/messages", Reply(status, body))
    result = connector.push(item(OutboxKind.REPLY, {"text": "x" * 10}))
    assert not result.ok and result.conflict == conflict and result.detail["status"] == status


def test_deleted_conversation_found_by_the_check(server, connector):
    server.script("GET", f"{CONV}/messages", Reply(404, {"error": "not found"}))
    assert connector.push(item(OutboxKind.NOTE, {"text": "x"})).conflict == "deleted"
    assert not server.requests_to(f"{CONV}/messages", "POST")


def test_401_raises_auth_error(server, connector):
    server.script("POST", f"{CONV}/toggle_status", Reply(401, {"error": "Invalid Access Token"}))
    with pytest.raises(AuthError):
        connector.push(item(OutboxKind.STATUS, {"status": "resolved"}))


def test_status_and_snooze(server, connector):
    def toggle(seen: Seen) -> Reply:
        return Reply(200, {"meta": {}, "payload": {"success": True, "current_status": seen.body["status"],
                                                   "conversation_id": 5}})

    server.script("POST", f"{CONV}/toggle_status", toggle)
    assert connector.push(item(OutboxKind.STATUS, {"status": "resolved"})) == PushResult(ok=True, external_id="5")
    until = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert connector.push(item(OutboxKind.SNOOZE, {"until": until.isoformat()})).ok
    assert connector.push(item(OutboxKind.STATUS, {"status": "snoozed", "snoozed_until": until})).ok
    bodies = [s.body for s in server.requests_to(f"{CONV}/toggle_status")]
    assert bodies == [{"status": "resolved"}, {"status": "snoozed", "snoozed_until": int(until.timestamp())},
                      {"status": "snoozed", "snoozed_until": int(until.timestamp())}]
    assert connector.push(item(OutboxKind.STATUS, {"status": "archived"})).conflict == "unknown status 'archived'"


def test_status_changed_by_someone_else_is_a_conflict(server, connector):
    server.script("POST", f"{CONV}/toggle_status", Reply(200, {"payload": {"success": True,
                                                                           "current_status": "resolved"}}))
    result = connector.push(item(OutboxKind.STATUS, {"status": "open"}))
    assert not result.ok and result.conflict == "status is resolved"


def test_assign_labels_priority(server, connector):
    for path in ("assignments", "labels", "toggle_priority"):
        server.script("POST", f"{CONV}/{path}", Reply(200, {}))
    assert connector.push(item(OutboxKind.ASSIGN, {"assignee_external_id": "3", "team_external_id": "2"})).ok
    assert connector.push(item(OutboxKind.ASSIGN, {"assignee_external_id": None})).ok
    assert connector.push(item(OutboxKind.ASSIGN, {"team_external_id": "2"})).ok
    assert connector.push(item(OutboxKind.LABEL, {"labels": ["refund", "vip"]})).ok
    assert connector.push(item(OutboxKind.PRIORITY, {"priority": "urgent"})).ok
    assert [s.body for s in server.requests_to(f"{CONV}/assignments")] == [
        {"team_id": 2}, {"assignee_id": 3}, {"assignee_id": None}, {"team_id": 2}]
    assert server.requests_to(f"{CONV}/labels")[0].body == {"labels": ["refund", "vip"]}
    assert server.requests_to(f"{CONV}/toggle_priority")[0].body == {"priority": "urgent"}


def test_unsupported_and_incomplete_items(connector):
    assert connector.push(item(OutboxKind.MERGE, {})).conflict == "the merge names no Chatwoot contacts"
    assert connector.push(item(OutboxKind.REPLY, {"text": " "})).conflict == "empty message"
    assert not connector.push(item(OutboxKind.REPLY, {"text": "x"}, conversation=None)).ok
    shop = ShopifyConnector("http://127.0.0.1:9", "t")
    assert not shop.push(item(OutboxKind.REPLY, {"text": "x"})).ok


def test_old_outbox_items_look_back_only_so_far(server, thread, connector):
    out = item(OutboxKind.REPLY, {"text": "late"})
    out = OutboxItem(**{**{f: getattr(out, f) for f in out.__slots__}, "created_at": out.created_at - timedelta(
        days=2)})
    assert connector.push(out).ok and len(thread.marked(out.client_id)) == 1


def test_401_for_an_action_the_user_may_not_take_is_a_conflict(server, connector):
    server.script("POST", f"{CONV}/toggle_status", Reply(401, {"error": "You are not authorized"}))
    server.script("GET", "/api/v1/profile", Reply(200, {"id": 3, "name": "Ann"}))
    result = connector.push(item(OutboxKind.STATUS, {"status": "resolved"}))
    assert not result.ok and result.conflict == "not permitted"
