"""Every Chatwoot endpoint the demo serves answers, and accepts requests, as the published swagger.json says -
except where Chatwoot's own server code says otherwise. There the server wins, and each difference is named in
DEVIATIONS with the source file it follows; the test sets exactly those fields right before validating, counts
each use, and fails when a listed deviation no longer occurs (or when the spec would accept the raw answer).

The spec file itself does not pass openapi-spec-validator (a public-API path declares a Swagger-2-style
parameter), so, as the contracts README allows, the test derives a narrower contract: the same file with
only the paths the demo serves. Server-side rules the spec is silent on are in test_paging.py and
test_server.py.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.exceptions import OpenAPIError
from openapi_core.validation.response.exceptions import DataValidationError

from deskapp.demo.server import DemoServer
from tests.demo.conftest import DemoClient

SPEC = Path(__file__).resolve().parents[3] / "shared/contracts/chatwoot/swagger.json"
A = "/api/v1/accounts/{account_id}"
SERVED = {
    "/api/v1/profile", A + "/agents", A + "/teams", A + "/inboxes", A + "/contacts", A + "/contacts/{id}",
    A + "/contacts/search",
    A + "/canned_responses", A + "/conversations", A + "/conversations/{conversation_id}",
    A + "/conversations/{conversation_id}/messages", A + "/conversations/{conversation_id}/toggle_status",
    A + "/conversations/{conversation_id}/toggle_priority", A + "/conversations/{conversation_id}/assignments",
    A + "/conversations/{conversation_id}/labels", A + "/actions/contact_merge",
    A + "/conversations/{conversation_id}/messages/{message_id}",
}


@dataclass(frozen=True)
class Deviation:
    """A field where the real server's answer differs from the spec: which, why (the source), and the value the
    spec would have instead (None: the spec wants the key absent)."""

    name: str
    source: str
    applies: Callable[[str, Any], bool]  # (object kind, value) -> the server's value differs from the spec
    spec_value: Callable[[Any], Any] = lambda value: None


J = "app/views/api/v1"
DEVIATIONS: dict[tuple[str, str], Deviation] = {
    ("message", "message_type"): Deviation(
        "CSAT surveys are template messages (3); the spec's message enum stops at 2", "app/models/message.rb",
        lambda kind, v: v == 3, lambda v: 2),
    ("message", "content_type"): Deviation(
        "the survey's content_type input_csat is missing from the spec's message enum", "app/models/message.rb",
        lambda kind, v: v == "input_csat", lambda v: "text"),
    ("message", "source_id"): Deviation(
        "source_id is always sent, null for web chat, notes and activity",
        f"{J}/models/_message.json.jbuilder", lambda kind, v: v is None),
    ("push", "source_id"): Deviation(
        "source_id is null in push_event_data too", "app/models/message.rb (push_event_data)",
        lambda kind, v: v is None),
    ("push", "updated_at"): Deviation(
        "a conversation's messages[0] is push_event_data: updated_at as an ISO string",
        "app/models/message.rb (push_event_data)", lambda kind, v: isinstance(v, str), lambda v: 0),
    ("push", "sender_type"): Deviation(
        "push_event_data's sender_type is the Rails class (User, Contact, AgentBot), null for activity",
        "app/models/message.rb (push_event_data)", lambda kind, v: v is None or v[:1].isupper()),
    ("push", "sender_id"): Deviation(
        "sender_id is null for activity and template messages", "app/models/message.rb (push_event_data)",
        lambda kind, v: v is None),
    ("conversation", "priority"): Deviation(
        "priority is null when none is set", f"{J}/conversations/partials/_conversation.json.jbuilder",
        lambda kind, v: v is None),
    ("conversation", "snoozed_until"): Deviation(
        "snoozed_until is a time (ISO string), null unless snoozed",
        f"{J}/conversations/partials/_conversation.json.jbuilder", lambda kind, v: v is None or isinstance(v, str)),
    ("conversation", "status"): Deviation(
        "status can be snoozed; the spec's enum forgets it", "app/models/conversation.rb",
        lambda kind, v: v == "snoozed", lambda v: "pending"),
    ("conversation", "sla_policy_id"): Deviation(
        "sla_policy_id is null without an SLA", f"{J}/conversations/partials/_conversation.json.jbuilder",
        lambda kind, v: v is None),
    ("conversation", "timestamp"): Deviation(
        "timestamp is last_activity_at.to_i, an integer (the spec says string)",
        f"{J}/conversations/partials/_conversation.json.jbuilder", lambda kind, v: isinstance(v, int), str),
    ("sender", "email"): Deviation(
        "meta.sender is the contact partial: email null when unknown", f"{J}/models/_contact.json.jbuilder",
        lambda kind, v: v is None),
    ("sender", "phone_number"): Deviation(
        "meta.sender phone_number null when unknown", f"{J}/models/_contact.json.jbuilder",
        lambda kind, v: v is None),
    ("sender", "identifier"): Deviation(
        "meta.sender identifier null when unknown", f"{J}/models/_contact.json.jbuilder",
        lambda kind, v: v is None),
    ("messages_meta", "agent_last_seen_at"): Deviation(
        "agent_last_seen_at is null until an agent opened the conversation",
        f"{J}/accounts/conversations/messages/index.json.jbuilder", lambda kind, v: v is None),
    ("messages_meta", "assignee_last_seen_at"): Deviation(
        "assignee_last_seen_at is null until the assignee opened it",
        f"{J}/accounts/conversations/messages/index.json.jbuilder", lambda kind, v: v is None),
    ("assignment", "body"): Deviation(
        "unassigning (or an assignee_id no user has) answers `null`, not a user",
        "app/controllers/api/v1/accounts/conversations/assignments_controller.rb", lambda kind, v: v is None,
        lambda v: {}),
    ("user", "availability_status"): Deviation(
        "an agent's availability is AccountUser's enum (online, offline, busy); the spec says available",
        "app/models/account_user.rb (enum availability)", lambda kind, v: v == "online", lambda v: "available"),
    ("assignment_request", "assignee_id"): Deviation(
        "assignee_id null unassigns (the spec types it a number)",
        "app/controllers/api/v1/accounts/conversations/assignments_controller.rb", lambda kind, v: v is None,
        lambda v: 0),
    ("priority_request", "priority"): Deviation(
        "toggle_priority clears with null; the spec's \"none\" raises on the enum (500)",
        "app/models/conversation.rb (toggle_priority, enum priority)", lambda kind, v: v is None,
        lambda v: "low"),
}
seen: Counter[tuple[str, str]] = Counter()


def _fix(kind: str, obj: dict, keys: tuple[str, ...]) -> None:
    for key in keys:
        dev = DEVIATIONS.get((kind, key))
        if dev is not None and key in obj and dev.applies(kind, obj[key]):
            seen[(kind, key)] += 1
            value = dev.spec_value(obj[key])
            if value is None:
                del obj[key]
            else:
                obj[key] = value


def _fix_message(msg: dict, kind: str) -> None:
    _fix("message", msg, ("message_type", "content_type"))
    _fix(kind, msg, ("source_id", "updated_at", "sender_type", "sender_id"))


def _fix_conversation(conv: dict) -> None:
    _fix("conversation", conv, ("priority", "snoozed_until", "status", "sla_policy_id", "timestamp"))
    _fix("sender", conv["meta"]["sender"], ("email", "phone_number", "identifier"))
    for msg in conv["messages"]:
        _fix_message(msg, "push")
    if conv["last_non_activity_message"] is not None:
        _fix_message(conv["last_non_activity_message"], "push")
    else:
        del conv["last_non_activity_message"]


def _fix_users(body: Any) -> None:
    """Agents and users wherever they appear (lists, meta.assignee, message senders)."""
    if isinstance(body, list):
        for item in body:
            _fix_users(item)
    elif isinstance(body, dict):
        if "available_name" in body:
            _fix("user", body, ("availability_status",))
        for value in body.values():
            _fix_users(value)


def conform(path: str, body: Any) -> Any:
    """The answer with the listed deviations set to what the spec expects (each use counted)."""
    _fix_users(body)
    if path.endswith("/assignments"):
        if body is None:
            _fix("assignment", box := {"body": body}, ("body",))
            return box.get("body")
        return body
    if isinstance(body, dict) and "data" in body and "payload" in body["data"]:
        for conv in body["data"]["payload"]:
            _fix_conversation(conv)
    elif isinstance(body, dict) and "uuid" in body:
        _fix_conversation(body)
    elif isinstance(body, dict) and "payload" in body and "meta" in body and "labels" in body["meta"]:
        _fix("messages_meta", body["meta"], ("agent_last_seen_at", "assignee_last_seen_at"))
        for msg in body["payload"]:
            _fix_message(msg, "message")
    elif isinstance(body, dict) and "message_type" in body:
        _fix_message(body, "message")
    return body


class _SpecRequest(RequestsOpenAPIRequest):
    """The request as if sent to the spec's server (the demo listens on loopback instead)."""

    @property
    def host_url(self) -> str:
        return "https://app.chatwoot.com"


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    spec = json.loads(SPEC.read_text())
    missing = SERVED - set(spec["paths"])
    assert not missing, f"the spec has no {missing}"
    spec["paths"] = {path: item for path, item in spec["paths"].items() if path in SERVED}
    return OpenAPI.from_dict(spec)


