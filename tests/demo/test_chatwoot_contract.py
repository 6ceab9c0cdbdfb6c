"""Every Chatwoot endpoint the demo serves answers, and accepts requests, as the published swagger.json says.

The spec file itself does not pass openapi-spec-validator (a public-API path declares a Swagger-2-style
parameter), so, as the contracts README allows, the test derives a narrower contract: the same file with
only the paths the demo serves. Where the spec is silent (csat_survey_responses; `updated_within`,
`sort_by`, `after`/`before` query parameters) the tests in test_paging.py check the server-side behaviour
described in the contracts README instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.validation.response.exceptions import DataValidationError

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


def _check(openapi: OpenAPI, response: requests.Response) -> None:
    request = _SpecRequest(response.request)
    openapi.validate_request(request)
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


def test_every_seeded_conversation_and_message_matches_the_spec(openapi: OpenAPI, client: DemoClient) -> None:
    """Not just a sample: all 80 pages of conversations, and messages of every 40th conversation."""
    page = 1
    while True:
        r = client.get(client.acc + "/conversations", status="all", page=page)
        _check(openapi, r)
        payload = r.json()["data"]["payload"]
        if not payload:
            break
        page += 1
    assert page > 80
    for conv_id in range(1, 2001, 40):
        _check(openapi, client.get(f"{client.acc}/conversations/{conv_id}/messages"))


def test_pushes_and_their_answers_match_the_spec(openapi: OpenAPI, fresh_client: DemoClient) -> None:
    c = fresh_client
    conv = f"{c.acc}/conversations/12"
    bodies = [
        ("POST", conv + "/messages", {"content": "On its way!", "message_type": "outgoing", "private": False,
                                      "content_attributes": {"deskapp_client_id": "0f0e"}}),
        ("POST", conv + "/messages", {"content": "checked with warehouse", "private": True}),
        ("POST", conv + "/toggle_status", {"status": "resolved"}),
        ("POST", conv + "/toggle_status", {"status": "snoozed", "snoozed_until": 1893456000}),
        ("POST", conv + "/toggle_status", {"status": "open"}),
        ("POST", conv + "/toggle_priority", {"priority": "urgent"}),
        ("POST", conv + "/assignments", {"assignee_id": 4}),
        ("POST", conv + "/assignments", {"team_id": 2}),
        ("POST", conv + "/labels", {"labels": ["refund", "vip"]}),
        ("PATCH", conv, {"priority": "low"}),
        ("POST", f"{c.acc}/actions/contact_merge", {"base_contact_id": 1, "mergee_contact_id": 2}),
    ]
    for method, path, body in bodies:
        r = c.session.request(method, c.url + path, headers=c.headers, json=body, timeout=30)
        assert r.status_code == 200, (path, r.text)
        _check(openapi, r)


def test_a_deleted_message_matches_the_spec(openapi: OpenAPI, fresh_client: DemoClient) -> None:
    c = fresh_client
    first = c.get(f"{c.acc}/conversations/12/messages").json()["payload"][0]["id"]
    r = c.session.delete(f"{c.url}{c.acc}/conversations/12/messages/{first}", headers=c.headers, timeout=30)
    assert r.status_code == 200, r.text
    _check(openapi, r)
    after = c.get(f"{c.acc}/conversations/12/messages")
    _check(openapi, after)
    gone = next(m for m in after.json()["payload"] if m["id"] == first)
    assert gone["content"] == "This message was deleted" and gone["content_attributes"]["deleted"] is True


def test_the_check_would_catch_a_wrong_shape(openapi: OpenAPI, client: DemoClient) -> None:
    """Guard against a vacuous contract test: a message_type outside the spec's enum must fail."""
    r = client.get(client.acc + "/conversations/10/messages")

    for wrong in ("outgoing", 7):
        body = r.json()
        body["payload"][0]["message_type"] = wrong
        r._content = json.dumps(body).encode()
        with pytest.raises(DataValidationError):
            _check(openapi, r)


def test_errors_are_json_with_the_right_status(client: DemoClient) -> None:
    assert client.get(client.acc + "/conversations/999999").status_code == 404
    assert client.get("/api/v1/accounts/1/conversations").status_code == 401  # not our account
    r = client.session.get(client.url + client.acc + "/agents", headers={"api_access_token": "nope"}, timeout=10)
    assert r.status_code == 401 and "error" in r.json()
    r = client.session.get(client.url + client.acc + "/agents", timeout=10)
    assert r.status_code == 401
    assert client.get(client.acc + "/conversations", status="bogus").status_code == 400
    assert client.get(client.acc + "/contacts", sort="shoe_size").status_code == 400
    r = client.session.post(client.url + client.acc + "/conversations/3/messages", headers=client.headers,
                            data=b"{not json", timeout=10)
    assert r.status_code == 400
    assert client.post(client.acc + "/conversations/3/messages", {"private": True}).status_code == 422
    bad_type = {"content": "x", "message_type": "x"}
    assert client.post(client.acc + "/conversations/3/messages", bad_type).status_code == 422
    assert client.post(client.acc + "/conversations/3/toggle_status", {"status": "closed"}).status_code == 422
    assert client.post(client.acc + "/conversations/3/labels", {"labels": "refund"}).status_code == 422
    assert client.post(client.acc + "/conversations/3/assignments", {"assignee_id": 99}).status_code == 404
    assert client.post(client.acc + "/actions/contact_merge", {"base_contact_id": 1}).status_code == 400
    assert client.post(client.acc + "/actions/contact_merge",
                       {"base_contact_id": 1, "mergee_contact_id": 999999}).status_code == 400
    assert client.post(client.acc + "/conversations/3/toggle_priority", {"priority": "meh"}).status_code == 422
    assert client.session.delete(client.url + client.acc + "/agents", headers=client.headers,
                                 timeout=10).status_code == 405
