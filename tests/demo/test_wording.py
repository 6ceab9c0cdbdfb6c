"""demo.wording: the words of the demo world's events: every placeholder filled, Chatwoot's own activity texts,
a signature on email replies, no tracking link for an order that has not shipped, and the same words whatever
day the world is built on."""

from __future__ import annotations

import re

import pytest

from deskapp.demo.state import DemoState
from tests.demo.conftest import PINNED_NOW

SAMPLE = 400


@pytest.fixture(scope="module")
def state() -> DemoState:
    return DemoState(seed=4, scale="small", now=PINNED_NOW)


def texts(state: DemoState, conv) -> list[tuple[str, str]]:
    return [(m["content"] or "", str(m["message_type"])) for m in state.messages(conv)]


def test_every_placeholder_is_filled(state):
    for conv in state.conversations[:SAMPLE]:
        for content, _kind in texts(state, conv):
            assert not re.search(r"\{[a-z_]+\}", content), content


def test_activity_messages_use_chatwoots_own_wording(state):
    patterns = (r".+ self-assigned this conversation", r"Assigned to .+ by .+",
                r"Conversation was marked resolved by .+", r".+ added .+",
                r".+ set the priority to (low|medium|high|urgent|none)",
                r"Conversation was marked as pending by .+")
    activities = [m["content"] for conv in state.conversations[:SAMPLE] for m in state.messages(conv)
                  if m["message_type"] == 2]
    assert activities
    for content in activities:
        assert any(re.fullmatch(p, content) for p in patterns), content


def test_agents_sign_their_email_replies(state):
    replies = [m["content"] for conv in state.conversations[:SAMPLE] if conv.channel == "email"
               for m in state.messages(conv) if m["message_type"] == 1 and m["sender_type"] == "agent"
               and not m["private"]]
    assert replies and sum(r.endswith("Customer Care") for r in replies) > len(replies) / 2


def test_no_tracking_link_for_an_order_that_has_not_shipped(state):
    world = state.world
    for conv in state.conversations[:SAMPLE]:
        order = world.orders[conv.order_idx] if conv.order_idx >= 0 else None
        if order is not None and conv.order_shipped and order.tracking_number:
            continue
        for content, _kind in texts(state, conv):
            if order is not None and order.tracking_url:
                assert order.tracking_url not in content


def test_the_same_words_whatever_day_the_world_is_built_on(state):
    later = DemoState(seed=4, scale="small", now=PINNED_NOW + 45 * 86400)
    for conv_id in (1, 2, 50, 300):
        assert [t for t, _ in texts(state, state.conversation(conv_id))] == [
            t for t, _ in texts(later, later.conversation(conv_id))]