def _check(openapi: OpenAPI, response: requests.Response, *, request_ok: bool = True) -> None:
    request = _SpecRequest(response.request)
    if request_ok:
        openapi.validate_request(request)
    if response.content:
        body = conform(request.path, response.json())
        response._content = json.dumps(body).encode()
    openapi.validate_response(request, RequestsOpenAPIResponse(response))


@pytest.mark.parametrize("path", [
    "/api/v1/profile", "{acc}/agents", "{acc}/teams", "{acc}/inboxes", "{acc}/contacts", "{acc}/contacts?page=3",
    "{acc}/contacts?sort=-name&page=2", "{acc}/contacts/5", "{acc}/contacts/search?q=gmail",
    "{acc}/contacts/search?q=%2B1&page=2", "{acc}/canned_responses",
    "{acc}/conversations", "{acc}/conversations?status=all&page=2", "{acc}/conversations?status=resolved",
    "{acc}/conversations?status=pending&assignee_type=me", "{acc}/conversations?assignee_type=unassigned",
    "{acc}/conversations?inbox_id=3&status=all", "{acc}/conversations?labels[]=refund&status=all",
    "{acc}/conversations/1", "{acc}/conversations/1999", "{acc}/conversations/10/messages",
    "{acc}/conversations/10/labels",
])
def test_reads_match_the_spec(openapi: OpenAPI, client: DemoClient, path: str) -> None:
    r = client.session.get(client.url + path.format(acc=client.acc), headers=client.headers, timeout=30)
    assert r.status_code == 200, r.text
    _check(openapi, r)


