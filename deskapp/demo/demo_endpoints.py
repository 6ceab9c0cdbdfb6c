"""The demo hub's control plane (`/demo/...`, no token): fault switches, statistics, live events on demand, and
what only the other side of a real hub does - a customer writing in, an agent editing a contact elsewhere."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from deskapp.demo.chatwoot_agent_bots import customer_starts
from deskapp.demo.chatwoot_common import ApiError
from deskapp.demo.chatwoot_contacts import edit_contact
from deskapp.demo.faults import FaultError, parse_faults
from deskapp.demo.state import INCOMING

if TYPE_CHECKING:
    from deskapp.demo.server import DemoServer

_INCOMING = re.compile(r"/demo/conversations/(\d+)/incoming$")
_CONTACT = re.compile(r"/demo/contacts/(\d+)$")
_NEW_CONVERSATION = re.compile(r"/demo/inboxes/(\d+)/conversations$")


def demo_endpoint(demo: DemoServer, method: str, path: str, body: Any) -> tuple[int, Any]:
    """(status, JSON body) for one control-plane request."""
    state = demo.state
    if path == "/demo/faults" and method == "GET":
        return 200, demo.faults.get().to_json()
    if path == "/demo/faults" and method in ("POST", "PATCH"):
        try:
            faults = parse_faults(body if body is not None else {}, demo.faults.get() if method == "PATCH" else None)
        except FaultError as exc:
            return 400, {"error": str(exc)}
        demo.faults.set(faults)
        if faults.cable_blocked:
            demo.cable.drop_all()
        return 200, faults.to_json()
    if path == "/demo/stats" and method == "GET":
        return 200, state.stats()
    if path == "/demo/info" and method == "GET":
        return 200, demo.info()
    if path == "/demo/received_messages" and method == "GET":
        with state.lock:
            return 200, list(state.received_messages)
    if path == "/demo/live" and method == "POST":
        count = body.get("events", 1) if isinstance(body, dict) else 1
        kinds = [demo.live_once() for _ in range(max(0, min(int(count), 1000)))]
        return 200, {"events": kinds}
    incoming = _INCOMING.match(path)
    if incoming and method == "POST":
        return customer_writes(demo, int(incoming.group(1)), body)
    started = _NEW_CONVERSATION.match(path)
    if started and method == "POST":
        content, contact_id = (body.get("content"), body.get("contact_id")) if isinstance(body, dict) else (None, 0)
        if not isinstance(content, str) or not content or not isinstance(contact_id, int):
            return 400, {"error": "content (a non-empty string) and contact_id (an id) are required"}
        return customer_starts(state, int(started.group(1)), contact_id, content)
    contact = _CONTACT.match(path)
    if contact and method == "PATCH":
        return edit_elsewhere(demo, int(contact.group(1)), body)
    return 404, {"error": "Not found"}


def customer_writes(demo: DemoServer, conv_id: int, body: Any) -> tuple[int, Any]:
    """The customer sends a message (as the channel would deliver it; the API refuses `incoming` here)."""
    content = body.get("content") if isinstance(body, dict) else None
    if not isinstance(content, str) or not content:
        return 400, {"error": "content (a non-empty string) is required"}
    state = demo.state
    with state.lock:
        conv = state.conversation(conv_id)
        if conv is None:
            return 404, {"error": "no such conversation"}
        msg = state.add_message(conv, content=content, message_type=INCOMING, sender_type="contact",
                                sender_id=conv.contact_id)
        state.record_push("incoming", conv.id, body)
        return 200, {"id": msg["id"], "conversation_id": conv.id, "created_at": msg["created_at"]}


def edit_elsewhere(demo: DemoServer, contact_id: int, body: Any) -> tuple[int, Any]:
    """Another agent edits a contact (name, email, phone_number, identifier, additional/custom attributes)."""
    if not isinstance(body, dict):
        return 400, {"error": "the body must be a JSON object"}
    state = demo.state
    with state.lock:
        contact = state.contact(contact_id)
        if contact is None:
            return 404, {"error": "no such contact"}
        try:
            edit_contact(state, contact, body)
        except ApiError as exc:
            return exc.status, exc.body
        return 200, {"id": contact.id, "name": contact.name, "email": contact.email, "phone_number": contact.phone}
