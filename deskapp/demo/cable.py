"""The demo hub's ActionCable endpoint (`/cable`): `CableHub` turns the demo state's changes into Chatwoot's
RoomChannel broadcasts (ActionCableListener's events and payloads) and `serve_cable` runs one upgraded socket
of the HTTP server (websockets' sans-I/O protocol over the handler's own connection)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import select
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

from websockets.exceptions import InvalidState
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol
from websockets.typing import Subprotocol

from deskapp.demo.chatwoot_json import conversation_json, message_push_json, pubsub_token, user_push_json

if TYPE_CHECKING:
    from deskapp.demo.seed import Conversation
    from deskapp.demo.state import DemoState

log = logging.getLogger(__name__)
PING_EVERY = 3.0  # ActionCable::Server::Connections::BEAT_INTERVAL
_WATCHED = ("status", "assignee_id", "team_id", "priority", "labels", "snoozed_until")


class _Socket:
    """One subscribed client: frames queued by any thread, sent by the socket's own thread."""

    def __init__(self) -> None:
        self.outbox: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self.wake_r, self.wake_w = os.pipe()
        self.user_id: int | None = None
        self.identifier: str | None = None

    def put(self, frame: str | None) -> None:
        self.outbox.put(frame)
        with contextlib.suppress(OSError):
            os.write(self.wake_w, b"x")

    def close(self) -> None:
        for fd in (self.wake_r, self.wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)


