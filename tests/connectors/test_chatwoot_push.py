"""ChatwootConnector pushes against a loopback Chatwoot: status, assignment, priority, labels, merges, conflicts
(replies and notes, sent exactly once, are test_chatwoot_replies's)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from deskapp.connectors.base import AuthError, TransientError
from deskapp.connectors.chatwoot import ChatwootConnector
from deskapp.connectors.shopify import ShopifyConnector
from deskapp.domain import OutboxItem, OutboxKind, PushResult
from tests.connectors import chatwoot_payloads as cp
from tests.connectors.fake_chatwoot import ME, TOKEN, Clock, FakeChatwoot
from tests.connectors.scripted_server import Reply, Seen

CONV = f"{cp.PREFIX}/conversations/5"
NOW = cp.T0 + 50_000


def item(kind: OutboxKind, payload: dict, *, conversation: str | None = "5", attempts: int = 0,
         at: float = NOW) -> OutboxItem:
    return OutboxItem(client_id=str(uuid.uuid4()), account_id=1, conversation_external_id=conversation,
                      kind=kind, payload=payload, created_at=datetime.fromtimestamp(at, UTC), attempts=attempts)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


def hub(server, clock, *, keeps_marker: bool = True) -> FakeChatwoot:
    fake = FakeChatwoot(server, clock, keeps_marker=keeps_marker)
    fake.add_conversation(5, created_at=NOW - 500)
    for i in range(3):
        fake.add_message(5, "incoming", at=NOW - 400 + i)
    return fake


def connect(server, make_http, **http) -> ChatwootConnector:
    client = make_http({"api_access_token": TOKEN}, **{"timeout": (1.0, 0.3), **http})
    return ChatwootConnector(server.url, cp.ACCOUNT, TOKEN, http=client)


@pytest.fixture
def connector(server, make_http) -> ChatwootConnector:
    server.script("GET", "/api/v1/profile", Reply(200, {"id": ME, "name": "Ann"}))
    return connect(server, make_http)


@pytest.mark.parametrize(("status", "body", "conflict"), [
    (404, cp.NOT_FOUND, "deleted"),
    (413, "", "too large"),
    (422, {"error": "Content is too long (maximum is 150000 characters)"},
     "rejected: Content is too long (maximum is 150000 characters)"),
    (400, {"errors": ["bad", "worse"]}, "HTTP 400: bad; worse"),
])
def test_rejections_become_conflicts(server, connector, status, body, conflict):
    server.script("POST", f"{CONV}/messages", Reply(status, body))
    result = connector.push(item(OutboxKind.REPLY, {"text": "x" * 10}))
    assert not result.ok and result.conflict == conflict and result.detail["status"] == status


def test_a_bad_id_is_a_deleted_conversation(server, connector):
    """Chatwoot finds conversations with find_by!: an unknown id is 404 "Resource could not be found"."""
    server.script("GET", f"{CONV}/messages", Reply(404, cp.NOT_FOUND))
    result = connector.push(item(OutboxKind.NOTE, {"text": "x"}, attempts=1))
    assert result.conflict == "deleted" and result.detail["message"] == "Resource could not be found"
    assert not server.requests_to(f"{CONV}/messages", "POST")
    server.script("POST", f"{CONV}/toggle_priority", Reply(404, cp.NOT_FOUND))
    assert connector.push(item(OutboxKind.PRIORITY, {"priority": "high"})).conflict == "deleted"


def test_a_revoked_token_raises_auth_error(server, connector):
    server.script("POST", f"{CONV}/toggle_status", Reply(401, cp.INVALID_TOKEN))
    with pytest.raises(AuthError):
        connector.push(item(OutboxKind.STATUS, {"status": "resolved"}))


def test_a_refused_action_is_a_conflict_not_a_dead_token(server, make_http):
    """Pundit's refusal is 401 too; its body tells it from a bad token, without asking for the profile."""
    conn = connect(server, make_http)
    server.script("POST", f"{CONV}/toggle_status", Reply(401, cp.NOT_AUTHORIZED))
    result = conn.push(item(OutboxKind.STATUS, {"status": "resolved"}))
    assert not result.ok and result.conflict == "not permitted"
    assert result.detail == {"status": 401, "message": "You are not authorized to do this action"}
    assert not server.requests_to("/api/v1/profile")
    # a 401 that says neither: the profile settles it
    server.script("POST", f"{CONV}/toggle_status", Reply(401, "<html>nope</html>"))
    server.script("GET", "/api/v1/profile", Reply(200, {"id": ME}))
    assert conn.push(item(OutboxKind.STATUS, {"status": "resolved"})).conflict == "not permitted"


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


