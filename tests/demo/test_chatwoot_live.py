"""The demo hub's public client API: a customer's message as Chatwoot routes, checks and answers it."""

from __future__ import annotations

import requests

from deskapp.demo.chatwoot_json import contact_source
from deskapp.demo.chatwoot_live import inbox_identifier


def _public_path(demo, conv_id, inbox=None, contact=None):
    state = demo.state
    conv = state.conversation(conv_id)
    return (f"/public/api/v1/inboxes/{inbox or inbox_identifier(conv.inbox_id)}/contacts/"
            f"{contact or contact_source(state, conv)}/conversations/{conv_id}/messages")


def test_public_api_creates_an_incoming_message_and_checks_its_identifiers(demo, client):
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
