"""demo.chatwoot_common: what every demo Chatwoot handler shares: Ruby's lenient integers, paging with the
server's one-row overlap, Rails' params, the error answers, and the conversation look-up with its
permission check."""

from __future__ import annotations

import pytest

from deskapp.demo.chatwoot_common import (
    NOT_AUTHORIZED,
    NOT_FOUND,
    ApiError,
    body_dict,
    conversation_for,
    page_of,
    param,
    ruby_int,
)
from deskapp.demo.state import DemoState
from tests.demo.conftest import PINNED_NOW


@pytest.mark.parametrize(("value", "number"), [
    ("3", 3), (" 42abc", 42), ("-7", -7), ("+5", 5), ("abc", 0), ("", 0), ("1e3", 1), (2.9, 2), (None, 9),
    (True, 9), ("99999999999999999999", 99999999999999999999),
])
def test_ruby_to_i_never_refuses_a_parameter(value, number):
    assert ruby_int(value, 9) == number


def test_paging_with_and_without_the_overlapping_row():
    rows = list(range(1, 51))
    assert page_of(rows, 1, 25, overlap=False) == rows[:25]
    assert page_of(rows, 2, 25, overlap=False) == rows[25:50]
    assert page_of(rows, 2, 25, overlap=True) == rows[24:50]  # the last row of page 1 again
    assert page_of(rows, 1, 25, overlap=True) == rows[:25]
    assert page_of(rows, 3, 25, overlap=False) == []
    assert page_of(rows, 0, 25, overlap=False) == []  # page=0 reads nothing, as Kaminari's page 0 does not exist


def test_the_last_value_of_a_repeated_parameter_wins_and_a_json_non_object_has_no_params():
    assert param({"page": ["1", "2"]}, "page") == "2"
    assert param({"page": []}, "page") is None and param({}, "page") is None
    assert body_dict({"content": "hi"}) == {"content": "hi"}
    assert body_dict(["content"]) == {} and body_dict("text") == {} and body_dict(None) == {}


def test_error_answers_carry_the_real_servers_status_and_body():
    assert (ApiError.not_found().status, ApiError.not_found().body) == (404, NOT_FOUND)
    assert (ApiError.not_authorized().status, ApiError.not_authorized().body) == (401, NOT_AUTHORIZED)
    assert ApiError.internal().status == 500
    refused = ApiError.unprocessable("Label is invalid")
    assert (refused.status, refused.body) == (422, {"error": "Label is invalid"})


@pytest.fixture(scope="module")
def state() -> DemoState:
    return DemoState(seed=1, scale="small", now=PINNED_NOW)


def test_a_conversation_by_its_display_id_when_the_agent_may_see_it(state):
    admin = next(a["id"] for a in state.world.agents if state.is_admin(a["id"]))
    assert conversation_for(state, admin, "1") is state.conversation(1)
    assert conversation_for(state, admin, "2abc") is state.conversation(2)  # to_i


@pytest.mark.parametrize("raw", ["abc", "0", "-1", "999999", None])
def test_an_id_that_is_not_there_is_404(state, raw):
    admin = next(a["id"] for a in state.world.agents if state.is_admin(a["id"]))
    with pytest.raises(ApiError) as refused:
        conversation_for(state, admin, raw)
    assert refused.value.status == 404 and refused.value.body == NOT_FOUND


def test_a_conversation_of_an_inbox_the_agent_is_not_in_is_401(state):
    pairs = ((a["id"], c) for a in state.world.agents for c in state.conversations[:200]
             if not state.can_see(a["id"], c))
    agent_id, hidden = next(pairs)
    with pytest.raises(ApiError) as refused:
        conversation_for(state, agent_id, str(hidden.id))
    assert refused.value.status == 401 and refused.value.body == NOT_AUTHORIZED