def test_assign_and_priority(server, connector):
    for path in ("assignments", "toggle_priority"):
        server.script("POST", f"{CONV}/{path}", Reply(200, b""))
    assert connector.push(item(OutboxKind.ASSIGN, {"assignee_external_id": "3", "team_external_id": "2"})).ok
    assert connector.push(item(OutboxKind.ASSIGN, {"assignee_external_id": None})).ok
    assert connector.push(item(OutboxKind.ASSIGN, {"team_external_id": "2"})).ok
    for value in ("urgent", "none", "", None, "NONE"):
        assert connector.push(item(OutboxKind.PRIORITY, {"priority": value})).ok
    assert connector.push(item(OutboxKind.PRIORITY, {"priority": "p0"})).conflict == "unknown priority 'p0'"
    assert [s.body for s in server.requests_to(f"{CONV}/assignments")] == [
        {"team_id": 2}, {"assignee_id": 3}, {"assignee_id": None}, {"team_id": 2}]
    # the enum has no "none": clearing is null
    assert [s.body for s in server.requests_to(f"{CONV}/toggle_priority")] == [
        {"priority": "urgent"}] + [{"priority": None}] * 4


@pytest.mark.parametrize(("kind", "payload", "path", "answer"), [
    (OutboxKind.STATUS, {"status": "resolved"}, "toggle_status",
     {"payload": {"success": True, "current_status": "resolved", "conversation_id": 5}}),
    (OutboxKind.PRIORITY, {"priority": "high"}, "toggle_priority", b""),
    (OutboxKind.ASSIGN, {"assignee_external_id": "3"}, "assignments", {"id": 3}),
    (OutboxKind.LABEL, {"labels": ["vip"]}, "labels", {"payload": ["vip"]}),
], ids=["status", "priority", "assign", "labels"])
def test_a_set_to_value_change_whose_answer_was_lost_is_resent_in_the_same_pass(server, connector, kind, payload,
                                                                               path, answer):
    """Sending the same value again changes nothing on the hub, even if the first one is saved late."""
    server.script("POST", f"{CONV}/{path}", Reply(200, answer, delay=1.0), Reply(200, answer))
    assert connector.push(item(kind, payload)).ok
    bodies = [s.body for s in server.requests_to(f"{CONV}/{path}")]
    assert len(bodies) == 2 and bodies[0] == bodies[1]


def test_clearing_a_priority_reaches_the_hub(server, clock, make_http):
    fake = hub(server, clock)
    fake.conversations[5]["priority"] = "high"
    assert connect(server, make_http).push(item(OutboxKind.PRIORITY, {"priority": "none"})).ok
    assert fake.conversations[5]["priority"] is None


def test_a_500_is_retried_a_little_then_handed_back_not_raised(server, connector, sleeps):
    """An application error (the enum refusing a value) will not go away by itself: the outbox counts it."""
    server.script("POST", f"{CONV}/toggle_priority", Reply(500, {"status": 500, "error": "Internal Server Error"}))
    result = connector.push(item(OutboxKind.PRIORITY, {"priority": "high"}))
    assert not result.ok and result.retryable and result.detail["status"] == 500
    assert "Internal Server Error" in result.detail["message"]
    assert len(server.requests_to(f"{CONV}/toggle_priority")) == 5 and len(sleeps) == 4
    server.script("POST", f"{CONV}/toggle_priority", Reply(503, "<html>maintenance</html>"))
    with pytest.raises(TransientError):  # an outage: the account goes offline, the item waits
        connector.push(item(OutboxKind.PRIORITY, {"priority": "high"}))