class CableHub:
    """Every open socket of the demo hub, and the broadcasts made from the state's changes."""

    def __init__(self, state: DemoState) -> None:
        self.state = state
        self._lock = threading.Lock()
        self._sockets: set[_Socket] = set()
        with state.lock:
            self._seen = {c.id: self._watch(c) for c in state.conversations}
        self.sent = 0  # broadcasts made (per socket)
        state.listeners.append(self._changed)

    @staticmethod
    def _watch(conv: Conversation) -> tuple:
        return tuple(getattr(conv, f) if f != "labels" else tuple(conv.labels) for f in _WATCHED)

    def count(self) -> int:
        with self._lock:
            return len(self._sockets)

    def drop_all(self) -> int:
        """Close every socket as a dying server would (clients see the connection end); returns how many."""
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            sock.put(None)
        return len(sockets)

    # --- broadcasts ---------------------------------------------------------------------------------

    def publish(self, event: str, data: dict[str, Any], *, skip_user: int | None = None) -> None:
        """Broadcast to every subscribed user (the demo's users are members of the inboxes they watch)."""
        body = {"event": event, "data": {**data, "account_id": self.state.account_id}}
        with self._lock:
            targets = [s for s in self._sockets if s.identifier and s.user_id != skip_user]
        for sock in targets:
            sock.put(json.dumps({"identifier": sock.identifier, "message": body}))
            self.sent += 1

    def _changed(self, kind: str, conv: Conversation, extra: dict[str, Any] | None) -> None:
        """DemoState's listener (called under the state lock): which Chatwoot events this change makes."""
        state = self.state
        if kind == "touch":
            before, now = self._seen.get(conv.id), self._watch(conv)
            self._seen[conv.id] = now
            if before == now or not self.count():
                return
            data = conversation_json(state, conv)
            if before is None:
                self.publish("conversation.created", data)
                return
            if before[0] != now[0]:
                self.publish("conversation.status_changed", data)
            if before[1] != now[1]:
                self.publish("assignee.changed", data)
            if before[2:] != now[2:]:
                self.publish("conversation.updated", data)
        elif kind in ("message", "message.deleted") and extra is not None and self.count():
            event = "message.created" if kind == "message" else "message.updated"
            self.publish(event, message_push_json(state, conv, extra))
        elif kind in ("typing_on", "typing_off") and extra is not None:
            user = user_push_json(state.agent(extra["user_id"]))
            self.publish(f"conversation.{kind}", {"conversation": conversation_json(state, conv), "user": user,
                                                  "is_private": bool(extra.get("is_private"))},
                         skip_user=extra["user_id"])

    def _presence(self) -> None:
        with self._lock:
            connected = {s.user_id for s in self._sockets if s.user_id is not None}
        # OnlineStatusTracker: a connected user shows with the availability they chose; "offline" hides them
        chosen = {uid: self.state.availability.get(uid, "online") for uid in connected}
        users = {str(uid): status for uid, status in chosen.items() if status != "offline"}
        self.publish("presence.update", {"users": users, "contacts": {}})

    # --- one socket -----------------------------------------------------------------------------------

    def serve(self, conn: socket.socket, path: str, headers: list[tuple[str, str]], *, blocked: bool) -> None:
        """Run the upgraded socket until either side ends it (or the hub drops it)."""
        protocol = ServerProtocol(subprotocols=[Subprotocol("actioncable-v1-json")])
        # the handler has read the request already: the protocol is handed it again, as the bytes it came as
        head = f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
        protocol.receive_data(head.encode("latin-1"))
        request = next((e for e in protocol.events_received() if isinstance(e, Request)), None)
        if request is None:
            return
        response = protocol.accept(request)
        if blocked:  # a proxy in front refuses the upgrade: the client must fall back to polling
            response = protocol.reject(503, "the socket is blocked (demo fault)\n")
        protocol.send_response(response)
        conn.sendall(b"".join(protocol.data_to_send()))
        if protocol.state is not State.OPEN:
            return
        sock = _Socket()
        with self._lock:
            self._sockets.add(sock)
        try:
            self._send(conn, protocol, {"type": "welcome"})
            self._loop(conn, protocol, sock)
        except (OSError, InvalidState):
            pass  # the client went away
        finally:
            with self._lock:
                self._sockets.discard(sock)
            sock.close()
            if sock.user_id is not None:
                self._presence()

    def _loop(self, conn: socket.socket, protocol: ServerProtocol, sock: _Socket) -> None:
        next_ping = time.monotonic() + PING_EVERY
        while True:
            ready, _, _ = select.select([conn, sock.wake_r], [], [], max(0.0, next_ping - time.monotonic()))
            if sock.wake_r in ready:
                os.read(sock.wake_r, 4096)
                while True:
                    try:
                        frame = sock.outbox.get_nowait()
                    except queue.Empty:
                        break
                    if frame is None:  # dropped: no close handshake, the TCP connection just ends
                        conn.shutdown(socket.SHUT_RDWR)
                        return
                    protocol.send_text(frame.encode())
                conn.sendall(b"".join(protocol.data_to_send()))
            if conn in ready:
                data = conn.recv(65536)
                if data:
                    protocol.receive_data(data)
                else:
                    protocol.receive_eof()
                for event in protocol.events_received():
                    if isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                        self._command(protocol, sock, bytes(event.data))
                conn.sendall(b"".join(protocol.data_to_send()))
                if protocol.state is not State.OPEN or not data:
                    return
            if time.monotonic() >= next_ping:
                self._send(conn, protocol, {"type": "ping", "message": int(self.state.now())})
                next_ping = time.monotonic() + PING_EVERY

    def _command(self, protocol: ServerProtocol, sock: _Socket, raw: bytes) -> None:
        """ActionCable's commands: subscribe (RoomChannel#subscribed finds the user by pubsub_token and user_id),
        message (update_presence), unsubscribe."""
        try:
            command = json.loads(raw)
            identifier = command["identifier"]
            params = json.loads(identifier)
        except (ValueError, KeyError, TypeError):
            log.info("demo cable: a command that is not ActionCable's ignored")
            return
        if command.get("command") == "subscribe":
            user_id = params.get("user_id") if isinstance(params, dict) else None
            agent = self.state.find_agent(user_id if isinstance(user_id, int) else None)
            if (agent is None or params.get("pubsub_token") != pubsub_token(agent["id"])
                    or str(params.get("account_id")) != str(self.state.account_id)):
                protocol.send_text(json.dumps({"identifier": identifier, "type": "reject_subscription"}).encode())
                return
            sock.user_id, sock.identifier = agent["id"], identifier
            protocol.send_text(json.dumps({"identifier": identifier, "type": "confirm_subscription"}).encode())
            self._presence()
        elif command.get("command") == "message" and sock.identifier == identifier:
            self._presence()  # update_presence: the only action RoomChannel has
        elif command.get("command") == "unsubscribe" and sock.identifier == identifier:
            sock.identifier = None

    @staticmethod
    def _send(conn: socket.socket, protocol: ServerProtocol, frame: dict[str, Any]) -> None:
        protocol.send_text(json.dumps(frame).encode())
        conn.sendall(b"".join(protocol.data_to_send()))
