"""`DemoServer`: the loopback HTTP server speaking the Chatwoot application API and the Shopify Admin GraphQL
API over the seeded demo state, with live traffic and fault switches. Used by `deskapp demo-server`,
`deskapp --demo` and tests.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from deskapp.demo import chatwoot_api
from deskapp.demo.faults import FaultBox, FaultError, Faults, distort, parse_faults
from deskapp.demo.live import live_tick
from deskapp.demo.state import DemoState

SHOPIFY_PATH = "/admin/api/2025-01/graphql.json"
_ID_RE = re.compile(r"/\d+(?=/|$)")


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # keep-alive connections must not hold up stop()
    demo: DemoServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "deskapp-demo/1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms a request.
    disable_nagle_algorithm = True
    timeout = 60  # idle keep-alive connections end eventually
    server: _HttpServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests and the CLI print what matters themselves

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    # --- plumbing -----------------------------------------------------------------------------------

    def _read_body(self) -> tuple[bool, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw.strip():
            return True, None
        try:
            return True, json.loads(raw)
        except ValueError:
            return False, None

    def _send(self, status: int, payload: Any, *, headers: dict[str, str] | None = None, mangle: str | None = None,
              raw: bytes | None = None, content_type: str = "application/json; charset=utf-8") -> None:
        body = raw if raw is not None else b"" if payload is None else json.dumps(payload).encode()
        if mangle == "truncate" and body:
            body = body[: max(1, len(body) // 2)]
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if mangle == "reset" and body:
            self.wfile.write(body[: max(1, len(body) // 2)])
            self.wfile.flush()
            # RST instead of FIN: the client sees a connection reset halfway through the body
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.close()
            return
        self.wfile.write(body)

    def _handle(self, method: str) -> None:
        try:
            self._handle_request(method)
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception as exc:  # a bug in the demo must look like a 500, not a dropped connection
            with contextlib.suppress(OSError):
                self._send(500, {"error": f"demo server error: {type(exc).__name__}: {exc}"})

    def _handle_request(self, method: str) -> None:
        demo = self.server.demo
        state = demo.state
        split = urlsplit(self.path)
        path, query = split.path, parse_qs(split.query, keep_blank_values=True)
        ok, body = self._read_body()
        if path.startswith("/demo/"):
            return self._demo_endpoint(method, path, body if ok else ...)
        if path.startswith("/api/v1/"):
            api = "chatwoot"
        elif path.startswith("/admin/api/") and path.endswith("/graphql.json"):
            api = "shopify"
        else:
            return self._send(404, {"error": "Not found"})
        with state.lock:
            state.requests[f"{method} {_ID_RE.sub('/{id}', path)}"] += 1
        verdict = demo.faults.verdict(api)
        if verdict.delay_s:
            time.sleep(verdict.delay_s)
        if verdict.status is not None:
            with state.lock:
                state.faults_injected[str(verdict.status)] += 1
            return self._send_fault(api, verdict.status, demo.faults.get())
        if api == "chatwoot":
            me = state.tokens.get(self.headers.get("api_access_token") or "")
            if me is None:
                return self._send(401, {"error": "Invalid Access Token"})
            if not ok:
                return self._send(400, {"error": "the body is not valid JSON"})
            faults = demo.faults.get() if demo.faults.get().scope in ("all", "chatwoot") else Faults()
            status, payload = chatwoot_api.dispatch(state, method, path, query, body, me,
                                                    conflict_resolved=faults.conflict_resolved,
                                                    overlap=faults.duplicate_items)
            return self._send(status, distort(payload, faults), mangle=verdict.mangle if status < 400 else None)
        if self.headers.get("X-Shopify-Access-Token") != state.shopify_token:
            return self._send(401, {"errors": "[API] Invalid API key or access token (unrecognized login or "
                                              "wrong password)"})
        if path != SHOPIFY_PATH or method != "POST":
            return self._send(404, {"errors": "Not Found"})
        if not ok or not isinstance(body, dict):
            return self._send(400, {"errors": {"query": "Required parameter missing or invalid"}})
        status, payload = demo.shopify.execute(body, bucket_override=demo.faults.take_bucket())
        return self._send(status, payload, mangle=verdict.mangle)

    def _send_fault(self, api: str, status: int, faults: Faults) -> None:
        headers = {}
        if faults.retry_after is not None and status in (429, 503):
            headers["Retry-After"] = str(faults.retry_after)
        if status == 401:
            text = "Invalid Access Token" if api == "chatwoot" else "[API] Invalid API key or access token"
            return self._send(401, {"error" if api == "chatwoot" else "errors": text})
        if status == 429:
            return self._send(429, {"errors": "Too many requests"} if api == "shopify"
                              else {"error": "Retry later"}, headers=headers)
        if status == 502:  # what a proxy in front of a dead app says: not JSON at all
            return self._send(502, None, raw=b"<html><body><h1>502 Bad Gateway</h1></body></html>",
                              content_type="text/html")
        return self._send(status, {"error": "Service Unavailable" if status == 503 else "Internal Server Error"},
                          headers=headers)

    def _demo_endpoint(self, method: str, path: str, body: Any) -> None:
        demo = self.server.demo
        if body is ...:
            return self._send(400, {"error": "the body is not valid JSON"})
        if path == "/demo/faults" and method == "GET":
            return self._send(200, demo.faults.get().to_json())
        if path == "/demo/faults" and method in ("POST", "PATCH"):
            try:
                faults = parse_faults(body if body is not None else {},
                                      demo.faults.get() if method == "PATCH" else None)
            except FaultError as exc:
                return self._send(400, {"error": str(exc)})
            demo.faults.set(faults)
            return self._send(200, faults.to_json())
        if path == "/demo/stats" and method == "GET":
            return self._send(200, demo.state.stats())
        if path == "/demo/info" and method == "GET":
            return self._send(200, demo.info())
        if path == "/demo/received_messages" and method == "GET":
            with demo.state.lock:
                return self._send(200, list(demo.state.received_messages))
        if path == "/demo/live" and method == "POST":
            count = body.get("events", 1) if isinstance(body, dict) else 1
            kinds = [demo.live_once() for _ in range(max(0, min(int(count), 1000)))]
            return self._send(200, {"events": kinds})
        return self._send(404, {"error": "Not found"})


class DemoServer:
    """The demo backend on a background thread. `start()` returns the connection info; `stop()` ends it."""

    def __init__(self, seed: int = 1, scale: str = "small", live: bool = True, live_interval: float = 5.0,
                 port: int = 0, host: str = "127.0.0.1", now: int | None = None) -> None:
        from deskapp.demo.shopify_api import ShopifyApi

        self.seed, self.scale, self.live, self.live_interval = seed, scale, live, live_interval
        self.host, self.port = host, port
        self.state = DemoState(seed=seed, scale=scale, now=now)
        self.faults = FaultBox(seed)
        self.shopify = ShopifyApi(self.state)
        self._httpd: _HttpServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._live_rng = random.Random(seed ^ 0x11FE)

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the demo server is not running")
        return f"http://{self.host}:{self._httpd.server_address[1]}"

    def info(self) -> dict[str, Any]:
        state = self.state
        return {
            "url": self.url, "shop_url": self.url, "chatwoot_account_id": state.account_id,
            "chatwoot_token": state.chatwoot_token, "shopify_token": state.shopify_token,
            "supervisor_token": next(t for t, a in state.tokens.items() if a == 1),
            "agent_tokens": {str(a): t for t, a in state.tokens.items()}, "me_agent_id": state.me_id,
            "seed": self.seed, "scale": self.scale, "live": self.live, "counts": state.stats()["counts"],
        }

    def start(self) -> dict[str, Any]:
        if self._httpd is not None:
            return self.info()
        httpd = _HttpServer((self.host, self.port), _Handler)
        httpd.demo = self
        self._httpd = httpd
        self._stopping.clear()
        serve = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                 name="demo-http", daemon=True)
        serve.start()
        self._threads = [serve]
        if self.live:
            live = threading.Thread(target=self._live_loop, name="demo-live", daemon=True)
            live.start()
            self._threads.append(live)
        return self.info()

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        self._stopping.set()
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []

    def __enter__(self) -> DemoServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_faults(self, **faults: Any) -> Faults:
        """Replace every fault setting (keys as for POST /demo/faults; none given = all off)."""
        parsed = parse_faults(faults)
        self.faults.set(parsed)
        return parsed

    def live_once(self) -> str:
        return live_tick(self.state, self._live_rng)

    def _live_loop(self) -> None:
        while not self._stopping.wait(self.live_interval):
            live_tick(self.state, self._live_rng)
