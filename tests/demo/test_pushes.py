"""Pushes change the server's state the way Chatwoot does, keep what the client sent, and live traffic
keeps arriving (new messages, new conversations, shop updates) while the server runs."""

from __future__ import annotations

import time

from deskapp.demo.server import DemoServer
from tests.demo.conftest import DemoClient


def test_reply_and_note_keep_content_attributes(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    conv = next(x for x in fresh.state.conversations if x.status == "open" and x.first_reply_at is None)
    path = f"{c.acc}/conversations/{conv.id}/messages"
    reply = c.post(path, {"content": "Your parcel is on its way", "message_type": "outgoing", "private": False,
                          "content_attributes": {"deskapp_client_id": "5d1c", "extra": [1, {"a": None}]}}).json()
    assert reply["content_attributes"] == {"deskapp_client_id": "5d1c", "extra": [1, {"a": None}]}
    assert reply["message_type"] == 1 and reply["sender_type"] == "agent" and reply["sender"]["id"] == fresh.state.me_id
    note = c.post(path, {"content": "internal", "private": True}).json()
    assert note["private"] is True and note["id"] > reply["id"]
    listed = c.get(path, after=reply["id"] - 1).json()["payload"]
    assert [m["content_attributes"] for m in listed] == [reply["content_attributes"], {}]
    assert conv.first_reply_at is not None and conv.waiting_since is None
    incoming = c.post(path, {"content": "thanks!", "message_type": "incoming"}).json()
    assert incoming["message_type"] == 0 and incoming["sender"]["type"] == "contact"
    assert [m["message_type"] for m in fresh.state.received_messages] == ["outgoing", "outgoing", "incoming"]


def test_status_assign_labels_priority(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    conv = next(x for x in fresh.state.conversations if x.status == "open")
    base = f"{c.acc}/conversations/{conv.id}"
    before = conv.updated_at
    assert c.post(base + "/toggle_status", {"status": "resolved"}).json()["payload"]["current_status"] == "resolved"
    assert c.get(base).json()["status"] == "resolved" and conv.updated_at > before
    snoozed = c.post(base + "/toggle_status", {"status": "snoozed", "snoozed_until": 1893456000}).json()
    assert snoozed["payload"]["current_status"] == "snoozed" and c.get(base).json()["snoozed_until"] == 1893456000
    assert c.post(base + "/toggle_status", {}).json()["payload"]["current_status"] == "resolved"  # Chatwoot toggles
    assert c.post(base + "/toggle_status", {}).json()["payload"]["current_status"] == "open"
    agent = c.post(base + "/assignments", {"assignee_id": 6}).json()
    assert agent["id"] == 6 and c.get(base).json()["meta"]["assignee"]["id"] == 6
    assert c.post(base + "/assignments", {"assignee_id": None}).json() == {}
    assert "assignee" not in c.get(base).json()["meta"]
    team = c.post(base + "/assignments", {"team_id": 2}).json()
    assert team["id"] == 2 and c.get(base).json()["meta"]["team"]["id"] == 2
    labels = {"labels": ["Refund", "vip", "vip", "escalated"]}
    assert c.post(base + "/labels", labels).json() == {"payload": ["escalated", "refund", "vip"]}
    assert c.get(base + "/labels").json() == {"payload": ["escalated", "refund", "vip"]}
    r = c.post(base + "/toggle_priority", {"priority": "urgent"})
    assert r.status_code == 200 and r.content == b""
    assert c.get(base).json()["priority"] == "urgent"
    c.post(base + "/toggle_priority", {"priority": "none"})
    assert "priority" not in c.get(base).json()
    patched = c.session.patch(c.url + base, headers=c.headers, json={"priority": "low"}, timeout=10).json()
    assert patched["priority"] == "low"
    activity = [m["content"] for m in fresh.state.messages(conv) if m["message_type"] == 2][-8:]
    assert any("Assigned to" in a for a in activity) and any("added" in a and "escalated" in a for a in activity)
    kinds = [p["kind"] for p in fresh.state.push_log]
    assert kinds == ["status"] * 4 + ["assign", "assign", "assign_team", "labels", "priority", "priority", "update"]


def test_incoming_message_reopens_a_resolved_conversation(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    conv = next(x for x in fresh.state.conversations if x.status == "resolved")
    c.post(f"{c.acc}/conversations/{conv.id}/messages", {"content": "it broke again", "message_type": "incoming"})
    assert conv.status == "open" and conv.waiting_since is not None


def test_live_traffic_arrives() -> None:
    srv = DemoServer(seed=5, live=True, live_interval=0.05)
    srv.start()
    try:
        convs, msgs = len(srv.state.conversations), srv.state.message_count()
        deadline = time.monotonic() + 10
        while srv.state.live_events < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert srv.state.live_events >= 20
        assert srv.state.message_count() > msgs
        new = srv.state.conversations[convs:]
        assert new, "some live events open new conversations"
        c = DemoClient(srv.info())
        fresh_list = c.get(c.acc + "/conversations", status="all", updated_within=60).json()["data"]["payload"]
        assert {x.id for x in new} <= {x["id"] for x in fresh_list}
        first = c.get(f"{c.acc}/conversations/{new[0].id}/messages").json()["payload"]
        assert first[0]["message_type"] == 0 and first[0]["content"]
    finally:
        srv.stop()
    count = srv.state.live_events
    time.sleep(0.2)
    assert srv.state.live_events == count  # stop() stops the live thread too


def test_live_events_on_demand(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    kinds = c.session.post(c.url + "/demo/live", json={"events": 40}, timeout=30).json()["events"]
    assert len(kinds) == 40 and {"message", "conversation"} <= set(kinds)
    assert fresh.state.live_events == 40
