"""Chatwoot application-API payloads -> domain records, for ChatwootConnector. Pure functions, no I/O.

Every mapper tolerates missing and extra fields; an unknown enum value becomes a safe default with one
log line; a payload that cannot be mapped at all (no id, not an object) raises ``Unmappable`` so the
caller skips that one record, never the page.
"""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import urlsplit

from deskapp.connectors.wire import as_int, dig, id_text, identities, parse_time, text, warn_once
from deskapp.domain import (
    Agent,
    Attachment,
    Channel,
    Contact,
    Conversation,
    DeliveryState,
    Direction,
    Identity,
    IdentityKind,
    Message,
    Priority,
    Status,
    SurveyKind,
    SurveyResponse,
    Team,
    Template,
)

CLIENT_ID_KEY = "deskapp_client_id"

CHANNEL_TYPES = {
    "channel::webwidget": Channel.WEB_CHAT,
    "channel::whatsapp": Channel.WHATSAPP,
    "channel::email": Channel.EMAIL,
    "channel::facebookpage": Channel.MESSENGER,
    "channel::instagram": Channel.INSTAGRAM,
    "channel::telegram": Channel.TELEGRAM,
    "channel::sms": Channel.SMS,
    "channel::twiliosms": Channel.SMS,
    "channel::api": Channel.API,
}
STATUSES = {s.value: s for s in Status}
PRIORITIES = {p.value: p for p in Priority}
# Chatwoot serialises message_type as its integer in lists and as the name elsewhere
MESSAGE_TYPES = {0: "incoming", 1: "outgoing", 2: "activity", 3: "template",
                 "incoming": "incoming", "outgoing": "outgoing", "activity": "activity", "template": "template"}
DELIVERY = {"sent": DeliveryState.SENT, "delivered": DeliveryState.DELIVERED, "read": DeliveryState.READ,
            "failed": DeliveryState.FAILED, "progress": DeliveryState.SENDING}


class Unmappable(ValueError):
    """This one record cannot become a domain record; the caller logs and skips it."""


def _require_id(payload: Any, what: str) -> str:
    if not isinstance(payload, dict):
        raise Unmappable(f"{what} is not an object: {type(payload).__name__}")
    ext = id_text(payload.get("id"))
    if ext is None:
        raise Unmappable(f"{what} without an id")
    return ext


def channel_of_inbox(inbox: dict[str, Any]) -> Channel:
    """Inbox ``channel_type`` (+ Twilio's ``medium``) -> Channel; unknown types -> OTHER."""
    kind = text(inbox.get("channel_type"))
    channel = CHANNEL_TYPES.get(kind.lower())
    if kind.lower() == "channel::twiliosms" and text(inbox.get("medium")).lower() == "whatsapp":
        return Channel.WHATSAPP
    if channel is None:
        warn_once("chatwoot channel_type", kind, Channel.OTHER.value)
        return Channel.OTHER
    return channel


def agent(payload: Any, *, my_id: str | None) -> Agent:
    ext = _require_id(payload, "agent")
    role = text(payload.get("role")) or "agent"
    if role not in ("agent", "administrator"):
        warn_once("chatwoot agent role", role, "agent")
        role = "agent"
    name = text(payload.get("available_name")) or text(payload.get("name")) or text(payload.get("email"))
    return Agent(external_id=ext, name=name, email=text(payload.get("email")), role=role, is_me=ext == my_id)


def profile(payload: Any, account_id: str) -> Agent:
    """The signed-in user; their role is the one on this account (``accounts[]``), else the top-level one."""
    ext = _require_id(payload, "profile")
    role = text(payload.get("role"))
    for membership in payload.get("accounts") or []:
        if isinstance(membership, dict) and id_text(membership.get("id")) == account_id:
            role = text(membership.get("role")) or role
    return agent({**payload, "role": role or "agent"}, my_id=ext)


def team(payload: Any) -> Team:
    return Team(external_id=_require_id(payload, "team"), name=text(payload.get("name")))