def test_every_seeded_conversation_and_message_matches_the_spec_but_the_known_deviations(
        openapi: OpenAPI, client: DemoClient, demo: DemoServer) -> None:
    """Not just a sample: all 80 pages of conversations, and messages of every 20th conversation and of a few
    open ones (the newest: most older ones are resolved). Every read-side deviation must really occur, and the
    raw answer must really be refused by the spec."""
    raw = client.get(client.acc + "/conversations", status="all")
    with pytest.raises(DataValidationError):
        openapi.validate_response(_SpecRequest(raw.request), RequestsOpenAPIResponse(raw))
    seen.clear()
    page = 1
    while True:
        r = client.get(client.acc + "/conversations", status="all", page=page)
        payload = r.json()["data"]["payload"]
        _check(openapi, r)
        if not payload:
            break
        page += 1
    assert page > 80
    still_open = [c.id for c in demo.state.conversations if c.status == "open"][-5:]
    for conv_id in [*range(1, 2001, 20), *still_open]:
        _check(openapi, client.get(f"{client.acc}/conversations/{conv_id}/messages"))
        _check(openapi, client.get(f"{client.acc}/conversations/{conv_id}/messages", after=0))
    read_side = {k for k in DEVIATIONS if k[0] not in ("assignment", "assignment_request", "priority_request")} - {
        ("conversation", "status")}  # nothing is snoozed before a client snoozes it
    assert read_side - set(seen) == set(), "listed deviations that no longer occur"


