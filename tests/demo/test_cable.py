"""The demo hub's real-time routes: typing status and the cable's fault switch, as Chatwoot answers them."""

from __future__ import annotations

import pytest

from deskapp.demo.faults import FaultError, parse_faults


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
