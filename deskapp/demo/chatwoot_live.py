"""The demo hub's public client API for real-time tests and benchmarks: a customer's message (Public::Api::V1::
Inboxes::MessagesController#create) as Chatwoot routes and answers it. Typing lives in demo.chatwoot_presence."""

from __future__ import annotations

import re
from typing import Any

from deskapp.demo.chatwoot_common import NOT_FOUND, Answer, ApiError, body_dict, ruby_int
from deskapp.demo.chatwoot_json import contact_push_json, contact_source
from deskapp.demo.state import INCOMING, DemoState

_PUBLIC_MESSAGES = re.compile(r"/public/api/v1/inboxes/(?P<inbox>[^/]+)/contacts/(?P<contact>[^/]+)"
                              r"/conversations/(?P<conv_id>[^/]+)/messages/?$")


def inbox_identifier(inbox_id: int) -> str:
    """The demo's public inbox identifier (Channel::Api#identifier in Chatwoot, a random token there)."""
    return f"demo-inbox-{inbox_id}"


def public_dispatch(state: DemoState, method: str, path: str, body: Any) -> Answer:
    """The public client API (no token: the inbox and contact identifiers are the credentials)."""
    match = _PUBLIC_MESSAGES.match(path)
    if match is None or method != "POST":
        return 404, {"status": 404, "error": "Not Found"}
    body = body_dict(body)
    with state.lock:
        conv = state.conversation(ruby_int(match["conv_id"], 0))
        if (conv is None or match["inbox"] != inbox_identifier(conv.inbox_id)
                or match["contact"] != contact_source(state, conv)):
            return 404, NOT_FOUND
        content = str(body.get("content") or "")
        if not content:
            error = ApiError.unprocessable("Content can't be blank")
            return error.status, error.body
        msg = state.add_message(conv, content=content, message_type=INCOMING, sender_type="contact",
                                sender_id=conv.contact_id)
        contact = state.world.contacts[conv.contact_id - 1]
        # public/api/v1/models/_message.json.jbuilder
        return 200, {"id": msg["id"], "content": content, "message_type": INCOMING, "content_type": "text",
                     "content_attributes": {}, "created_at": msg["created_at"], "conversation_id": conv.id,
                     "attachments": [], "sender": contact_push_json(state, contact)}
