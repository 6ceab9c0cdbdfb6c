"""The bot's own state file: a message or a conversation is claimed once, also by two processes sharing it."""

from __future__ import annotations

from deskapp.store.bot_state import BotState


def test_two_bots_on_one_state_file_claim_each_message_and_answer_once(tmp_path):
    one, two = BotState(tmp_path / "bot.sqlite3"), BotState(tmp_path / "bot.sqlite3")
    try:
        assert one.claim_message(10, 1, 100.0) is True
        assert two.claim_message(10, 1, 101.0) is False
        assert two.claim_answer(1, 101.0) is True and one.claim_answer(1, 102.0) is False
        one.release_message(10)  # the hub failed: a redelivery may try again
        assert two.claim_message(10, 1, 103.0) is True
        two.record_decision(10, "handoff")
        assert one.decisions() == {10: "handoff"}
    finally:
        one.close()
        two.close()
