"""demo.state: the hub's live state over the seeded world — lookups that refuse what the world never gave out, and
a new message's effects as Chatwoot's Message callbacks have them (reopening, waiting_since, the first human reply;
bots, notes and campaigns are no reply), deletions that keep a message's place, and a clock pinned by the test."""

from __future__ import annotations

import pytest

from deskapp.demo.state import ACTIVITY, DELETED_CONTENT, INCOMING, OUTGOING, DemoState
from tests.demo.conftest import PINNED_NOW


class Clock:
    def __init__(self) -> None:
        self.now = float(PINNED_NOW)

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def state(clock) -> DemoState:
    return DemoState(seed=3, scale="small", now=PINNED_NOW, clock=clock)


def open_conversation(state: DemoState, status: str):
    return next(c for c in state.world.conversations if c.status == status)


def test_an_unknown_chatwoot_version_is_refused():
    with pytest.raises(ValueError, match=r"unknown chatwoot_version '5\.x'"):
        DemoState(seed=3, now=PINNED_NOW, chatwoot_version="5.x")


def test_lookups_outside_the_world_are_none_or_a_key_error(state):
    count = len(state.world.conversations)
    assert state.conversation(1) is state.world.conversations[0]
    assert state.conversation(0) is None and state.conversation(count + 1) is None
    assert state.find_agent(None) is None and state.find_agent(999) is None and state.find_bot(0) is None
    with pytest.raises(KeyError, match="no agent 999"):
        state.agent(999)
    with pytest.raises(KeyError, match="no bot 999"):
        state.bot(999)
    assert state.contact(0) is None and state.contact(len(state.world.contacts) + 1) is None
    assert state.is_admin(1) and not state.is_admin(state.me_id)


def test_a_merged_or_deleted_contact_is_gone():
    fresh = DemoState(seed=3, now=PINNED_NOW)
    fresh.merged_contacts[2] = 1
    fresh.deleted_contacts.add(3)
    assert fresh.contact(1) is not None and fresh.contact(2) is None and fresh.contact(3) is None


def test_a_customer_message_reopens_and_starts_waiting(state, clock):
    conv = open_conversation(state, "resolved")
    clock.now += 60
    before = state.version
    msg = state.add_message(conv, content="Still broken", message_type=INCOMING, sender_type="contact",
                            sender_id=conv.contact_id)
    assert conv.status == "open" and conv.snoozed_until is None
    assert conv.waiting_since == int(clock.now) and conv.last_activity_at == int(clock.now)
    assert state.world.contacts[conv.contact_id - 1].last_activity_at == int(clock.now)
    assert msg["created_at"] == int(clock.now) and state.version == before + 1
    assert state.messages(conv)[-1] is msg


@pytest.mark.parametrize(("kwargs", "replies"), [
    ({"sender_type": "agent_bot", "sender_id": 1}, False),
    ({"sender_type": "agent", "sender_id": 2, "private": True}, False),
    ({"sender_type": "agent", "sender_id": 2, "additional_attributes": {"campaign_id": 4}}, False),
    ({"sender_type": "agent", "sender_id": 2, "content_attributes": {"automation_rule_id": 9}}, False),
    ({"sender_type": "agent", "sender_id": 2}, True),
])
def test_only_a_humans_public_reply_answers(state, clock, kwargs, replies):
    conv = open_conversation(state, "open")
    state.add_message(conv, content="Hello?", message_type=INCOMING, sender_type="contact", sender_id=conv.contact_id)
    conv.first_reply_at = None
    clock.now += 30
    state.add_message(conv, content="On it", message_type=OUTGOING, **kwargs)
    assert (conv.first_reply_at == int(clock.now)) is replies
    assert (conv.waiting_since is None) is replies


def test_a_later_reply_keeps_the_first_reply_time(state, clock):
    conv = open_conversation(state, "open")
    conv.first_reply_at = PINNED_NOW - 10
    clock.now += 30
    state.add_message(conv, content="More", message_type=OUTGOING, sender_type="agent", sender_id=2)
    assert conv.first_reply_at == PINNED_NOW - 10


def test_updated_at_always_moves_forward(state):
    conv = state.conversation(1)
    before = conv.updated_at
    state.touch(conv, when=before - 3600)  # a change stamped earlier still counts as a change
    assert conv.updated_at == pytest.approx(before + 0.001)


def test_a_deleted_message_keeps_its_place_with_chatwoots_words(state, clock):
    conv = open_conversation(state, "open")
    msg = state.add_message(conv, content="Wrong thread, sorry", message_type=OUTGOING, sender_type="agent",
                            sender_id=2)
    clock.now += 5
    deleted = state.delete_message(conv, msg["id"])
    assert deleted["content"] == DELETED_CONTENT and deleted["content_attributes"] == {"deleted": True}
    assert deleted["updated_at"] == clock.now and [m["id"] for m in state.messages(conv)][-1] == msg["id"]
    assert state.delete_message(conv, 10**9) is None


def test_stats_count_what_happened(state):
    conv = state.conversation(2)
    before = state.stats()
    state.activity(conv, "Conversation was marked resolved by Ann")
    state.record_push("reply", conv.id, {"content": "x"})
    after = state.stats()
    assert after["counts"]["messages"] == before["counts"]["messages"] + 1
    assert after["pushes"]["reply"] == before["pushes"].get("reply", 0) + 1
    assert state.messages(conv)[-1]["message_type"] == ACTIVITY
    assert state.push_log[-1] == {"kind": "reply", "conversation_id": conv.id, "body": {"content": "x"}}


def test_a_pinned_hub_clock_runs_on_from_its_start():
    running = DemoState(seed=3, now=PINNED_NOW)
    assert PINNED_NOW <= running.now() < PINNED_NOW + 60
