"""`CableClient`: Chatwoot's ActionCable socket (`/cable`, RoomChannel) for one hub account, on its own thread;
it tells its owner the socket's state and every event, and reconnects with jittered backoff.

ActionCable's wire protocol as Chatwoot speaks it: the server greets with {"type":"welcome"}, the client sends
{"command":"subscribe","identifier":<JSON string of {"channel":"RoomChannel","pubsub_token","account_id",
"user_id"}>}, the server answers {"type":"confirm_subscription"} (or "reject_subscription"), pings every 3 s
({"type":"ping","message":<unix time>}) and broadcasts {"identifier":..., "message":{"event","data"}}; it may
say {"type":"disconnect","reason":...,"reconnect":bool}. The pubsub_token is the user's, from the profile.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin, Subprotocol

log = logging.getLogger(__name__)

PING_EVERY = 3.0  # ActionCable's server beat
STALE_AFTER = 3 * PING_EVERY  # no frame for this long: the socket is dead even if TCP has not noticed
PRESENCE_EVERY = 20.0  # Chatwoot's dashboard performs update_presence this often to stay "online"
OPEN_TIMEOUT = 10.0


def cable_url(base_url: str) -> str:
    """wss://host/cable for an https hub, ws:// for http (path prefixes of the hub are kept)."""
    parts = urlsplit(base_url)
    scheme = {"https": "wss", "http": "ws"}.get(parts.scheme.lower())
    if scheme is None:
        raise ValueError(f"not an http(s) hub URL: {base_url!r}")
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + "/cable", "", ""))


def backoff_delays(base: float = 1.0, cap: float = 60.0, rng: random.Random | None = None):
    """Endless reconnect waits: doubling up to `cap`, each drawn in [half, full] so clients spread out."""
    rng = rng or random.Random()
    attempt = 0
    while True:
        full = min(cap, base * 2 ** attempt)
        yield full / 2 + rng.random() * full / 2
        attempt += 1


class CableRefused(Exception):
    """The hub refused the subscription or said not to reconnect (a token or user that is no longer valid)."""


