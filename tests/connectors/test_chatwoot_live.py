"""Chatwoot's calls that are not synced data (typing, availability, latest messages) against the demo hub over
loopback, and what they make of answers that are refused or malformed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deskapp.connectors import chatwoot_live as live
from deskapp.connectors.base import AuthError, PayloadError, TransientError
from deskapp.connectors.http import HttpClient, HttpStatusError
from deskapp.demo.server import DemoServer
from tests.connectors.scripted_server import Reply, ScriptedServer
from tests.demo.conftest import PINNED_NOW


@pytest.fixture(scope="module")
def hub() -> Iterator[DemoServer]:
    with DemoServer(seed=3, scale="small", live=False, now=PINNED_NOW) as server:
        yield server


def _client(server: DemoServer, agent_id: int) -> tuple[HttpClient, str]:
    http = HttpClient(server.url, {"api_access_token": f"cw-demo-token-{agent_id}"}, sleep=lambda s: None)
    return http, f"/api/v1/accounts/{server.state.account_id}"


def test_typing_reaches_the_hub_and_an_unknown_conversation_is_refused(hub):
    http, prefix = _client(hub, 2)
    conv = next(c for c in hub.state.conversations if c.status != "resolved")
    assert live.toggle_typing(http, prefix, str(conv.id), True, private=True) is True
    logged = {k: v for k, v in hub.state.typing_log[-1].items() if k != "at"}
    assert logged == {"conversation_id": conv.id, "user_id": 2, "typing_status": "on", "is_private": True}
    live.toggle_typing(http, prefix, str(conv.id), False)
    assert hub.state.typing_log[-1]["typing_status"] == "off"
    with pytest.raises(HttpStatusError, match="HTTP 404"):
        live.toggle_typing(http, prefix, "999999", True)


def test_my_availability_and_an_administrators_change_show_in_the_agents_list(hub):
    http, prefix = _client(hub, 2)
    admin, _ = _client(hub, 1)
    assert live.set_my_availability(http, hub.state.account_id, "busy") is True
    assert live.set_agent_availability(admin, prefix, "3", "offline") is True
    seen = live.agent_availability(http, prefix)
    assert seen["2"] == "busy" and seen["3"] == "offline" and seen["1"] == "online"
    with pytest.raises(AuthError):  # UserPolicy#update: administrators only
        live.set_agent_availability(http, prefix, "4", "offline")
    assert live.agent_availability(http, prefix)["4"] == "online"
    with pytest.raises(HttpStatusError, match="HTTP 404"):  # another account's user
        live.set_my_availability(http, 999, "online")


def test_an_unknown_availability_is_refused_before_any_request(hub):
    http, prefix = _client(hub, 1)
    before = live.agent_availability(http, prefix)
    for bad in ("away", "", "ONLINE"):
        with pytest.raises(ValueError, match="availability is one of"):
            live.set_my_availability(http, hub.state.account_id, bad)
        with pytest.raises(ValueError, match="availability is one of"):
            live.set_agent_availability(http, prefix, "3", bad)
    assert live.agent_availability(http, prefix) == before


def test_latest_messages_are_the_conversations_newest_oldest_first(hub):
    http, prefix = _client(hub, 1)
    conv = max(hub.state.conversations, key=lambda c: len(hub.state.messages(c)))
    messages = live.latest_messages(http, prefix, str(conv.id))
    assert 0 < len(messages) <= 20
    assert [m["id"] for m in messages] == sorted(m["id"] for m in messages)
    assert messages[-1]["id"] == hub.state.messages(conv)[-1]["id"]
    with pytest.raises(HttpStatusError, match="HTTP 404"):
        live.latest_messages(http, prefix, "999999")


def test_malformed_answers_give_empty_reads_or_a_clear_error():
    scripted = ScriptedServer().start()
    try:
        http = HttpClient(scripted.url, {"api_access_token": "t"}, sleep=lambda s: None)
        scripted.script("GET", "/p/agents", Reply(body=[
            {"id": 1, "availability_status": "online"}, {"id": 2, "availability_status": "on_leave"},
            {"availability_status": "busy"}, "not an agent", {"id": 3, "availability_status": None}]))
        assert live.agent_availability(http, "/p") == {"1": "online"}
        scripted.script("GET", "/p/agents", Reply(body={"payload": []}))
        assert live.agent_availability(http, "/p") == {}
        scripted.script("GET", "/p/conversations/7/messages", Reply(body={"payload": [{"id": 1}, 5, None]}))
        assert live.latest_messages(http, "/p", "7") == [{"id": 1}]
        scripted.script("GET", "/p/conversations/7/messages", Reply(body={"payload": "nope"}))
        assert live.latest_messages(http, "/p", "7") == []
        scripted.script("GET", "/p/conversations/7/messages", Reply(body="{not json"))
        with pytest.raises(PayloadError, match="messages"):
            live.latest_messages(http, "/p", "7")
        scripted.script("POST", "/p/conversations/7/toggle_typing_status", Reply(500, {"error": "boom"}))
        with pytest.raises(TransientError):  # one attempt only: best effort, never retried here
            live.toggle_typing(http, "/p", "7", True)
        assert len(scripted.requests_to("/p/conversations/7/toggle_typing_status")) == 1
    finally:
        scripted.stop()