def test_labels_the_hub_drops_are_reported(server, clock, make_http):
    fake = hub(server, clock)
    conn = connect(server, make_http)
    result = conn.push(item(OutboxKind.LABEL, {"labels": ["refund", "vip", "gold-tier"]}))
    assert not result.ok and result.conflict == "labels dropped by the hub: gold-tier"
    assert result.detail["dropped"] == ["gold-tier"] and "gold-tier" in result.detail["message"]
    assert fake.conversations[5]["labels"] == ["refund", "vip"]
    assert conn.push(item(OutboxKind.LABEL, {"labels": ["refund"]})).ok


def test_labels_refused_or_answered_without_the_list(server, connector):
    server.script("POST", f"{CONV}/labels", Reply(422, {"error": "Labels do not exist: gold"}))
    refused = connector.push(item(OutboxKind.LABEL, {"labels": ["gold"]}))
    assert refused.conflict == "rejected: Labels do not exist: gold"
    server.script("POST", f"{CONV}/labels", Reply(200, b""))  # no list in the answer: read back
    server.script("GET", f"{CONV}/labels", Reply(200, {"payload": ["refund"]}))
    assert connector.push(item(OutboxKind.LABEL, {"labels": ["Refund"]})).ok


def test_unsupported_and_incomplete_items(connector):
    assert connector.push(item(OutboxKind.MERGE, {})).conflict == "the merge names no Chatwoot contacts"
    assert connector.push(item(OutboxKind.REPLY, {"text": " "})).conflict == "empty message"
    assert not connector.push(item(OutboxKind.REPLY, {"text": "x"}, conversation=None)).ok
    shop = ShopifyConnector("http://127.0.0.1:9", "t")
    assert not shop.push(item(OutboxKind.REPLY, {"text": "x"})).ok


NOT_FOUND = Reply(404, {"error": "Resource could not be found"})  # RequestExceptionHandler, contacts.find


def test_a_merge_whose_kept_contact_is_gone_is_a_conflict(server, connector):
    """ContactMergesController finds both contacts first: 404 when the one to keep was merged away meanwhile."""
    merge = item(OutboxKind.MERGE, {"base_contact_id": "11", "mergee_contact_id": "12"}, conversation=None)
    server.script("GET", f"{cp.PREFIX}/contacts/12", Reply(200, {"payload": cp.contact(12)}))
    server.script("POST", f"{cp.PREFIX}/actions/contact_merge", NOT_FOUND)
    server.script("GET", f"{cp.PREFIX}/contacts/11", NOT_FOUND)
    result = connector.push(merge)
    assert not result.ok and result.conflict == "the contact to keep is gone from the hub"
    assert result.detail["status"] == 404 and "Contact 11, the one to keep" in result.detail["message"]
    assert server.requests_to(f"{cp.PREFIX}/actions/contact_merge")[0].body == {
        "base_contact_id": 11, "mergee_contact_id": 12}


def test_a_merge_whose_mergee_went_meanwhile_is_done(server, connector):
    """The mergee was there at the check and gone at the merge (another attempt or agent merged it): done."""
    merge = item(OutboxKind.MERGE, {"base_contact_id": "11", "mergee_contact_id": "12"}, conversation=None)
    server.script("GET", f"{cp.PREFIX}/contacts/12", Reply(200, {"payload": cp.contact(12)}), NOT_FOUND)
    server.script("POST", f"{cp.PREFIX}/actions/contact_merge", NOT_FOUND)
    server.script("GET", f"{cp.PREFIX}/contacts/11", Reply(200, {"payload": cp.contact(11)}))
    result = connector.push(merge)
    assert result.ok and result.external_id == "11" and result.detail == {"already_landed": True}
    assert len(server.requests_to(f"{cp.PREFIX}/actions/contact_merge")) == 1
