"""A loopback HTTP server that plays scripted answers, for connector tests (bad JSON, 429s, resets, hangs)."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    """One scripted answer. ``body``: dict/list -> JSON, str/bytes -> sent as is."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # sleep before answering (past the client's timeout = a hang)
    reset_mid_body: bool = False  # send the headers and half the body, then RST the connection

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode() if self.body is not None else b""


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


Script = Reply | Callable[[Seen], Reply]


class ScriptedServer:
    """Routes ``(METHOD, path)`` to a queue of replies; the last one repeats. Unscripted paths answer 404."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Script]] = {}
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.httpd.handle_error = lambda request, address: None  # clients hanging up mid-answer is the point
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def start(self) -> ScriptedServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def script(self, method: str, path: str, *replies: Script) -> None:
        with self.lock:
            self.routes[(method.upper(), path)] = list(replies)

    def requests_to(self, path: str, method: str | None = None) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if s.path == path and (method is None or s.method == method)]

    def _next(self, seen: Seen) -> Reply:
        with self.lock:
            self.seen.append(seen)
            queue = self.routes.get((seen.method, seen.path))
            if not queue:
                return Reply(404, {"error": "not scripted"})
            script = queue.pop(0) if len(queue) > 1 else queue[0]
        return script(seen) if callable(script) else script

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                seen = Seen(self.command, parts.path, parse_qs(parts.query), dict(self.headers.items()), body)
                reply = server._next(seen)
                if reply.delay:
                    time.sleep(reply.delay)
                data = reply.payload()
                if "Date" in reply.headers:  # a scripted server clock replaces the real one
                    self.log_request(reply.status)
                    self.send_response_only(reply.status)
                else:
                    self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if reply.reset_mid_body:
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                    return
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        return Handler
