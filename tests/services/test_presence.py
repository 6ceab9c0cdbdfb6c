"""The presence board: typing and availability from events shaped like Chatwoot's ActionCableListener's."""

from __future__ import annotations

import pytest

from deskapp.services.presence import TYPING_TTL_S, PresenceBoard


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def user(uid: int, name: str) -> dict:
    """User#push_event_data."""
    return {"id": uid, "name": name, "available_name": name, "avatar_url": "", "type": "user",
            "availability_status": "online", "thumbnail": ""}


def typing(display_id: int, who: dict, *, private: bool = False) -> dict:
    """ActionCableListener#conversation_typing_on's data (conversation: push_event_data, trimmed)."""
    return {"conversation": {"id": display_id, "inbox_id": 1, "status": "open", "meta": {}}, "user": who,
            "is_private": private, "account_id": 3}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def board(clock) -> PresenceBoard:
    return PresenceBoard(clock=clock)


def test_typing_on_shows_the_typist_until_off(board):
    assert board.on_event(3, "conversation.typing_on", typing(42, user(5, "Alex Kim")))
    assert [(t.name, t.kind) for t in board.typing(3, "42")] == [("Alex Kim", "user")]
    assert board.typing(3, "43") == [] and board.typing(4, "42") == []
    assert board.on_event(3, "conversation.typing_off", typing(42, user(5, "Alex Kim")))
    assert board.typing(3, "42") == []
    assert not board.on_event(3, "conversation.typing_off", typing(42, user(5, "Alex Kim")))  # nothing to drop


def test_typing_expires_when_not_repeated_and_keeps_the_order_of_arrival(board, clock):
    board.on_event(3, "conversation.typing_on", typing(7, user(5, "Alex")))
    clock.t += 2
    board.on_event(3, "conversation.typing_on", typing(7, {"id": 90, "name": "Customer", "type": "contact"}))
    board.on_event(3, "conversation.typing_on", typing(7, user(6, "Sam"), private=True))
    names = [(t.name, t.private) for t in board.typing(3, "7")]
    assert names == [("Alex", False), ("Customer", False), ("Sam", True)]
    assert [t.name for t in board.typing(3, "7", exclude="6")] == ["Alex", "Customer"]
    clock.t += TYPING_TTL_S - 1  # Alex's typing_on is now older than the TTL
    assert [t.name for t in board.typing(3, "7")] == ["Customer", "Sam"]
    board.on_event(3, "conversation.typing_on", typing(7, user(5, "Alex")))  # repeated: back, now newest
    assert [t.name for t in board.typing(3, "7")] == ["Customer", "Sam", "Alex"]


def test_presence_update_lists_only_who_is_on(board):
    assert board.availability(3, "5") == ""  # nothing heard yet
    board.seed_availability(3, {"5": "online", "6": "busy", "7": "offline", "8": "asleep"})
    assert board.availabilities(3) == {"5": "online", "6": "busy", "7": "offline"}
    assert board.on_event(3, "presence.update", {"account_id": 3, "users": {"6": "online", "9": "busy"},
                                                 "contacts": {"12": "online"}})
    assert [board.availability(3, u) for u in ("5", "6", "7", "9", "10")] == [
        "offline", "online", "offline", "busy", "offline"]
    assert not board.on_event(3, "presence.update", {"account_id": 3, "users": {"6": "online", "9": "busy"}})


@pytest.mark.parametrize(("name", "data"), [
    ("conversation.typing_on", None),
    ("conversation.typing_on", {"conversation": {}, "user": user(1, "A")}),
    ("conversation.typing_on", {"conversation": {"id": 4}, "user": {"name": "no id"}}),
    ("conversation.typing_on", {"conversation": {"id": True}, "user": user(1, "A")}),
    ("conversation.typing_on", {"conversation": {"id": [1]}, "user": user(1, "A")}),
    ("conversation.typing_off", "a string"),
    ("presence.update", {"users": ["5"]}),
    ("presence.update", {}),
])
def test_malformed_events_are_counted_and_change_nothing(board, caplog, name, data):
    board.seed_availability(3, {"5": "online"})
    assert not board.on_event(3, name, data)
    assert board.rejected == 1 and "malformed" in caplog.text
    assert board.availabilities(3) == {"5": "online"} and board.typing(3, "4") == []


def test_listeners_hear_changes_and_a_broken_one_does_not_stop_the_feed(board):
    heard = []

    def broken() -> None:
        raise RuntimeError("boom")

    board.subscribe(broken)
    board.subscribe(lambda: heard.append(1))
    board.on_event(3, "conversation.typing_on", typing(1, user(5, "Alex")))
    board.on_event(3, "message.created", {"id": 1})  # not the board's: ignored, no notice
    assert heard == [1]
    with pytest.raises(ValueError, match="availability"):
        board.set_availability(3, "5", "away")