def template(payload: Any) -> Template:
    ext = _require_id(payload, "canned response")
    code = text(payload.get("short_code"))
    return Template(name=code or f"canned-{ext}", body=text(payload.get("content")), shortcut=code,
                    scope="team", external_id=ext)


def _social_handles(attributes: Any) -> list[Identity]:
    handles = []
    for network, handle in (dig(attributes, "social_profiles") or {}).items():
        if isinstance(handle, str) and handle.strip():
            handles.append(Identity(IdentityKind.HANDLE, f"{network}:{handle.strip()}"))
    return handles


def contact(payload: Any) -> Contact:
    ext = _require_id(payload, "contact")
    found = list(identities(text(payload.get("email")), text(payload.get("phone_number"))))
    found += _social_handles(payload.get("additional_attributes"))
    if text(payload.get("identifier")).strip():
        found.append(Identity(IdentityKind.EXTERNAL, text(payload.get("identifier")).strip()))
    name = (text(payload.get("name")) or text(payload.get("email")) or text(payload.get("phone_number"))
            or f"Contact {ext}")
    created = parse_time(payload.get("created_at"))
    updated = parse_time(payload.get("updated_at")) or parse_time(payload.get("last_activity_at")) or created
    return Contact(external_id=ext, name=name, identities=tuple(dict.fromkeys(found)),
                   created_at=created, updated_at=updated)


def _enum(value: Any, table: dict[str, Any], default: Any, field: str) -> Any:
    key = text(value).lower()
    if key in table:
        return table[key]
    if value not in (None, ""):
        warn_once(field, value, default.value)
    return default


def conversation(payload: Any, inboxes: dict[str, tuple[Channel, str]]) -> Conversation:
    """A conversation list item; ``inboxes`` maps inbox id -> (channel, inbox name)."""
    ext = _require_id(payload, "conversation")
    meta = payload.get("meta") if isinstance(payload.get("meta"), dict) else {}
    inbox_id = id_text(payload.get("inbox_id"))
    channel, inbox_name = inboxes.get(inbox_id or "", (None, ""))
    if channel is None:  # inbox unknown (created since the inboxes pull): the list's meta.channel says it too
        channel = channel_of_inbox({"channel_type": meta.get("channel")}) if meta.get("channel") else Channel.OTHER
    status = _enum(payload.get("status"), STATUSES, Status.OPEN, "chatwoot conversation status")
    created = parse_time(payload.get("created_at")) or parse_time(payload.get("timestamp"))
    if created is None:
        raise Unmappable(f"conversation {ext} without created_at")
    activity = parse_time(payload.get("last_activity_at")) or parse_time(payload.get("timestamp"))
    updated = parse_time(payload.get("updated_at")) or activity or created
    last_message = parse_time(dig(payload, "last_non_activity_message", "created_at")) or activity
    resolved_at = parse_time(payload.get("resolved_at"))
    if status is Status.RESOLVED and resolved_at is None:
        resolved_at = updated  # the list has no resolved_at; the last update is when it was resolved
    labels = tuple(str(x) for x in payload.get("labels") or [] if isinstance(x, str | int))
    return Conversation(
        external_id=ext, channel=channel, status=status,
        contact_external_id=id_text(dig(meta, "sender", "id")) or id_text(payload.get("contact_id")),
        created_at=created, updated_at=updated,
        subject=text(dig(payload, "additional_attributes", "mail_subject")),
        priority=_enum(payload.get("priority"), PRIORITIES, Priority.NONE, "chatwoot priority"),
        assignee_external_id=id_text(dig(meta, "assignee", "id")) or id_text(payload.get("assignee_id")),
        team_external_id=id_text(dig(meta, "team", "id")) or id_text(payload.get("team_id")),
        labels=labels, last_message_at=last_message,
        first_response_at=parse_time(payload.get("first_reply_created_at")),
        resolved_at=resolved_at if status is Status.RESOLVED else None,
        snoozed_until=parse_time(payload.get("snoozed_until")) if status is Status.SNOOZED else None,
        unread=as_int(payload.get("unread_count")), inbox_name=inbox_name,
    )


