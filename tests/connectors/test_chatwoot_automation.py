"""The automation rules and macros connector against the demo hub over loopback, and against bad answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deskapp.connectors.base import AuthError, PayloadError, TransientError
from deskapp.connectors.chatwoot_automation import ChatwootAutomation, HubRefused
from deskapp.connectors.http import HttpClient
from deskapp.demo.server import DemoServer
from deskapp.domain.automation import Action, AutomationRule, Condition, Macro
from tests.connectors.scripted_server import Reply, ScriptedServer
from tests.demo.conftest import PINNED_NOW

ADMIN, AGENT = 1, 2
REFUND_ON_WHATSAPP = AutomationRule(
    None, "WhatsApp refunds to Returns", "conversation_created",
    (Condition("inbox_id", "equal_to", ("3",), "AND"), Condition("labels", "equal_to", ("refund",))),
    (Action("assign_team", (2,)), Action("change_priority", ("high",))))


@pytest.fixture
def hub() -> Iterator[DemoServer]:
    srv = DemoServer(seed=5, scale="small", live=False, now=PINNED_NOW)
    srv.start()
    yield srv
    srv.stop()


def client(hub: DemoServer, agent: int = ADMIN) -> ChatwootAutomation:
    http = HttpClient(hub.url, {"api_access_token": f"cw-demo-token-{agent}"}, timeout=(2, 10), sleep=lambda s: None)
    return ChatwootAutomation(http, hub.state.account_id)


def test_rules_round_trip_through_the_hub(hub):
    api = client(hub)
    assert api.rules() == []
    made = api.create_rule(REFUND_ON_WHATSAPP)
    assert made.id == 1 and made.conditions == REFUND_ON_WHATSAPP.conditions
    assert PINNED_NOW <= made.created_on < PINNED_NOW + 60  # the hub's clock runs on from its pinned start
    assert api.rule(made.id) == made
    off = api.set_rule_active(made.id, False)
    assert off.active is False and off.actions == made.actions
    renamed = api.update_rule(AutomationRule(made.id, "Returns", made.event_name, made.conditions, made.actions))
    assert [r.name for r in api.rules()] == ["Returns"] and renamed.active is True
    api.delete_rule(made.id)
    assert api.rules() == []


def test_a_refused_rule_carries_the_hubs_field_errors(hub):
    api = client(hub)
    bad = AutomationRule(None, "x", "conversation_created", (Condition("created_at", "equal_to", ("1",)),),
                         (Action("send_fax"),))
    with pytest.raises(HubRefused) as refused:
        api.create_rule(bad)
    assert refused.value.status == 422
    assert refused.value.errors == {"conditions": ["Automation conditions created_at not supported."],
                                    "actions": ["Automation actions send_fax not supported."]}
    with pytest.raises(HubRefused) as missing:
        api.rule(99)
    assert missing.value.status == 404


def test_only_administrators_see_rules(hub):
    with pytest.raises(AuthError):
        client(hub, AGENT).rules()


def test_the_hub_runs_a_matching_rule_on_a_new_conversation(hub):
    client(hub).create_rule(REFUND_ON_WHATSAPP)
    state = hub.state
    conv = next(c for c in state.conversations if c.channel == "whatsapp" and "refund" in c.labels)
    conv.team_id, conv.priority = None, None  # as a new conversation arrives
    other = next(c for c in state.conversations if c.channel == "email" and "refund" in c.labels)
    before = (other.team_id, other.priority)
    state.hub_event("conversation_created", conv)
    state.hub_event("conversation_created", other)
    assert (conv.team_id, conv.priority) == (2, "high")
    assert (other.team_id, other.priority) == before
    notes = [m["content"] for m in state.messages(conv)[-2:]]
    assert notes == ["Assigned to Returns & Billing by Automation System",
                     "Automation System set the priority to high"]


def test_an_acknowledgement_is_sent_once_and_triggers_no_rule(hub):
    ack = AutomationRule(None, "ack", "message_created",
                         (Condition("message_type", "equal_to", ("incoming",), "AND"),
                          Condition("content", "contains", ("ORDER",))),
                         (Action("send_message", ("We got your message about your order.",)),))
    client(hub).create_rule(ack)
    state = hub.state
    conv = state.conversations[0]
    state.add_message(conv, content="where is my order?", message_type=0, sender_type="contact",
                      sender_id=conv.contact_id)
    state.add_message(conv, content="thanks, bye", message_type=0, sender_type="contact", sender_id=conv.contact_id)
    sent = [m for m in state.messages(conv) if m.get("content_attributes", {}).get("automation_rule_id")]
    assert [m["content"] for m in sent] == ["We got your message about your order."]


def test_macros_round_trip_and_run_on_many_conversations(hub):
    api = client(hub, AGENT)
    macro = api.create_macro(Macro(None, "Refund done", (Action("add_label", ("refund",)),
                                                          Action("send_message", ("Your refund is on its way.",)),
                                                          Action("resolve_conversation")), visibility="global"))
    assert macro.visibility == "personal"  # an agent's macros are personal whatever they ask
    assert [m.name for m in api.macros()] == ["Refund done"]
    assert client(hub, 3).macros() == []  # another agent does not see it
    ids = [c.id for c in hub.state.conversations[:3]]
    api.execute_macro(macro.id, ids)
    for conv in hub.state.conversations[:3]:
        assert conv.status == "resolved" and "refund" in conv.labels
        assert any(m["content"] == "Your refund is on its way." and m["sender_id"] == AGENT
                   for m in hub.state.messages(conv))
    renamed = api.update_macro(Macro(macro.id, "Refunded", macro.actions))
    assert renamed.name == "Refunded"
    with pytest.raises(HubRefused) as refused:
        api.update_macro(Macro(macro.id, "x", (Action("send_webhook_event", ("http://x",)),)))
    assert refused.value.errors == {"actions": ["Macro execution actions send_webhook_event not supported."]}
    api.delete_macro(macro.id)
    assert api.macros() == []


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    srv = ScriptedServer().start()
    yield srv
    srv.stop()


def scripted_client(srv: ScriptedServer) -> ChatwootAutomation:
    return ChatwootAutomation(HttpClient(srv.url, {}, timeout=(1, 1), sleep=lambda s: None, max_attempts=2), 1)


def test_server_errors_are_retried_then_reported_as_transient(scripted):
    scripted.script("GET", "/api/v1/accounts/1/automation_rules", Reply(503, "down"), Reply(502, "down"))
    with pytest.raises(TransientError):
        scripted_client(scripted).rules()
    assert len(scripted.requests_to("/api/v1/accounts/1/automation_rules")) == 2


@pytest.mark.parametrize("body", ["<html>oops</html>", {"data": []}, {"payload": {"id": 1}}, [1, 2]])
def test_malformed_lists_are_payload_errors(scripted, body):
    scripted.script("GET", "/api/v1/accounts/1/automation_rules", Reply(200, body))
    with pytest.raises(PayloadError):
        scripted_client(scripted).rules()


def test_an_update_refusal_sent_as_a_json_string_is_read(scripted):
    # update renders `{ error: ... }.to_json`: the same object, serialised by hand
    scripted.script("PATCH", "/api/v1/accounts/1/automation_rules/4",
                    Reply(422, '{"error":{"conditions":["Query operator cannot be empty"]}}'))
    with pytest.raises(HubRefused) as refused:
        scripted_client(scripted).set_rule_active(4, True)
    assert refused.value.errors == {"conditions": ["Query operator cannot be empty"]}
    scripted.script("PATCH", "/api/v1/accounts/1/automation_rules/4", Reply(422, "not json"))
    with pytest.raises(HubRefused) as garbled:
        scripted_client(scripted).set_rule_active(4, True)
    assert garbled.value.errors == {"base": ["not json"]}
