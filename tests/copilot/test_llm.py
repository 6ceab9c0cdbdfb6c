"""The LLM client against a real loopback OpenAI-compatible server: streaming, JSON, errors, timeouts, cancel."""

from __future__ import annotations

import threading
import time

import pytest

from deskapp.copilot.llm import MAX_DRAFT_CHARS, DraftStream, LLMCancelled, LLMClient, LLMError, LLMSettings
from tests.copilot.llm_server import FakeLLM

MESSAGES = [{"role": "user", "content": "hi"}]


def _client(server: FakeLLM, key: str | None = None, timeout: float = 10.0) -> LLMClient:
    return LLMClient(LLMSettings(url=server.url, model="tiny", timeout_s=timeout, connect_timeout_s=2), api_key=key)


def test_streams_deltas_in_order_and_sends_the_key():
    with FakeLLM(key="sk-test") as server:
        pieces: list[str] = []
        text = _client(server, "sk-test").stream(MESSAGES, on_delta=pieces.append)
        assert text == server.reply and "".join(pieces) == server.reply and len(pieces) > 3
        req = server.requests[0]
        assert req["auth"] == "Bearer sk-test"
        assert req["body"]["stream"] is True and req["body"]["model"] == "tiny"
        assert "tools" not in req["body"] and "functions" not in req["body"]


def test_chunked_transfer_streams_piece_by_piece():
    with FakeLLM() as server:
        server.mode = "chunked"
        pieces: list[str] = []
        assert _client(server).stream(MESSAGES, on_delta=pieces.append) == server.reply
        assert pieces == server._chunks()
        server.mode = "slow_chunked"
        first_at: list[float] = []
        start = time.monotonic()
        handle = DraftStream()

        def on_delta(_piece: str) -> None:
            first_at.append(time.monotonic() - start)
            handle.cancel()

        with pytest.raises(LLMCancelled):
            _client(server).stream(MESSAGES, on_delta=on_delta, handle=handle)
        assert first_at[0] < 1.0, "the first words show up at once, not when a buffer fills"


def test_a_plain_json_answer_is_accepted():
    with FakeLLM() as server:
        server.mode = "json"
        assert _client(server).stream(MESSAGES) == server.reply


@pytest.mark.parametrize(("mode", "message"), [
    ("status:500", "HTTP 500"), ("status:429", "rate limiting"), ("status:404", "not found"),
    ("malformed", "malformed"),
])
def test_failures_are_clear_errors(mode, message):
    with FakeLLM() as server:
        server.mode = mode
        with pytest.raises(LLMError, match=message):
            _client(server).stream(MESSAGES)


def test_a_wrong_key_is_reported_as_such():
    with FakeLLM(key="right") as server, pytest.raises(LLMError, match="API key"):
        _client(server, "wrong").stream(MESSAGES)


def test_unreachable_endpoint():
    client = LLMClient(LLMSettings(url="http://127.0.0.1:9/v1", timeout_s=2, connect_timeout_s=1))
    with pytest.raises(LLMError, match="cannot reach"):
        client.stream(MESSAGES)


def test_a_silent_server_times_out():
    with FakeLLM() as server:
        server.mode = "hang"
        start = time.monotonic()
        with pytest.raises(LLMError, match=r"silent|did not answer"):
            _client(server, timeout=1.0).stream(MESSAGES)
        assert time.monotonic() - start < 5


def test_cancel_stops_a_stream_promptly():
    with FakeLLM() as server:
        server.mode = "slow"  # hundreds of pieces, 50 ms apart
        handle = DraftStream()
        got: list[str] = []

        def piece(text: str) -> None:
            got.append(text)
            if len(got) == 3:
                handle.cancel()  # the agent cancels while the draft streams

        with pytest.raises(LLMCancelled):
            _client(server).stream(MESSAGES, on_delta=piece, handle=handle)
        assert 3 <= len(got) <= 4, "the stream stops at the next piece after the cancel, not at its end"


def test_cancel_while_waiting_for_the_first_byte():
    with FakeLLM() as server:
        server.mode = "hang"
        handle = DraftStream()
        threading.Timer(0.3, handle.cancel).start()
        start = time.monotonic()
        with pytest.raises(LLMError):
            _client(server, timeout=20).stream(MESSAGES, handle=handle)
        assert time.monotonic() - start < 3


def test_tool_calls_and_keepalives_never_become_text_or_actions():
    with FakeLLM() as server:
        server.mode = "tool_calls"
        text = _client(server).stream(MESSAGES)
        assert text == server.reply and "refund_order" not in text


def test_a_huge_answer_is_capped():
    with FakeLLM() as server:
        server.mode = "huge"
        assert len(_client(server).stream(MESSAGES)) == MAX_DRAFT_CHARS