def sender_contact(payload: Any) -> Contact | None:
    """The contact embedded in a conversation list item (``meta.sender``), if it can be mapped."""
    sender = dig(payload, "meta", "sender")
    if not isinstance(sender, dict):
        return None
    try:
        return contact(sender)
    except Unmappable:
        return None


def _attachments(payload: dict[str, Any]) -> tuple[Attachment, ...]:
    items = payload.get("attachments")
    if not isinstance(items, list):  # the spec's singular form
        items = [payload["attachment"]] if isinstance(payload.get("attachment"), dict) else []
    found: list[Attachment] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        url = text(item.get("data_url")) or text(item.get("file_url"))
        name = posixpath.basename(urlsplit(url).path) or f"attachment-{id_text(item.get('id')) or len(found)}"
        kind, ext = text(item.get("file_type")) or "file", text(item.get("extension")).lstrip(".")
        content_type = f"{kind}/{ext}" if kind in ("image", "audio", "video") and ext else (
            "application/octet-stream")
        found.append(Attachment(filename=name, content_type=content_type, size=as_int(item.get("file_size")),
                                url=url))
    return tuple(found)


def message(payload: Any, conversation_external_id: str) -> Message:
    ext = _require_id(payload, "message")
    raw_type = payload.get("message_type")
    kind = MESSAGE_TYPES.get(raw_type) if isinstance(raw_type, int | str) and not isinstance(raw_type, bool) else None
    if kind is None:
        warn_once("chatwoot message_type", payload.get("message_type"), "activity")
        kind = "activity"
    sender_type = text(payload.get("sender_type")).lower().replace("_", "")
    sender = payload.get("sender") if isinstance(payload.get("sender"), dict) else {}
    automated = sender_type == "agentbot" or kind == "template" or bool(
        dig(payload, "content_attributes", "automation_rule_id"))
    if kind == "activity":
        direction = Direction.ACTIVITY
    elif payload.get("private") is True:
        direction = Direction.NOTE
    elif kind == "incoming":
        direction = Direction.IN
    else:
        direction = Direction.OUT
    if direction is Direction.IN:
        delivery = DeliveryState.RECEIVED
    else:
        status = text(payload.get("status")).lower()
        delivery = DELIVERY.get(status, DeliveryState.SENT)
        if status and status not in DELIVERY:
            warn_once("chatwoot message status", status, DeliveryState.SENT.value)
    attributes = payload.get("content_attributes") if isinstance(payload.get("content_attributes"), dict) else {}
    sent_at = parse_time(payload.get("created_at")) or parse_time(payload.get("updated_at"))
    if sent_at is None:  # placed nowhere in time it would corrupt threads and KPIs
        raise Unmappable(f"message {ext} without created_at")
    return Message(
        external_id=ext,
        # the stream's id, not payload.conversation_id: some versions put the internal id there
        conversation_external_id=conversation_external_id,
        direction=direction, sent_at=sent_at, text=text(payload.get("content")),
        html=text(dig(attributes, "email", "html_content", "full")),
        author_name=text(sender.get("available_name")) or text(sender.get("name")),
        author_external_id=id_text(payload.get("sender_id")) or id_text(sender.get("id")),
        delivery=delivery, attachments=_attachments(payload),
        client_id=text(attributes.get(CLIENT_ID_KEY)) or None, automated=automated,
    )


def survey(payload: Any) -> SurveyResponse:
    ext = _require_id(payload, "csat response")
    score = as_int(payload.get("rating"), default=-1)
    if not 1 <= score <= 5:
        raise Unmappable(f"csat response {ext} with rating {payload.get('rating')!r} outside 1..5")
    at = parse_time(payload.get("created_at"))
    if at is None:
        raise Unmappable(f"csat response {ext} without created_at")
    return SurveyResponse(external_id=ext, kind=SurveyKind.CSAT, score=score, at=at,
                          conversation_external_id=id_text(payload.get("conversation_id")),
                          comment=text(payload.get("feedback_message")))
