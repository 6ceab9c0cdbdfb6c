"""demo.chatwoot_api: one request to (status, body) as a Chatwoot v4 server routes it, called in-process: the
routes answer, a trailing slash is the same route, another account is 401 (a non-numeric one 404), an unknown
route or verb is Rails' routing 404 (no 405), and a handler's refusal comes back as its status and body."""

from __future__ import annotations

import pytest

from deskapp.demo.chatwoot_api import ROUTE_NOT_FOUND, dispatch
from deskapp.demo.chatwoot_common import NOT_FOUND, OTHER_ACCOUNT
from deskapp.demo.state import DemoState
from tests.demo.conftest import PINNED_NOW


@pytest.fixture(scope="module")
def state() -> DemoState:
    return DemoState(seed=3, scale="small", now=PINNED_NOW)


def call(state, method, path, query=None, body=None, me=None):
    return dispatch(state, method, path, query or {}, body, state.me_id if me is None else me)


def acc(state) -> str:
    return f"/api/v1/accounts/{state.account_id}"


def test_the_reads_answer(state):
    status, profile = call(state, "GET", "/api/v1/profile")
    assert status == 200 and profile["id"] == state.me_id
    for path in ("/agents", "/teams", "/inboxes", "/labels", "/canned_responses", "/conversations", "/contacts"):
        status, _ = call(state, "GET", acc(state) + path)
        assert status == 200, path


def test_a_trailing_slash_is_the_same_route(state):
    assert call(state, "GET", acc(state) + "/agents/") == call(state, "GET", acc(state) + "/agents")


def test_another_account_is_not_the_users(state):
    assert call(state, "GET", "/api/v1/accounts/999/agents") == (401, OTHER_ACCOUNT)
    assert call(state, "GET", "/api/v1/accounts/abc/agents") == (404, NOT_FOUND)


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v1/nothing"), ("DELETE", "/api/v1/profile"), ("PUT", "/agents"), ("GET", "/conversations/1/x"),
    ("GET", ""), ("POST", "/conversations"),
])
def test_an_unknown_route_or_verb_is_a_routing_404(state, method, path):
    full = path if path.startswith("/api") or not path else acc(state) + path
    assert call(state, method, full) == (404, ROUTE_NOT_FOUND)


def test_a_handlers_refusal_is_its_status_and_body(state):
    assert call(state, "GET", acc(state) + "/conversations/999999")[0] == 404
    status, _ = call(state, "GET", acc(state) + "/conversations/not-a-number/messages")
    assert status == 404

