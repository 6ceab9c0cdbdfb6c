"""connectors.chatwoot_answers: Chatwoot's refusals (its RequestExceptionHandler bodies, validation messages,
bodies that are not JSON) read as the reason the agent sees; a 2xx answer passes through untouched."""

from __future__ import annotations

import json

import pytest
import requests

from deskapp.connectors.chatwoot_answers import Rejected, check, service_words


def answer(status: int, body: bytes | str | dict) -> requests.Response:
    """A response as requests builds it from the wire: status and raw body bytes."""
    response = requests.Response()
    response.status_code = status
    if isinstance(body, dict):
        body = json.dumps(body)
    response._content = body.encode() if isinstance(body, str) else body
    response.url = "http://127.0.0.1/api/v1/accounts/1/conversations/9/messages"
    return response


@pytest.mark.parametrize(("body", "words"), [
    ({"error": "Resource could not be found"}, "Resource could not be found"),
    ({"message": "Content is too long", "attributes": ["content"]}, "Content is too long"),
    ({"errors": ["Email has already been taken", "Name is blank"]}, "Email has already been taken; Name is blank"),
    ({"message": "first", "error": "second"}, "first"),
    ({"error": ""}, ""), ({"error": None, "errors": []}, ""), ({}, ""), ([], ""), (None, ""), (7, ""),
    ('{"error": "as text"}', "as text"), (b'{"message": "as bytes"}', "as bytes"),
    ("<html>502 Bad Gateway</html>", ""), (b"\xff\xfe\x00garbage", ""),
])
def test_service_words(body, words):
    assert service_words(body) == words


@pytest.mark.parametrize("status", [200, 201, 204])
def test_a_success_passes_through(status):
    response = answer(status, b"")
    assert check(response) is response


@pytest.mark.parametrize(("status", "body", "reason", "message"), [
    (404, {"error": "Resource could not be found"}, "deleted", "Resource could not be found"),
    (404, b"", "deleted", "it no longer exists on the hub"),
    (410, "<html>gone</html>", "deleted", "it no longer exists on the hub"),
    (413, b"<html>Request Entity Too Large</html>", "too large", ""),
    (422, {"message": "Validation failed: Content is too long"}, "rejected: Validation failed: Content is too long",
     "Validation failed: Content is too long"),
    (422, {"attributes": ["content"]}, "rejected", ""),
    (401, {"error": "You are not authorized to do this action"}, "HTTP 401: You are not authorized to do this action",
     "You are not authorized to do this action"),
    (403, b"not json at all", "HTTP 403", ""),
    (500, {"errors": ["boom"]}, "HTTP 500: boom", "boom"),
])
def test_a_refusal_becomes_rejected_with_the_agents_reason(status, body, reason, message):
    with pytest.raises(Rejected) as refused:
        check(answer(status, body))
    assert refused.value.reason == reason and str(refused.value) == reason
    assert refused.value.detail == {"status": status, "message": message}


def test_rejected_without_detail_has_an_empty_one():
    assert Rejected("deleted").detail == {}
