"""The reporting events Chatwoot's listener would have written for the demo state: first responses, reply times
and resolutions of a hand-built state, the messages the reports count, and facts rebuilt only when a conversation
changes."""

from __future__ import annotations

from deskapp.demo.reporting_events import Light, _conversation_facts, facts, light_rendered, light_seeded
from deskapp.demo.state import ACTIVITY, INCOMING, OUTGOING, DemoState
from tests.demo.conftest import PINNED_NOW
from tests.demo.reports_state import T0, build


def _hand_built() -> tuple[DemoState, dict, list[float]]:
    clock = [float(PINNED_NOW)]
    state = DemoState(seed=3, now=PINNED_NOW, clock=lambda: clock[0])
    return state, build(state, clock), clock


def test_events_of_the_hand_built_conversations():
    state, convs, _clock = _hand_built()
    a, b, c = convs["A"].id, convs["B"].id, convs["C"].id
    events = sorted((e.conversation_id, e.name, e.value, e.created_at, e.user_id)
                    for e in facts(state).events if e.conversation_id in (a, b, c))
    assert events == sorted([
        (a, "first_response", 600, T0 + 600, 2),
        (a, "reply_time", 900, T0 + 1900, 2),  # waiting since the first of two incoming messages
        (a, "conversation_resolved", 3600, T0 + 3600, 2),
        (b, "first_response", 240, T0 + 400, 3),  # counted from the bot's last message, not the creation
    ])  # C has had no reply: no event
    counted = [(m.conversation_id, m.message_type, m.sender_id) for m in facts(state).messages
               if m.conversation_id in (a, b, c)]
    assert counted.count((a, INCOMING, None)) == 3 and counted.count((a, OUTGOING, 2)) == 2
    assert (a, OUTGOING, 3) in counted  # the note is an outgoing message, though no reply
    assert counted.count((b, OUTGOING, None)) == 1  # the bot's message has no user
    assert all(m.message_type in (INCOMING, OUTGOING) for m in facts(state).messages)  # activities are not counted


def test_facts_are_kept_until_a_conversation_changes():
    state, convs, clock = _hand_built()
    first = facts(state)
    assert facts(state) is first  # nothing changed: the same facts
    clock[0] = T0 + 6000
    state.add_message(convs["C"], content="on it", message_type=OUTGOING, sender_type="agent", sender_id=4)
    again = facts(state)
    assert again is not first
    new = [e for e in again.events if e.conversation_id == convs["C"].id]
    assert [(e.name, e.value, e.user_id) for e in new] == [("first_response", 5800, 4)]
    assert len(again.events) == len(first.events) + 1


def test_odd_sequences_give_no_spurious_events():
    state, convs, _clock = _hand_built()
    conv = convs["C"]
    assert _conversation_facts(conv, []) == ([], [])
    lights = [Light(T0 + 10, OUTGOING, 2, False, False, False),  # a note before any reply: no event
              Light(T0 + 20, OUTGOING, 2, False, True, False),   # the first reply
              Light(T0 + 30, OUTGOING, 2, False, True, False),   # a second reply with nobody waiting
              Light(T0 + 40, ACTIVITY, None, False, False, True),
              Light(T0 + 50, ACTIVITY, None, False, False, True)]  # resolved twice: two events, as the hub logs
    events, messages = _conversation_facts(conv, lights)
    assert [(e.name, e.value) for e in events] == [
        ("first_response", T0 + 20 - conv.created_at), ("conversation_resolved", T0 + 40 - conv.created_at),
        ("conversation_resolved", T0 + 50 - conv.created_at)]
    assert len(messages) == 3
    # a bot after the first human reply does not move the first response's start
    late_bot = [Light(T0 + 5, INCOMING, None, False, False, False), Light(T0 + 20, OUTGOING, 2, False, True, False),
                Light(T0 + 30, OUTGOING, None, True, False, False), Light(T0 + 40, INCOMING, None, False, False, False),
                Light(T0 + 70, OUTGOING, 2, False, True, False)]
    events, _ = _conversation_facts(conv, late_bot)
    assert [(e.name, e.value) for e in events] == [("first_response", T0 + 20 - conv.created_at), ("reply_time", 30)]
    assert light_rendered(state, {"created_at": 5, "message_type": ACTIVITY, "sender_id": None,
                                  "sender_type": None, "content": None, "private": False}).resolved is False


def test_seeded_messages_are_read_as_the_hub_renders_them() -> None:
    state = DemoState(seed=3, now=PINNED_NOW)
    for conv in state.conversations:
        assert list(light_seeded(state, conv)) == [light_rendered(state, m) for m in state.messages(conv)], conv.id
