"""demo.timeline: how each demo conversation unfolds: messages in time order and never after now, opened by the
customer, answered by a member of the inbox who works the topic, never by the campaign sender as a human."""

from __future__ import annotations

import random

import pytest

from deskapp.demo.state import DemoState
from deskapp.demo.timeline import AGENT_STYLE, CAMPAIGN_SENDER, pick_assignee
from tests.demo.conftest import PINNED_NOW

SAMPLE = 400


@pytest.fixture(scope="module")
def state() -> DemoState:
    return DemoState(seed=6, scale="small", now=PINNED_NOW)


def test_messages_come_in_time_order_never_after_now(state):
    for conv in state.conversations[:SAMPLE]:
        times = [m["created_at"] for m in state.messages(conv)]
        assert times == sorted(times) and times[-1] <= PINNED_NOW
        assert times[0] >= conv.created_at


def test_a_conversation_opens_with_the_customer_or_a_campaign(state):
    for conv in state.conversations[:SAMPLE]:
        first = state.messages(conv)[0]
        assert first["message_type"] == 0 or (first["sender_type"] == "agent" and first["sender_id"] == CAMPAIGN_SENDER)


def test_agents_answer_only_in_inboxes_they_work(state):
    members = state.world.inbox_members
    for conv in state.conversations[:SAMPLE]:
        for m in state.messages(conv):
            if m["sender_type"] == "agent" and m["message_type"] == 1 and not m["private"]:
                assert conv.inbox_id in members[m["sender_id"]] or m["sender_id"] == CAMPAIGN_SENDER


def test_the_assignee_is_a_member_of_the_inbox_and_the_same_draws_give_the_same_agent(state):
    members = state.world.inbox_members
    for team_id in (1, 2):
        for inbox_id in sorted({c.inbox_id for c in state.conversations[:SAMPLE]}):
            if not any(inbox_id in members[a] for a in AGENT_STYLE):
                continue
            first = [pick_assignee(random.Random(i), team_id, inbox_id, members) for i in range(50)]
            again = [pick_assignee(random.Random(i), team_id, inbox_id, members) for i in range(50)]
            assert first == again
            assert all(inbox_id in members[a] for a in first)
