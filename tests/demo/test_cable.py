"""The demo hub's real-time routes: typing status and the public client API, as Chatwoot answers them."""

from __future__ import annotations

import pytest

from deskapp.demo.chatwoot_json import contact_source
from deskapp.demo.chatwoot_live import inbox_identifier
from deskapp.demo.faults import FaultError, parse_faults


def _public_path(demo, conv_id, inbox=None, contact=None):
    state = demo.state
    conv = state.conversation(conv_id)
    return (f"/public/api/v1/inboxes/{inbox or inbox_identifier(conv.inbox_id)}/contacts/"
            f"{contact or contact_source(state, conv)}/conversations/{conv_id}/messages")


def test_public_api_creates_an_incoming_message_and_checks_its_identifiers(demo, client):
    import requests

    answer = requests.post(client.url + _public_path(demo, 4), json={"content": "Hi"}, timeout=10)
    assert answer.status_code == 200
    body = answer.json()
    assert body["message_type"] == 0 and body["conversation_id"] == 4 and body["sender"]["type"] == "contact"
    listed = client.get(f"{client.acc}/conversations/4/messages").json()["payload"]
    assert listed[-1]["id"] == body["id"] and listed[-1]["content"] == "Hi"
    assert requests.post(client.url + _public_path(demo, 4, inbox="nope"), json={"content": "x"},
                         timeout=10).status_code == 404
    assert requests.post(client.url + _public_path(demo, 4, contact="nope"), json={"content": "x"},
                         timeout=10).status_code == 404
    assert requests.post(client.url + _public_path(demo, 4), json={"content": ""}, timeout=10).status_code == 422
    assert requests.post(client.url + _public_path(demo, 4), data=b"{oops", timeout=10,
                         headers={"Content-Type": "application/json"}).status_code == 400


def test_toggle_typing_status_answers_head_ok_and_checks_the_conversation(demo, client):
    answer = client.post(f"{client.acc}/conversations/4/toggle_typing_status", {"typing_status": "on"})
    assert answer.status_code == 200 and answer.content == b""
    assert client.post(f"{client.acc}/conversations/999999/toggle_typing_status",
                       {"typing_status": "on"}).status_code == 404


def test_profile_carries_the_pubsub_token(client):
    assert client.get("/api/v1/profile").json()["pubsub_token"]


def test_cable_blocked_is_a_fault_switch():
    assert parse_faults({"cable_blocked": True}).cable_blocked is True
    with pytest.raises(FaultError, match="cable_blocked"):
        parse_faults({"cable_blocked": "yes"})
