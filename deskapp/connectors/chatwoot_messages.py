"""Chatwoot message payloads -> domain Messages, for ChatwootConnector (pulls) and chatwoot_push (checks).

The message list (``messages/index.json.jbuilder`` and its ``_message`` partial, Chatwoot v3-v4) carries
``id, content, inbox_id, echo_id?, conversation_id, message_type (0-3), content_type, status,
content_attributes, created_at, private, source_id, sender?, attachments?``: no ``sender_type``,
``sender_id``, ``additional_attributes`` or ``updated_at`` (those appear only in websocket and webhook
payloads, which are ``push_event_data``). The author is ``sender.type``: ``contact``, ``user`` or
``agent_bot`` (``captain_assistant`` for Captain). Bots are numbered apart from users, so a bot's id is
kept as ``bot:<id>`` and never meets the agent with the same number.

Only a human's reply is a response (Chatwoot's own ``Message#human_response?``: outgoing, sent by a User,
no ``automation_rule_id``, no ``campaign_id``): bots, automation rules, campaigns and templates
(greeting, CSAT, email collect) are marked ``automated`` with their AuthorKind.
"""

from __future__ import annotations

import re
from typing import Any

from deskapp.connectors import filetype
from deskapp.connectors.chatwoot_mapping import Unmappable
from deskapp.connectors.wire import as_dict, as_int, dig, id_text, parse_time, text, warn_once
from deskapp.domain import Attachment, AuthorKind, DeliveryState, Direction, Message, StatusEvent

CLIENT_ID_KEY = "deskapp_client_id"
BOT_PREFIX = "bot:"

# message_type is the enum's integer on the list and its name in some other payloads
MESSAGE_TYPES = {0: "incoming", 1: "outgoing", 2: "activity", 3: "template",
                 "incoming": "incoming", "outgoing": "outgoing", "activity": "activity", "template": "template"}
DELIVERY = {"sent": DeliveryState.SENT, "delivered": DeliveryState.DELIVERED, "read": DeliveryState.READ,
            "failed": DeliveryState.FAILED, "progress": DeliveryState.SENDING}
# ``sender.type`` of the list, and the model names ``sender_type`` holds in push_event_data payloads
SENDER_KINDS = {"user": AuthorKind.AGENT, "contact": AuthorKind.CONTACT, "agent_bot": AuthorKind.BOT,
                "agentbot": AuthorKind.BOT, "captain_assistant": AuthorKind.BOT, "captain::assistant": AuthorKind.BOT}

# The English activity notices of a status change (config/locales/en.yml, conversations.activity.status and
# .captain / .agent_bot, v3-v4): "Conversation was marked resolved by <agent>", "... by system due to 3 days
# of inactivity", "Conversation was resolved by <contact>"; "Conversation was reopened by <agent>", "... marked
# open by <bot>", "System reopened the conversation due to a new incoming message.", "... marked as pending
# by", "... snoozed by". An account in another locale gets translated notices: store.ingest then falls back
# to the last activity notice after the customer's last message.
_RESOLVED = re.compile(r"^\s*conversation was (marked )?resolved\b", re.IGNORECASE)
_LEFT_RESOLVED = re.compile(r"^\s*(conversation was (reopened|marked open|marked as pending|snoozed)\b"
                            r"|system reopened the conversation\b)", re.IGNORECASE)


def status_event(content: str) -> StatusEvent | None:
    """The status change an activity notice records, if it is one (English notices only)."""
    if _RESOLVED.match(content):
        return StatusEvent.RESOLVED
    if _LEFT_RESOLVED.match(content):
        return StatusEvent.REOPENED
    return None


