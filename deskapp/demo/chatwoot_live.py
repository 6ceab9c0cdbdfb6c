"""The demo hub's routes that feed real-time events: an agent's typing status (ConversationsController#
toggle_typing_status) and a customer's message over Chatwoot's public client API (Public::Api::V1::Inboxes::
MessagesController#create), both as Chatwoot routes and answers them."""

from __future__ import annotations

import re
from typing import Any

from deskapp.demo.chatwoot_common import EMPTY, NOT_FOUND, Answer, ApiError, body_dict, conversation_for, ruby_int
from deskapp.demo.chatwoot_json import contact_push_json, contact_source
from deskapp.demo.state import INCOMING, DemoState

_PUBLIC_MESSAGES = re.compile(r"/public/api/v1/inboxes/(?P<inbox>[^/]+)/contacts/(?P<contact>[^/]+)"
                              r"/conversations/(?P<conv_id>[^/]+)/messages/?$")


def inbox_identifier(inbox_id: int) -> str:
    """The demo's public inbox identifier (Channel::Api#identifier in Chatwoot, a random token there)."""
    return f"demo-inbox-{inbox_id}"


def toggle_typing_status(state: DemoState, me: int, q: dict, body: Any, conv_id: str) -> Answer:
    """Conversations::TypingStatusManager: "on" / "off" broadcast conversation.typing_on / _off to the others
    (anything else does nothing); the answer is `head :ok`."""
    body = body_dict(body)
    with state.lock:
        conv = conversation_for(state, me, conv_id)
        status = body.get("typing_status")
        if status in ("on", "off"):
            state.emit(f"typing_{status}", conv, {"user_id": me, "is_private": bool(body.get("is_private"))})
    return 200, EMPTY


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
