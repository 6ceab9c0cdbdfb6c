"""`DemoServer`: the loopback HTTP server speaking the Chatwoot application API and the Shopify Admin GraphQL
API over the seeded demo state, with live traffic and fault switches. Used by `deskapp demo-server`,
`deskapp --demo` and tests.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import re
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from deskapp.demo import chatwoot_agent_bots as agent_bots
from deskapp.demo import chatwoot_api
from deskapp.demo.cable import CableHub
from deskapp.demo.chatwoot_common import BAD_REQUEST, BAD_TOKEN, NO_TOKEN
from deskapp.demo.chatwoot_live import public_dispatch
from deskapp.demo.demo_endpoints import demo_endpoint
from deskapp.demo.faults import FaultBox, Faults, Throttle, distort, parse_faults
from deskapp.demo.live import live_tick
from deskapp.demo.state import DemoState
from deskapp.demo.surveys import survey_export

log = logging.getLogger(__name__)
SHOPIFY_PATH = "/admin/api/2025-01/graphql.json"
_ID_RE = re.compile(r"/\d+(?=/|$)")
SERVER_VERSIONS = {"4.x": "4.10.0", "3.x": "3.16.0"}  # what GET /api reports for each behaviour


def _png(width: int, height: int) -> bytes:
    """A small grey PNG: what an attachment's data_url serves (its name has no extension: sniff the bytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


ATTACHMENT_BYTES = _png(64, 48)


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
        if urlsplit(self.path).path == "/cable" and self.headers.get("Upgrade", "").lower() == "websocket":
            self.close_connection = True  # the socket is the cable's now, and ends with it
            demo = self.server.demo
            with demo.state.lock:
                demo.state.requests["GET /cable"] += 1
            return demo.cable.serve(self.connection, self.path, list(self.headers.items()),
                                    blocked=demo.faults.get().cable_blocked)
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
        body = raw if raw is not None else payload if isinstance(payload, bytes) else json.dumps(payload).encode()
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
        if path == "/demo/survey-export.csv" and method == "GET":  # what a survey tool's CSV export holds
            return self._send(200, None, raw=survey_export(state).encode(), content_type="text/csv; charset=utf-8")
        if path.startswith("/demo/"):
            if not ok:
                return self._send(400, {"error": "the body is not valid JSON"})
            status, payload = demo_endpoint(demo, method, path, body)
            return self._send(status, payload)
        if path.startswith("/rails/active_storage/") and method == "GET":
            return self._send(200, None, raw=ATTACHMENT_BYTES, content_type="application/octet-stream")
        if path.startswith("/public/api/v1/"):  # the client API: no token, no faults of the agents' API
            if not ok:
                return self._send(400, BAD_REQUEST)
            return self._send(*public_dispatch(state, method, path, body))
        if path.startswith(("/api/v1/", "/api/v2/")) or path.rstrip("/") == "/api":
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
        if verdict.status is None and api == "chatwoot" and demo.throttled(self.client_address[0], path):
            verdict.status = 429
        if verdict.status is not None:
            with state.lock:
                state.faults_injected[str(verdict.status)] += 1
            return self._send_fault(api, verdict.status, demo.faults.get())
        if api == "chatwoot":
            if path.rstrip("/") == "/api":  # ApiController#index: no token needed
                return self._send(200, {"version": SERVER_VERSIONS[state.chatwoot_version],
                                        "timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(state.now())),
                                        "queue_services": "ok", "data_services": "ok"})
            token = self.headers.get("api_access_token")
            if not token:  # no token: devise_token_auth's own refusal
                return self._send(401, NO_TOKEN)
            me = state.tokens.get(token)
            if not ok:
                return self._send(400, BAD_REQUEST)
            bot = agent_bots.hub(state).bot_for_token(token) if me is None else None
            if bot is not None:  # an agent bot's own token: the few routes a bot may use
                return self._send(*agent_bots.bot_dispatch(state, bot, method, path, body))
            if me is None:
                return self._send(401, BAD_TOKEN)
            faults = demo.faults.get() if demo.faults.get().scope in ("all", "chatwoot") else Faults()
            status, payload = chatwoot_api.dispatch(state, method, path, query, body, me,
                                                    conflict_resolved=faults.conflict_resolved,
                                                    overlap=faults.duplicate_items,
                                                    slow_apply_s=faults.slow_apply_s)
            return self._send(status, distort(payload, faults), mangle=verdict.mangle if status < 400 else None)
        if self.headers.get("X-Shopify-Access-Token") != state.shopify_token:
            return self._send(401, {"errors": "[API] Invalid API key or access token (unrecognized login or "
                                              "wrong password)"})
        if path != SHOPIFY_PATH or method != "POST":
            return self._send(404, {"errors": "Not Found"})
        if not ok or not isinstance(body, dict):
            return self._send(400, {"errors": {"query": "Required parameter missing or invalid"}})
        faults = demo.faults.get() if demo.faults.get().scope in ("all", "shopify") else Faults()
        status, payload = demo.shopify.execute(body, bucket_override=demo.faults.take_bucket(),
                                               read_only=faults.shopify_read_only,
                                               fail_after_apply=faults.fail_after_apply,
                                               slow_apply_s=faults.slow_apply_s)
        return self._send(status, payload, mangle=verdict.mangle)

    def _send_fault(self, api: str, status: int, faults: Faults) -> None:
        headers = {}
        if faults.retry_after is not None and status in (429, 503):
            headers["Retry-After"] = str(faults.retry_after)
        if status == 401:
            return self._send(401, BAD_TOKEN if api == "chatwoot"
                              else {"errors": "[API] Invalid API key or access token"})
        if status == 429:
            if api == "shopify":
                return self._send(429, {"errors": "Too many requests"}, headers=headers)
            # rack-attack's default responder: plain text, no Retry-After (unless a proxy in front adds one)
            return self._send(429, None, raw=b"Retry later\n", content_type="text/plain", headers=headers)
        if status == 502:  # what a proxy in front of a dead app says: not JSON at all
            return self._send(502, None, raw=b"<html><body><h1>502 Bad Gateway</h1></body></html>",
                              content_type="text/html")
        return self._send(status, {"error": "Service Unavailable" if status == 503 else "Internal Server Error"},
                          headers=headers)