def sender_kind(payload: dict[str, Any]) -> tuple[AuthorKind, str | None, str]:
    """(kind, author id as stored, display name) from ``sender`` (else the push-event ``sender_type``)."""
    sender = as_dict(payload.get("sender"))
    raw = text(sender.get("type")) or text(payload.get("sender_type"))
    kind = SENDER_KINDS.get(raw.strip().lower(), AuthorKind.UNKNOWN)
    if raw and kind is AuthorKind.UNKNOWN:
        warn_once("chatwoot sender type", raw, "not a human reply")
    ident = id_text(sender.get("id")) or id_text(payload.get("sender_id"))
    if kind is AuthorKind.BOT and ident is not None:
        ident = BOT_PREFIX + ident
    name = text(sender.get("available_name")) or text(sender.get("name"))
    return kind, ident, name


def _attachments(payload: dict[str, Any]) -> tuple[Attachment, ...]:
    items = payload.get("attachments")
    if not isinstance(items, list):  # the oldest lists had one ``attachment``
        items = [payload["attachment"]] if isinstance(payload.get("attachment"), dict) else []
    found: list[Attachment] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        url = text(item.get("data_url")) or text(item.get("file_url"))
        name = filetype.file_name(url) or f"attachment-{id_text(item.get('id')) or len(found)}"
        kind = filetype.guess(file_type=text(item.get("file_type")), extension=text(item.get("extension")),
                              url=url)
        found.append(Attachment(filename=name, content_type=kind, size=as_int(item.get("file_size")), url=url))
    return tuple(found)


def _kind(raw_type: Any) -> str:
    kind = MESSAGE_TYPES.get(raw_type) if isinstance(raw_type, int | str) and not isinstance(raw_type, bool) else None
    if kind is None:
        warn_once("chatwoot message_type", raw_type, "activity")
        return "activity"
    return kind


def message(payload: Any, conversation_external_id: str, *, campaign: bool = False) -> Message:
    """One list item. ``campaign``: the conversation was opened by a campaign and this message came before
    the customer wrote (the list does not show the message's own ``campaign_id``)."""
    if not isinstance(payload, dict) or id_text(payload.get("id")) is None:
        raise Unmappable("message without an id" if isinstance(payload, dict) else "message is not an object")
    ext = id_text(payload["id"]) or ""
    kind = _kind(payload.get("message_type"))
    author, author_id, author_name = sender_kind(payload)
    attributes = as_dict(payload.get("content_attributes"))
    extra = as_dict(payload.get("additional_attributes"))
    if kind == "activity":
        direction = Direction.ACTIVITY
    elif payload.get("private") is True:
        direction = Direction.NOTE
    elif kind == "incoming":
        direction = Direction.IN
    else:
        direction = Direction.OUT
    if author is not AuthorKind.BOT and (
            kind in ("template", "activity") or attributes.get("automation_rule_id") or extra.get("campaign_id")
            or (campaign and author is AuthorKind.AGENT)):
        author = AuthorKind.SYSTEM
    if direction is Direction.IN:
        delivery = DeliveryState.RECEIVED
    else:
        status = text(payload.get("status")).lower()
        delivery = DELIVERY.get(status, DeliveryState.SENT)
        if status and status not in DELIVERY:
            warn_once("chatwoot message status", status, DeliveryState.SENT.value)
    sent_at = parse_time(payload.get("created_at")) or parse_time(payload.get("updated_at"))
    if sent_at is None:  # placed nowhere in time it would corrupt threads and KPIs
        raise Unmappable(f"message {ext} without created_at")
    deleted = bool(attributes.get("deleted"))
    content = "" if deleted else text(payload.get("content"))  # the hub left "This message was deleted"
    return Message(
        external_id=ext,
        # the stream's id, not payload.conversation_id: some versions put the internal id there
        conversation_external_id=conversation_external_id,
        direction=direction, sent_at=sent_at, text=content,
        html="" if deleted else text(dig(attributes, "email", "html_content", "full")),
        author_name=author_name, author_external_id=author_id,
        delivery=delivery, attachments=() if deleted else _attachments(payload),
        client_id=text(attributes.get(CLIENT_ID_KEY)) or None,
        automated=direction in (Direction.OUT, Direction.NOTE) and author is not AuthorKind.AGENT,
        author_kind=author, deleted=deleted,
        status_event=status_event(content) if direction is Direction.ACTIVITY else None,
    )