class CableClient:
    """One RoomChannel subscription kept open. `profile()` returns GET /api/v1/profile's body (read at every
    connect: it carries the pubsub_token); `on_state(live, why)` and `on_event(name, data)` run on the client's
    thread. After every confirmed subscription `on_state(True, ...)` fires: the owner pulls what it missed."""

    def __init__(self, url: str, account_id: int | str, profile: Callable[[], dict[str, Any]], *,
                 on_event: Callable[[str, Any], None], on_state: Callable[[bool, str], None],
                 ssl_context: ssl.SSLContext | None = None, base_delay: float = 1.0, max_delay: float = 60.0,
                 stale_after: float = STALE_AFTER, rng: random.Random | None = None) -> None:
        self.url, self.account_id, self.profile = url, str(account_id), profile
        self.on_event, self.on_state = on_event, on_state
        self.ssl_context = ssl_context
        self.base_delay, self.max_delay, self.stale_after = base_delay, max_delay, stale_after
        self.rng = rng or random.Random()
        self.live = False
        self.connects = 0  # confirmed subscriptions so far (the first one and every reconnect)
        self._stop = threading.Event()
        self._ws: ClientConnection | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> CableClient:
        self._thread = threading.Thread(target=self._run, name=f"cable-{self.account_id}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        ws = self._ws
        if ws is not None:
            # Wake the cable thread from its read by shutting the socket down under it; it then closes the
            # connection itself. Closing it from here too would have two threads wait on the library's
            # reader thread at once, which CPython's thread joining does not survive.
            with contextlib.suppress(OSError):
                ws.socket.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        delays = backoff_delays(self.base_delay, self.max_delay, self.rng)
        while not self._stop.is_set():
            try:
                self._session()
                why = "the hub closed the socket"
            except CableRefused as exc:
                why = f"refused: {exc}"
            except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake, InvalidURI, ValueError) as exc:
                why = f"{type(exc).__name__}: {exc}"
            except Exception as exc:  # a bug here must not end the account's live updates for good
                log.exception("cable of account %s failed", self.account_id)
                why = f"internal error: {exc}"
            self._ws = None
            if self.live:
                delays = backoff_delays(self.base_delay, self.max_delay, self.rng)  # it worked: start over
                self._set_live(False, why)
            wait = next(delays)
            if not self._stop.is_set():
                log.info("cable of account %s: not connected (%s); next try in %.1f s", self.account_id, why, wait)
            if self._stop.wait(wait):
                break

    def _session(self) -> None:
        """One connection: handshake, subscribe, then read until it ends (raises or returns)."""
        me = self.profile()
        token, user_id = me.get("pubsub_token"), me.get("id")
        if not token or user_id is None:
            raise CableRefused("the profile carries no pubsub_token")
        identifier = json.dumps({"channel": "RoomChannel", "pubsub_token": token, "account_id": self.account_id,
                                 "user_id": user_id})
        origin = self.url.replace("wss://", "https://", 1).replace("ws://", "http://", 1).removesuffix("/cable")
        tls = (self.ssl_context or ssl.create_default_context()) if self.url.startswith("wss://") else None
        with connect(self.url, ssl=tls, origin=Origin(origin), open_timeout=OPEN_TIMEOUT,
                     subprotocols=[Subprotocol("actioncable-v1-json")], max_size=2**22,
                     ping_interval=None) as ws:  # ActionCable's own pings are the watchdog (see _session)
            self._ws = ws
            if self._stop.is_set():
                return
            last_frame = time.monotonic()
            next_presence = last_frame + PRESENCE_EVERY
            while not self._stop.is_set():
                now = time.monotonic()
                if self.live and now >= next_presence:  # RoomChannel#update_presence keeps the agent online
                    ws.send(json.dumps({"command": "message", "identifier": identifier,
                                        "data": json.dumps({"action": "update_presence"})}))
                    next_presence = now + PRESENCE_EVERY
                try:
                    raw = ws.recv(timeout=max(0.01, min(last_frame + self.stale_after, next_presence) - now))
                except TimeoutError:
                    if time.monotonic() - last_frame >= self.stale_after:
                        raise TimeoutError(f"no frame for {self.stale_after:.0f} s") from None
                    continue
                last_frame = time.monotonic()
                self._frame(ws, raw, identifier)

    def _frame(self, ws: ClientConnection, raw: str | bytes, identifier: str) -> None:
        try:
            frame = json.loads(raw)
        except ValueError:
            log.warning("cable of account %s: a frame that is not JSON ignored: %.80r", self.account_id, raw)
            return
        if not isinstance(frame, dict):
            log.warning("cable of account %s: a frame that is not an object ignored", self.account_id)
            return
        kind = frame.get("type")
        if kind == "welcome":
            ws.send(json.dumps({"command": "subscribe", "identifier": identifier}))
        elif kind == "ping":
            pass  # recv's timeout is the watchdog
        elif kind == "confirm_subscription":
            self.connects += 1
            self._set_live(True, "subscribed")
        elif kind == "reject_subscription":
            raise CableRefused("the hub rejected the RoomChannel subscription")
        elif kind == "disconnect":
            raise CableRefused(str(frame.get("reason") or "disconnect")) if frame.get("reconnect") is False \
                else ConnectionError(f"the hub disconnected: {frame.get('reason')}")
        elif kind is None and isinstance(frame.get("message"), dict):
            message = frame["message"]
            name = message.get("event")
            if not isinstance(name, str):
                log.warning("cable of account %s: a message without an event name ignored", self.account_id)
                return
            try:
                self.on_event(name, message.get("data"))
            except Exception:  # the owner's bug must not drop the socket
                log.exception("cable event %s of account %s failed in its listener", name, self.account_id)
        else:
            log.warning("cable of account %s: unknown frame type %r ignored", self.account_id, kind)

    def _set_live(self, live: bool, why: str) -> None:
        self.live = live
        log.info("cable of account %s: %s (%s)", self.account_id, "live" if live else "down", why)
        try:
            self.on_state(live, why)
        except Exception:
            log.exception("cable state listener of account %s failed", self.account_id)