def test_pushes_and_their_answers_match_the_spec(openapi: OpenAPI, fresh_client: DemoClient) -> None:
    c = fresh_client
    conv = f"{c.acc}/conversations/12"
    seen.clear()
    bodies = [
        ("POST", conv + "/messages", {"content": "On its way!", "message_type": "outgoing", "private": False,
                                      "content_attributes": {"deskapp_client_id": "0f0e"}}),
        ("POST", conv + "/messages", {"content": "checked with warehouse", "private": True}),
        ("POST", conv + "/toggle_status", {"status": "resolved"}),
        ("POST", conv + "/toggle_status", {"status": "snoozed", "snoozed_until": 1893456000}),
        ("GET", conv, None),
        ("POST", conv + "/toggle_status", {"status": "open"}),
        ("POST", conv + "/toggle_priority", {"priority": "urgent"}),
        ("POST", conv + "/assignments", {"assignee_id": 4}),
        ("POST", conv + "/assignments", {"team_id": 2}),
        ("POST", conv + "/labels", {"labels": ["refund", "vip"]}),
        ("PATCH", conv, {"priority": "low"}),
        ("POST", f"{c.acc}/actions/contact_merge", {"base_contact_id": 1, "mergee_contact_id": 2}),
    ]
    for method, path, body in bodies:
        r = c.request(method, path, body)
        assert r.status_code == 200, (path, r.text)
        _check(openapi, r)
    # requests the server needs that the spec refuses: null clears a priority, null unassigns
    for path, body, key in ((conv + "/toggle_priority", {"priority": None}, ("priority_request", "priority")),
                            (conv + "/assignments", {"assignee_id": None}, ("assignment_request", "assignee_id"))):
        r = c.request("POST", path, body)
        assert r.status_code == 200, r.text
        with pytest.raises(OpenAPIError):
            openapi.validate_request(_SpecRequest(r.request))
        _fix(key[0], dict(body), (key[1],))
        _check(openapi, r, request_ok=False)
    assert {("assignment", "body"), ("conversation", "status"), ("priority_request", "priority"),
            ("assignment_request", "assignee_id")} <= set(seen)


def test_a_deleted_message_matches_the_spec(openapi: OpenAPI, fresh_client: DemoClient) -> None:
    c = fresh_client
    first = c.get(f"{c.acc}/conversations/12/messages").json()["payload"][0]["id"]
    r = c.session.delete(f"{c.url}{c.acc}/conversations/12/messages/{first}", headers=c.headers, timeout=30)
    assert r.status_code == 200, r.text
    _check(openapi, r)
    after = c.get(f"{c.acc}/conversations/12/messages")
    _check(openapi, after)
    gone = next(m for m in after.json()["payload"] if m["id"] == first)
    assert gone["content"] == "This message was deleted" and gone["content_attributes"] == {"deleted": True}


def test_the_check_would_catch_a_wrong_shape(openapi: OpenAPI, client: DemoClient) -> None:
    """Guard against a vacuous contract test: a message_type outside the spec's enum must fail."""
    r = client.get(client.acc + "/conversations/10/messages")
    for wrong in ("outgoing", 7):
        body = conform("", r.json())
        body["payload"][0]["message_type"] = wrong
        r._content = json.dumps(body).encode()
        with pytest.raises(DataValidationError):
            openapi.validate_response(_SpecRequest(r.request), RequestsOpenAPIResponse(r))

