"""Streaming, cancellable client for OpenAI-compatible chat-completions endpoints (Ollama, llama.cpp, vLLM, hosted).

It only ever returns text: no tools or functions are offered to the model, so nothing a customer
writes into a conversation can make it do anything but produce a draft the agent reads first.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

DEFAULT_URL = "http://localhost:11434/v1"  # Ollama's OpenAI-compatible endpoint
DEFAULT_MODEL = "llama3.2"
MAX_DRAFT_CHARS = 8_000


class LLMError(RuntimeError):
    """The endpoint failed, refused, timed out or answered something that is not a chat completion."""


class LLMCancelled(LLMError):
    """The agent cancelled the draft."""


@dataclass(frozen=True)
class LLMSettings:
    url: str = DEFAULT_URL
    model: str = DEFAULT_MODEL
    timeout_s: float = 60.0  # whole draft; also the longest silence between two chunks
    connect_timeout_s: float = 5.0
    temperature: float = 0.3
    max_tokens: int = 700


class DraftStream:
    """One streamed completion; ``cancel()`` may be called from any thread and stops it promptly."""

    def __init__(self) -> None:
        self._cancelled = threading.Event()
        self._response: requests.Response | None = None
        self._lock = threading.Lock()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        self._cancelled.set()
        with self._lock:
            response = self._response
        if response is not None:
            response.close()  # unblocks a read waiting on a slow server

    def _attach(self, response: requests.Response) -> None:
        with self._lock:
            self._response = response
        if self._cancelled.is_set():
            response.close()


class LLMClient:
    def __init__(self, settings: LLMSettings, api_key: str | None = None,
                 session: requests.Session | None = None) -> None:
        self.settings = settings
        self.api_key = api_key
        self.session = session or requests.Session()

    def _endpoint(self) -> str:
        base = self.settings.url.rstrip("/")
        return base if base.endswith("/chat/completions") else base + "/chat/completions"

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream, application/json",
                   "Accept-Encoding": "identity"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def stream(self, messages: list[dict[str, str]], *, on_delta: Callable[[str], None] | None = None,
               handle: DraftStream | None = None) -> str:
        """Stream a draft, calling ``on_delta`` with each piece of text; returns the whole draft."""
        handle = handle or DraftStream()
        s = self.settings
        body = {"model": s.model, "messages": messages, "stream": True, "temperature": s.temperature,
                "max_tokens": s.max_tokens}
        deadline = time.monotonic() + s.timeout_s
        response = self._post(body, handle)
        handle._attach(response)
        try:
            self._check_status(response)
            if "text/event-stream" not in response.headers.get("Content-Type", ""):
                text = self._whole(response)[:MAX_DRAFT_CHARS]
                if on_delta and text:
                    on_delta(text)
                return text
            return self._read_events(response, handle, deadline, on_delta)
        except (requests.RequestException, AttributeError, OSError, ValueError) as exc:
            # A cancel closes the socket under the reader: that surfaces as one of these.
            if handle.cancelled:
                raise LLMCancelled("cancelled") from exc
            if isinstance(exc, requests.Timeout | TimeoutError):
                raise LLMError(f"the LLM endpoint went silent for {s.timeout_s:.0f} s") from exc
            if isinstance(exc, LLMError):
                raise
            raise LLMError(f"the LLM stream broke off: {type(exc).__name__}") from exc
        finally:
            response.close()

    def _post(self, body: dict, handle: DraftStream) -> requests.Response:
        """POST on a helper thread, so a cancel returns at once even while the server has not answered yet."""
        s = self.settings
        box: dict[str, object] = {}
        done = threading.Event()

        def send() -> None:
            try:
                response = self.session.post(self._endpoint(), json=body, headers=self._headers(), stream=True,
                                             timeout=(s.connect_timeout_s, s.timeout_s))
                box["response"] = response
                if handle.cancelled:
                    response.close()
            except requests.RequestException as exc:
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=send, name="llm-request", daemon=True).start()
        while not done.wait(0.05):
            if handle.cancelled:
                raise LLMCancelled("cancelled")
        if handle.cancelled:
            raise LLMCancelled("cancelled")
        exc = box.get("error")
        if isinstance(exc, requests.Timeout):
            raise LLMError(f"the LLM endpoint did not answer within {s.timeout_s:.0f} s") from exc
        if isinstance(exc, requests.RequestException):
            raise LLMError(f"cannot reach the LLM endpoint at {s.url}: {type(exc).__name__}") from exc
        return box["response"]  # type: ignore[return-value]

    @staticmethod
    def _lines(response: requests.Response):
        """Lines as they arrive (``iter_lines`` would wait for a 512-byte chunk and hold back the first words)."""
        raw = response.raw
        buffer = b""
        while True:
            data = raw.read1(4096, decode_content=True) if hasattr(raw, "read1") else raw.read(1)
            if not data:
                break
            buffer += data
            *lines, buffer = buffer.split(b"\n")
            yield from lines
        if buffer:
            yield buffer

    def complete(self, messages: list[dict[str, str]]) -> str:
        return self.stream(messages)

    @staticmethod
    def _check_status(response: requests.Response) -> None:
        if response.status_code in (401, 403):
            raise LLMError("the LLM endpoint refused the API key (check it in Settings)")
        if response.status_code == 404:
            raise LLMError("the LLM endpoint or model was not found (check URL and model in Settings)")
        if response.status_code == 429:
            raise LLMError("the LLM endpoint is rate limiting; try again in a moment")
        if response.status_code >= 400:
            raise LLMError(f"the LLM endpoint answered HTTP {response.status_code}")

    @staticmethod
    def _whole(response: requests.Response) -> str:
        try:
            data = response.json()
            return str(data["choices"][0]["message"]["content"] or "")
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise LLMError("the LLM endpoint answered something that is not a chat completion") from exc

    @staticmethod
    def _read_events(response: requests.Response, handle: DraftStream, deadline: float,
                     on_delta: Callable[[str], None] | None) -> str:
        parts: list[str] = []
        size = 0
        for raw in LLMClient._lines(response):
            if handle.cancelled:
                raise LLMCancelled("cancelled")
            if time.monotonic() > deadline:
                raise LLMError("the draft took too long and was stopped")
            line = raw.decode("utf-8", "replace").strip() if raw else ""
            if not line.startswith("data:"):
                continue  # blank separators, comments (": keep-alive"), event names
            payload = line[5:].strip()
            if payload == "[DONE]":
                break
            try:
                chunk = json.loads(payload)
            except ValueError as exc:
                raise LLMError("the LLM stream sent a malformed chunk") from exc
            if isinstance(chunk, dict) and chunk.get("error"):
                raise LLMError(f"the LLM endpoint reported an error: {str(chunk['error'])[:200]}")
            try:
                delta = chunk["choices"][0].get("delta") or {}
            except (KeyError, IndexError, TypeError, AttributeError):
                continue
            piece = delta.get("content") if isinstance(delta, dict) else None
            if not isinstance(piece, str) or not piece:
                continue  # role headers, tool-call fragments: never text for the composer
            piece = piece[: MAX_DRAFT_CHARS - size]
            parts.append(piece)
            size += len(piece)
            if on_delta:
                on_delta(piece)
            if size >= MAX_DRAFT_CHARS:
                break
        if handle.cancelled:
            raise LLMCancelled("cancelled")
        return "".join(parts)
