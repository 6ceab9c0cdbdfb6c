"""The demo hub's automation rules and macros endpoints: Chatwoot's answers to bad requests, and rules run on
the hub's live events."""

from __future__ import annotations

import random

from deskapp.demo.live import _new_conversation
from tests.demo.conftest import DemoClient

RULE = {"name": "tag new", "event_name": "conversation_created", "conditions": [],
        "actions": [{"action_name": "add_label", "action_params": ["first-contact"]}]}


def test_bad_rule_requests_get_the_hubs_answers(fresh):
    client = DemoClient(fresh.info())
    admin = "cw-demo-token-1"
    rules = client.acc + "/automation_rules"
    assert client.request("GET", rules).status_code == 401  # an agent: AutomationRulePolicy
    assert client.request("POST", rules, {"name": "x"}, token=admin).status_code == 500  # NOT NULL conditions
    assert client.request("POST", rules, ["not", "an", "object"], token=admin).status_code == 500
    refused = client.request("POST", rules, {**RULE, "conditions": [
        {"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"], "query_operator": "xor"}]},
        token=admin)
    assert refused.status_code == 422
    assert refused.json() == {"error": {"conditions": ['Query operator must be either "AND" or "OR"']}}
    assert client.request("GET", rules + "/abc", token=admin).status_code == 404
    assert client.request("DELETE", rules + "/7", token=admin).status_code == 404
    assert client.request("POST", client.acc + "/macros/9/execute", {"conversation_ids": [1]}).status_code == 404


def test_a_rule_runs_on_a_live_new_conversation_and_only_while_active(fresh):
    client = DemoClient(fresh.info())
    made = client.request("POST", client.acc + "/automation_rules", RULE, token="cw-demo-token-1").json()
    state = fresh.state
    with state.lock:
        _new_conversation(state, random.Random(4))
        first = state.conversations[-1]
    assert "first-contact" in first.labels
    client.request("PATCH", f"{client.acc}/automation_rules/{made['id']}", {"active": False}, token="cw-demo-token-1")
    with state.lock:
        _new_conversation(state, random.Random(5))
        second = state.conversations[-1]
    assert "first-contact" not in second.labels
