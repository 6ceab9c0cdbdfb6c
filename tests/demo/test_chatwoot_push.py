"""Pushes change the hub's state the way Chatwoot's controllers and models do (activity messages in its words,
the first reply rule, the version-dependent message builder), and live traffic keeps arriving while it runs."""

from __future__ import annotations

import time

import pytest

from deskapp.demo.server import DemoServer
from tests.demo.conftest import PINNED_NOW, DemoClient


def _activity(srv: DemoServer, conv_id: int) -> list[str]:
    return [m["content"] for m in srv.state.messages(srv.state.conversation(conv_id)) if m["message_type"] == 2]


def test_v4_keeps_content_attributes_and_never_echo_id(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    conv = next(x for x in fresh.state.conversations if x.status == "open" and x.first_reply_at is None)
    path = f"{c.acc}/conversations/{conv.id}/messages"
    sent = {"content": "Your parcel is on its way", "message_type": "outgoing", "private": False, "echo_id": "e-77",
            "content_attributes": {"deskapp_client_id": "5d1c", "extra": [1, {"a": None}]}, "source_id": "src-1"}
    reply = c.post(path, sent).json()
    assert reply["content_attributes"] == {"deskapp_client_id": "5d1c", "extra": [1, {"a": None}]}
    assert reply["echo_id"] == "e-77"  # on the object just built: the create answer carries it
    assert reply["message_type"] == 1 and reply["sender"] == {
        "id": fresh.state.me_id, "name": "Alex Chen", "available_name": "Alex Chen", "avatar_url": "",
        "type": "user", "availability_status": "online", "thumbnail": ""}
    assert not {"sender_type", "sender_id", "updated_at", "account_id", "additional_attributes"} & set(reply)
    listed = c.get(path, after=reply["id"] - 1).json()["payload"]
    assert listed[0]["content_attributes"] == reply["content_attributes"] and "echo_id" not in listed[0]
    assert listed[0]["source_id"] == "src-1"
    shown = c.get(f"{c.acc}/conversations/{conv.id}").json()
    assert shown["first_reply_created_at"] == reply["created_at"] and shown["waiting_since"] == 0


def test_v3_keeps_only_items_in_reply_to_and_automation_rule() -> None:
    with DemoServer(seed=3, live=False, now=PINNED_NOW, chatwoot_version="3.x") as srv:
        c = DemoClient(srv.info())
        assert c.session.get(c.url + "/api", timeout=10).json()["version"].startswith("3.")
        attrs = {"deskapp_client_id": "5d1c", "in_reply_to": 12, "items": [{"title": "a", "value": "a"}]}
        reply = c.post(f"{c.acc}/conversations/5/messages", {"content": "hi", "content_attributes": attrs,
                                                               "echo_id": "e-1", "source_id": "s"}).json()
        assert reply["content_attributes"] == {"in_reply_to": 12, "items": [{"title": "a", "value": "a"}]}
        assert reply["source_id"] is None
        listed = c.get(f"{c.acc}/conversations/5/messages").json()["payload"][-1]
        assert listed["id"] == reply["id"] and "deskapp_client_id" not in listed["content_attributes"]
        # an older server creates labels it does not know
        labels = c.post(f"{c.acc}/conversations/5/labels", {"labels": ["brand-new"]}).json()
        assert labels == {"payload": ["brand-new"]}
    with pytest.raises(ValueError, match="chatwoot_version"):
        DemoServer(chatwoot_version="5.x")


def test_a_bot_reply_is_no_first_reply_and_a_campaign_message_neither(fresh_client: DemoClient,
                                                                       fresh: DemoServer) -> None:
    """Message#valid_first_reply?: only a user's public outgoing message without campaign_id counts."""
    c = fresh_client
    conv = next(x for x in fresh.state.conversations if x.first_reply_at is None and x.status == "open")
    path = f"{c.acc}/conversations/{conv.id}/messages"
    bot = c.post(path, {"content": "Our bot says hi", "sender_type": "AgentBot", "sender_id": 2}).json()
    assert bot["sender"] == {"id": 2, "name": "Returns Assistant", "avatar_url": "", "type": "agent_bot"}
    campaign = c.post(path, {"content": "Spring sale!", "campaign_id": 1}).json()
    note = c.post(path, {"content": "internal", "private": True}).json()
    assert campaign["sender"]["type"] == "user" and note["private"] is True
    assert c.get(f"{c.acc}/conversations/{conv.id}").json()["first_reply_created_at"] == 0
    assert conv.waiting_since is not None
    reply = c.post(path, {"content": "Hello!"}).json()
    after = c.get(f"{c.acc}/conversations/{conv.id}").json()
    assert after["first_reply_created_at"] == reply["created_at"] and after["waiting_since"] == 0
    second = c.post(path, {"content": "Anything else?"}).json()
    assert c.get(f"{c.acc}/conversations/{conv.id}").json()["first_reply_created_at"] == reply["created_at"] \
        < second["created_at"] + 1


def test_status_changes_leave_activity_messages_and_an_agent_who_opens_takes_it(
        fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    conv = next(x for x in fresh.state.conversations if x.status == "open" and x.assignee_id not in (None, 2))
    base = f"{c.acc}/conversations/{conv.id}"
    before = c.get(base).json()["updated_at"]
    resolved = c.post(base + "/toggle_status", {"status": "resolved"}).json()
    assert resolved == {"meta": {}, "payload": {"success": True, "current_status": "resolved",
                                                "conversation_id": conv.id}}
    shown = c.get(base).json()
    assert shown["status"] == "resolved" and shown["updated_at"] > before and shown["waiting_since"] == 0
    assert "resolved_at" not in shown
    last = c.get(base + "/messages").json()["payload"][-1]
    assert last["content"] == "Conversation was marked resolved by Alex Chen" and last["message_type"] == 2
    assert "sender" not in last
    snoozed = c.post(base + "/toggle_status", {"status": "snoozed", "snoozed_until": 1893456000}).json()
    assert snoozed["payload"]["current_status"] == "snoozed"
    assert c.get(base).json()["snoozed_until"] == "2030-01-01T00:00:00.000Z"  # a time, not a number
    assert c.post(base + "/toggle_status", {}).json()["payload"]["current_status"] == "open"  # toggles
    # the agent who opened it is assigned to it (ConversationsController#assign_conversation)
    assert c.get(base).json()["meta"]["assignee"]["id"] == fresh.state.me_id
    assert _activity(fresh, conv.id)[-3:] == ["Conversation was snoozed by Alex Chen",
                                              "Conversation was reopened by Alex Chen",
                                              "Alex Chen self-assigned this conversation"]
    assert c.post(base + "/toggle_status", {"status": "pending"}).status_code == 200
    assert _activity(fresh, conv.id)[-1] == "Conversation was marked as pending by Alex Chen"
    admin = fresh.info()["supervisor_token"]
    c.request("POST", base + "/assignments", {"assignee_id": 5}, token=admin)
    c.request("POST", base + "/toggle_status", {"status": "open"}, token=admin)
    assert conv.assignee_id == 5  # an administrator who opens it takes nothing


def test_priority_none_is_a_500_and_changes_nothing_null_clears(fresh_client: DemoClient,
                                                                 fresh: DemoServer) -> None:
    c = fresh_client
    conv = next(x for x in fresh.state.conversations if x.priority is None and x.status == "open")
    base = f"{c.acc}/conversations/{conv.id}"
    r = c.post(base + "/toggle_priority", {"priority": "urgent"})
    assert r.status_code == 200 and r.content == b""  # head :ok
    stamp = c.get(base).json()["updated_at"]
    for bad in ("none", "critical", "URGENT", 3):
        r = c.post(base + "/toggle_priority", {"priority": bad})
        assert r.status_code == 500 and r.json() == {"status": 500, "error": "Internal Server Error"}, bad
    shown = c.get(base).json()
    assert shown["priority"] == "urgent" and shown["updated_at"] == stamp
    assert c.post(base + "/toggle_priority", {"priority": "low"}).status_code == 200
    assert c.post(base + "/toggle_priority", {"priority": None}).status_code == 200
    assert c.get(base).json()["priority"] is None
    c.post(base + "/toggle_priority", {"priority": "high"})
    assert c.post(base + "/toggle_priority", {"priority": ""}).status_code == 200
    assert c.get(base).json()["priority"] is None
    assert c.request("PATCH", base, {"priority": "none"}).status_code == 500
    assert c.request("PATCH", base, {"priority": "medium"}).json()["priority"] == "medium"
    assert _activity(fresh, conv.id)[-6:] == [
        "Alex Chen set the priority to urgent", "Alex Chen changed the priority from urgent to low",
        "Alex Chen removed the priority", "Alex Chen set the priority to high", "Alex Chen removed the priority",
        "Alex Chen set the priority to medium"]


def test_assignments_and_labels(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    conv = next(x for x in fresh.state.conversations if x.status == "open" and x.team_id == 1
                and x.assignee_id != 6)
    base = f"{c.acc}/conversations/{conv.id}"
    agent = c.post(base + "/assignments", {"assignee_id": 6}).json()
    assert agent["id"] == 6 and agent["role"] == "agent" and c.get(base).json()["meta"]["assignee"]["id"] == 6
    r = c.post(base + "/assignments", {"assignee_id": 99})  # no such user: unassigns, answers null
    assert r.status_code == 200 and r.json() is None and conv.assignee_id is None
    team = c.post(base + "/assignments", {"team_id": 2}).json()
    assert team["id"] == 2 and c.get(base).json()["meta"]["team"]["id"] == 2
    assert c.post(base + "/assignments", {"team_id": 42}).json() is None and conv.team_id is None
    assert c.post(base + "/assignments", {}).json() is None
    assert _activity(fresh, conv.id)[-4:] == [
        "Assigned to Tom Becker by Alex Chen", "Conversation unassigned by Alex Chen",
        "Assigned to Returns & Billing by Alex Chen", "Unassigned from Returns & Billing by Alex Chen"]
    labels = {"labels": ["Refund", "vip", "vip", "no-such-label"]}
    assert c.post(base + "/labels", labels).json() == {"payload": ["refund", "vip"]}  # unknown: dropped, no error
    assert c.get(base + "/labels").json() == {"payload": ["refund", "vip"]}
    assert c.post(base + "/labels", {"labels": "refund"}).json() == {"payload": []}  # not a list: none at all
    assert {label["title"] for label in c.get(c.acc + "/labels").json()["payload"]} >= {"refund", "vip"}


def test_customer_messages_reopen_and_move_the_contact(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    conv = next(x for x in fresh.state.conversations if x.status == "resolved")
    contact = fresh.state.world.contacts[conv.contact_id - 1]
    refused = c.post(f"{c.acc}/conversations/{conv.id}/messages", {"content": "hi", "message_type": "incoming"})
    assert refused.status_code == 422
    assert refused.json() == {"error": "Incoming messages are only allowed in Api inboxes"}
    before = contact.last_activity_at
    r = c.customer_writes(conv.id, "it broke again")
    assert r.status_code == 200
    assert conv.status == "open" and conv.waiting_since == r.json()["created_at"]
    assert contact.last_activity_at == r.json()["created_at"] > before
    assert _activity(fresh, conv.id)[-1].startswith("Conversation was marked resolved")  # no reopen activity
    c.post(f"{c.acc}/conversations/{conv.id}/messages", {"content": "on it"})
    assert contact.last_activity_at == r.json()["created_at"]  # an agent's reply does not move it


def test_live_traffic_arrives() -> None:
    srv = DemoServer(seed=5, live=True, live_interval=0.05, now=PINNED_NOW)
    srv.start()
    try:
        convs, msgs = len(srv.state.conversations), srv.state.message_count()
        deadline = time.monotonic() + 10
        while (srv.state.live_events < 20 or len(srv.state.conversations) == convs) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert srv.state.live_events >= 20
        assert srv.state.message_count() > msgs
        new = srv.state.conversations[convs:]
        assert new, "some live events open new conversations"
        assert all(PINNED_NOW <= conv.created_at < PINNED_NOW + 60 for conv in new)  # the hub's clock
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
    kinds = c.session.post(c.url + "/demo/live", json={"events": 60}, timeout=30).json()["events"]
    assert len(kinds) == 60 and {"message", "conversation", "contact"} <= set(kinds)
    assert fresh.state.live_events == 60
