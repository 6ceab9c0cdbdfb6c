"""A loopback OpenAI-compatible chat-completions server for tests: SSE streaming, plain JSON, failure modes."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeLLM:
    """``mode``: ok | json | chunked | status:<code> | hang | slow | slow_chunked | malformed | tool_calls | huge."""

    def __init__(self, *, key: str | None = None, reply: str = "Hello! Your order is on its way.") -> None:
        self.key = key
        self.reply = reply
        self.mode = "ok"
        self.requests: list[dict[str, Any]] = []
        self.stop_event = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:
                pass

            def do_POST(self) -> None:
                owner._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeLLM:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop_event.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def _chunks(self) -> list[str]:
        words = self.reply.split(" ")
        return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]

    def _send_sse(self, h: BaseHTTPRequestHandler, events: list[str], delay: float = 0.0,
                  chunked: bool = False) -> None:
        """Close-delimited (HTTP/1.0) by default; ``chunked`` speaks HTTP/1.1 chunked, as Ollama and vLLM do."""
        if chunked:
            h.protocol_version = "HTTP/1.1"
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream; charset=utf-8")
        h.send_header("Cache-Control", "no-cache")
        if chunked:
            h.send_header("Transfer-Encoding", "chunked")
            h.send_header("Connection", "close")
        h.end_headers()
        for event in [*events, ""] if chunked else events:
            if self.stop_event.is_set():
                return
            data = event.encode()
            if chunked:
                data = f"{len(data):x}\r\n".encode() + data + b"\r\n"
            try:
                h.wfile.write(data)
                h.wfile.flush()
            except OSError:
                return  # the client hung up (cancel)
            if delay:
                time.sleep(delay)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length", 0))
        body = json.loads(h.rfile.read(length) or b"{}")
        self.requests.append({"path": h.path, "auth": h.headers.get("Authorization"), "body": body})
        if h.path != "/v1/chat/completions":
            h.send_error(404)
            return
        if self.key and h.headers.get("Authorization") != f"Bearer {self.key}":
            h.send_response(401)
            h.send_header("Content-Type", "application/json")
            h.end_headers()
            h.wfile.write(b'{"error": {"message": "invalid api key"}}')
            return
        mode = self.mode
        if mode.startswith("status:"):
            h.send_response(int(mode.split(":")[1]))
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        if mode == "hang":
            self.stop_event.wait(30)
            return
        role = 'data: {"choices":[{"index":0,"delta":{"role":"assistant"}}]}\n\n'
        pieces = [f"data: {json.dumps({'choices': [{'index': 0, 'delta': {'content': c}}]})}\n\n"
                  for c in self._chunks()]
        done = "data: [DONE]\n\n"
        if mode == "json" or not body.get("stream"):
            out = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": self.reply}}]})
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(out)))
            h.end_headers()
            h.wfile.write(out.encode())
        elif mode == "chunked":
            self._send_sse(h, [role, *pieces, done], delay=0.01, chunked=True)
        elif mode == "slow_chunked":
            self._send_sse(h, [role, *pieces * 50, done], delay=0.05, chunked=True)
        elif mode == "slow":
            self._send_sse(h, [role, *pieces * 50, done], delay=0.05)
        elif mode == "malformed":
            self._send_sse(h, [role, pieces[0], "data: {not json\n\n", done])
        elif mode == "tool_calls":
            call = {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {
                "name": "refund_order", "arguments": '{"order": "#1042"}'}}]}}]}
            self._send_sse(h, [role, f"data: {json.dumps(call)}\n\n", ": keep-alive\n\n", *pieces, done])
        elif mode == "huge":
            big = f"data: {json.dumps({'choices': [{'index': 0, 'delta': {'content': 'x' * 1000}}]})}\n\n"
            self._send_sse(h, [role, *[big] * 100, done])
        else:
            self._send_sse(h, [role, *pieces, done])
