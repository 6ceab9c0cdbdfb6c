"""demo.chatwoot_json: the JSON shapes the demo's Chatwoot API renders, against the keys of Chatwoot v4's own
views (conversations/partials/_conversation.json.jbuilder, models/_message.json.jbuilder): nulls are sent,
not left out, and Rails' times read as the real server writes them."""

from __future__ import annotations

import pytest

from deskapp.demo.chatwoot_json import conversation_json, iso, message_json, message_push_json
from deskapp.demo.state import DemoState
from tests.demo.conftest import PINNED_NOW

# The keys _conversation.json.jbuilder writes (v4.0.2 on also updated_at, as a float).
CONVERSATION_KEYS = {
    "meta", "id", "messages", "account_id", "uuid", "additional_attributes", "agent_last_seen_at",
    "assignee_last_seen_at", "can_reply", "contact_last_seen_at", "custom_attributes", "inbox_id", "labels",
    "muted", "snoozed_until", "status", "created_at", "updated_at", "timestamp", "first_reply_created_at",
    "unread_count", "last_non_activity_message", "last_activity_at", "priority", "waiting_since", "sla_policy_id",
}
# _message.json.jbuilder: no account_id, updated_at, sender_type or sender_id; sender and attachments only when any.
MESSAGE_KEYS = {"id", "content", "inbox_id", "conversation_id", "message_type", "content_type", "status",
                "content_attributes", "created_at", "private", "source_id"}


@pytest.fixture(scope="module")
def state() -> DemoState:
    return DemoState(seed=2, scale="small", now=PINNED_NOW)


def test_rails_times_are_iso_with_milliseconds_in_utc():
    assert iso(None) is None
    assert iso(PINNED_NOW) == "2025-06-02T12:00:00.000Z"
    assert iso(PINNED_NOW + 0.25) == "2025-06-02T12:00:00.250Z"
    assert iso(0) == "1970-01-01T00:00:00.000Z"


def test_every_conversation_has_the_v4_keys_with_nulls_sent(state):
    for conv in state.conversations[:300]:
        body = conversation_json(state, conv)
        assert set(body) == CONVERSATION_KEYS
        assert {"sender", "channel", "hmac_verified"} <= set(body["meta"])
        assert ("assignee" in body["meta"]) == bool(conv.assignee_id)
        assert isinstance(body["updated_at"], float) and isinstance(body["created_at"], int)
        assert body["sla_policy_id"] is None and "priority" in body
        assert body["first_reply_created_at"] >= 0 and body["waiting_since"] >= 0  # `.to_i` of nil is 0
        assert len(body["messages"]) <= 1


def test_the_message_list_and_the_push_data_shapes_differ_as_chatwoots_do(state):
    conv = next(c for c in state.conversations if len(state.messages(c)) > 2)
    for m in state.messages(conv):
        listed = message_json(state, conv, m)
        assert MESSAGE_KEYS <= set(listed) <= MESSAGE_KEYS | {"sender", "attachments"}
        pushed = message_push_json(state, conv, m)
        assert pushed["account_id"] == state.account_id and pushed["sender_type"] in (None, "Contact", "User",
                                                                                      "AgentBot")
        assert pushed["updated_at"].endswith("Z") and pushed["conversation"]["contact_inbox"]["source_id"]


def test_echo_id_only_in_the_answer_to_a_create(state):
    conv = state.conversations[0]
    m = state.messages(conv)[0]
    assert "echo_id" not in message_json(state, conv, m)
    assert message_json(state, conv, m, echo_id="tmp-1")["echo_id"] == "tmp-1"