class DemoServer:
    """The demo backend on a background thread. `start()` returns the connection info; `stop()` ends it."""

    def __init__(self, seed: int = 1, scale: str = "small", live: bool = True, live_interval: float = 5.0,
                 port: int = 0, host: str = "127.0.0.1", now: int | None = None,
                 clock: Callable[[], float] | None = None, chatwoot_version: str = "4.x",
                 floor_agents: int = 0) -> None:
        """`now` ends the seeded history (and starts the hub's clock there); `clock` replaces that clock;
        `chatwoot_version` "4.x" | "3.x" picks the server behaviours that differ between versions;
        `floor_agents` (0: off) grows the team to that many agents (demo/floor_agents.py)."""
        from deskapp.demo.shopify_api import ShopifyApi

        self.seed, self.scale, self.live, self.live_interval = seed, scale, live, live_interval
        self.host, self.port = host, port
        self.state = DemoState(seed=seed, scale=scale, now=now, clock=clock, chatwoot_version=chatwoot_version,
                               floor_agents=floor_agents)
        self.faults = FaultBox(seed)
        self.throttle = Throttle()
        self.shopify = ShopifyApi(self.state)
        self.cable = CableHub(self.state)
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
            "chatwoot_version": state.chatwoot_version,
        }

    def throttled(self, ip: str, path: str) -> bool:
        """Whether rack-attack's throttles (when switched on) refuse this request."""
        f = self.faults.get()
        if f.throttle_limit is None or f.scope == "shopify":
            return False
        now = self.state.now()
        over = self.throttle.hit(f"req/ip/{f.throttle_period}", ip, f.throttle_limit, f.throttle_period, now)
        match = re.match(r"/api/v1/accounts/(\d+)/contacts/search", path)
        if match:
            over |= self.throttle.hit("contacts/search/60", match.group(1), f.throttle_search_limit, 60, now)
        return over

    def start(self) -> dict[str, Any]:
        if self._httpd is not None:
            return self.info()
        httpd = _HttpServer((self.host, self.port), _Handler)
        httpd.demo = self
        self._httpd = httpd
        self.state.public_url = self.url
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
        self.cable.drop_all()
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []
        if self.state.agent_bot_hub is not None:
            self.state.agent_bot_hub.stop()

    def __enter__(self) -> DemoServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_faults(self, **faults: Any) -> Faults:
        """Replace every fault setting (keys as for POST /demo/faults; none given = all off)."""
        parsed = parse_faults(faults)
        self.faults.set(parsed)
        if parsed.cable_blocked:
            self.cable.drop_all()
        return parsed

    def live_once(self) -> str:
        return live_tick(self.state, self._live_rng)

    def _live_loop(self) -> None:
        while not self._stopping.wait(self.live_interval):
            try:
                live_tick(self.state, self._live_rng)
            except Exception:  # a bug in one event must not end the live traffic
                log.exception("demo live event failed")
